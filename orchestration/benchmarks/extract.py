"""Bench stage ``extract``: full first extract of ``workdir/landing`` and a one-day increment.

1. full: every landing file into a fresh ``workdir/warehouse.duckdb`` (later stages build on it);
2. increment: the latest day's batch files are taken back out of the warehouse (their raw and
   quarantine rows and ledger entries deleted), then the extract runs again — it stats every
   file, skips the loaded ones and loads only that day, exactly as a daily run does;
3. no-op: one more run with nothing new.
Reported per phase: wall and CPU seconds (CPU time of all DuckDB threads; steadier than wall
time on a shared machine), files, rows, peak resident memory (sampled), and the ratio
increment / full (target ≤ 5 %).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from orchestration.cli import UserError
from orchestration.sources.catalog import ENTITIES
from orchestration.sources.extract import load_entity
from orchestration.sources.extract.files import discover
from orchestration.sources.extract.tables import LEDGER_TABLE, QUARANTINE_TABLE
from orchestration.sources.raw_schema import RAW_SCHEMA

_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})\.[a-z]+$")


class _PeakRss:
    """Samples this process's resident memory in a thread; ``peak_mb`` after ``stop``."""

    def __init__(self, interval: float = 0.05) -> None:
        import psutil

        self._process = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self.peak_mb = 0.0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = self._process.memory_info().rss / 2**20
            self.peak_mb = max(self.peak_mb, rss)
            self._stop.wait(self._interval)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def _phase(figures: dict[str, Any]) -> Iterator[None]:
    with _PeakRss() as rss:
        started, cpu_started = time.perf_counter(), time.process_time()
        yield
        figures["seconds"] = round(time.perf_counter() - started, 2)
        figures["cpu_seconds"] = round(time.process_time() - cpu_started, 2)
    figures["peak_rss_mb"] = round(rss.peak_mb, 1)


def _summarise(results: list[Any], figures: dict[str, Any]) -> None:
    figures["files_loaded"] = sum(len(r.files_loaded) for r in results)
    figures["files_skipped"] = sum(r.files_skipped for r in results)
    figures["rows_loaded"] = sum(r.rows_loaded for r in results)
    figures["rows_quarantined"] = sum(r.rows_quarantined for r in results)
    figures["files_refused"] = sum(len(r.files_failed) for r in results)
    if figures.get("seconds"):
        figures["rows_per_second"] = round(figures["rows_loaded"] / figures["seconds"])


def _timed_load(connection: Any, landing: Path, per_entity: dict[str, float] | None = None
                ) -> Callable[[], list[Any]]:
    def run() -> list[Any]:
        results = []
        for entity in ENTITIES:
            started = time.perf_counter()
            results.append(load_entity(connection, landing, entity, raise_on_failure=False))
            if per_entity is not None:
                per_entity[entity.raw_table] = round(time.perf_counter() - started, 2)
        return results

    return run


def _forget_files(connection: Any, day: str) -> int:
    """Take one day's files back out of raw, quarantine and ledger; returns files forgotten."""
    pattern = f"%/{day}.%"
    for entity in ENTITIES:
        connection.execute(
            f"delete from {RAW_SCHEMA}.{entity.raw_table} where _source_file like ?", [pattern]
        )
    connection.execute(f"delete from {QUARANTINE_TABLE} where source_file like ?", [pattern])
    forgotten = connection.execute(
        f"select count(*) from {LEDGER_TABLE} where source_file like ?", [pattern]
    ).fetchall()[0][0]
    connection.execute(f"delete from {LEDGER_TABLE} where source_file like ?", [pattern])
    return forgotten


def run(customers: int, workdir: Path, report: dict[str, Any]) -> None:
    """Measure the full and the one-day incremental extract of ``workdir/landing``."""
    import duckdb

    landing = workdir / "landing"
    files = [f for entity in ENTITIES for f in discover(landing, entity)]
    if not files:
        raise UserError(f"no landing files in {landing}: run the generate stage first")
    days = sorted({m.group(1) for f in files if (m := _DAY.search(f.relative))})
    last_day = days[-1]
    report["landing"] = {
        "files": len(files),
        "bytes": sum(f.size for f in files),
        "days": len(days),
        "last_day": last_day,
    }
    database = workdir / "warehouse.duckdb"
    for stale in (database, database.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    per_entity: dict[str, float] = {}
    with duckdb.connect(str(database)) as connection:
        full: dict[str, Any] = {}
        with _phase(full):
            results = _timed_load(connection, landing, per_entity)()
        _summarise(results, full)
        full["slowest_entities_seconds"] = dict(
            sorted(per_entity.items(), key=lambda item: -item[1])[:5]
        )
        report["full"] = full

        increment: dict[str, Any] = {"day": last_day}
        increment["files_forgotten"] = _forget_files(connection, last_day)
        with _phase(increment):
            results = _timed_load(connection, landing)()
        _summarise(results, increment)
        report["one_day_increment"] = increment

        noop: dict[str, Any] = {}
        with _phase(noop):
            results = _timed_load(connection, landing)()
        _summarise(results, noop)
        report["rerun_nothing_new"] = noop
    report["increment_to_full_ratio"] = round(increment["seconds"] / full["seconds"], 4)
    report["increment_to_full_cpu_ratio"] = round(
        increment["cpu_seconds"] / max(full["cpu_seconds"], 0.01), 4
    )
    report["seconds"] = round(full["seconds"] + increment["seconds"] + noop["seconds"], 2)
    report["warehouse"] = str(database)
