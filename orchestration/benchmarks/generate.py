"""Benchmark stage `generate`: simulate the landing data set at the given scale."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import psutil


def run(customers: int, workdir: Path, report: dict[str, Any]) -> None:
    """Generate ``customers`` persons (two years) into ``workdir/landing``; record figures."""
    from orchestration.sources.simulator import generate

    process = psutil.Process()
    peak = [process.memory_info().rss]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            peak[0] = max(peak[0], _tree_rss(process))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    cpu_started = _cpu_seconds()
    try:
        summary = generate(workdir / "landing", customers, seed=42, progress=True)
    finally:
        done.set()
        sampler.join()
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_started
    size = sum(p.stat().st_size for p in (workdir / "landing").rglob("*") if p.is_file())
    report.update({
        "seconds": round(seconds, 1),
        # CPU time of this process and its finished workers: comparable on a busy machine
        "cpu_seconds": round(cpu, 1),
        "workers": int(os.environ.get("KUNDRESA_WORKERS") or min(os.cpu_count() or 1, 2)),
        "files": summary.files,
        "bytes": size,
        "rows_total": sum(summary.rows.values()),
        "rows_per_entity": summary.rows,
        "touchpoint_rows": summary.touchpoint_rows,
        "touchpoint_rows_per_second": round(summary.touchpoint_rows / seconds),
        "purchases": summary.purchases,
        "incremental_conversions": summary.incremental_conversions,
        "peak_rss_mb_with_workers": round(max(peak[0], _tree_rss(process)) / 2**20, 1),
    })


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _tree_rss(process: psutil.Process) -> int:
    """Resident memory of the process and its worker processes together."""
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:
            continue
    return total
