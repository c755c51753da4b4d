"""Wall and CPU seconds per named part of the gate (for check metadata and the benchmark)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class Stopwatch:
    """Accumulates wall and CPU seconds per part; CPU is this process's, all threads included
    (DuckDB's worker threads too), so it does not depend on other load on the machine."""

    def __init__(self) -> None:
        self.parts: dict[str, dict[str, float]] = {}

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - wall, time.process_time() - cpu)

    def add(self, name: str, wall: float, cpu: float) -> None:
        totals = self.parts.setdefault(name, {"wall": 0.0, "cpu": 0.0})
        totals["wall"] += wall
        totals["cpu"] += cpu

    def rounded(self) -> dict[str, dict[str, float]]:
        return {
            name: {k: round(v, 2) for k, v in totals.items()} for name, totals in self.parts.items()
        }
