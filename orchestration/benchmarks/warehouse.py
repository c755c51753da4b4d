"""What the bench stages share: finding the bench warehouse and timing dbt commands on it.

Stages run in one work folder (see ``command.py``); a later stage finds the DuckDB file an
earlier one wrote by the tables it needs, and runs dbt against it as a child process so dbt's
seconds and memory are measured apart from the bench process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from orchestration.settings import DBT_PROJECT_DIR


def table_names(database: Path) -> set[tuple[str, str]]:
    """Every (schema, table) of a DuckDB file; empty when it cannot be opened."""
    import duckdb

    try:
        with duckdb.connect(str(database), read_only=True) as con:
            rows = con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
    except duckdb.Error:
        return set()
    return {(schema, table) for schema, table in rows}


def has_table(database: Path, schema: str, table: str) -> bool:
    """Whether ``schema.table`` exists in the DuckDB file."""
    return (schema, table) in table_names(database)


def find_warehouse(workdir: Path, required: Iterable[tuple[str, str]]) -> Path | None:
    """The first DuckDB file under ``workdir`` holding every ``required`` (schema, table)."""
    needed = set(required)
    for path in sorted(workdir.rglob("*.duckdb")):
        if needed <= table_names(path):
            return path
    return None


def run_dbt(database: Path, work: Path, *args: str) -> dict[str, Any]:
    """One dbt command on ``database`` as a child process: wall seconds and peak RSS (MiB) of
    its process tree. dbt's target and logs go to ``work``; a failure raises with dbt's errors."""
    import psutil

    env = {**os.environ, "KUNDRESA_DUCKDB": str(database), "DBT_SEND_ANONYMOUS_USAGE_STATS": "0"}
    command = [
        str(Path(sys.executable).with_name("dbt")), *args,
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
    ]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        try:
            parent = psutil.Process(process.pid)
            while not done.wait(0.2):
                tree = [parent, *parent.children(recursive=True)]
                peak[0] = max(peak[0], sum(p.memory_info().rss for p in tree) / 2**20)
        except psutil.Error:
            return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        text = output.decode(errors="replace")
        errors = [line for line in text.splitlines() if "ERROR" in line or "Error" in line]
        raise RuntimeError(f"dbt {args[0]} failed:\n" + "\n".join(errors[-20:]))
    return {"seconds": round(seconds, 1), "peak_rss_mb": round(peak[0], 1)}


def model_seconds(work: Path, slowest: int = 12) -> dict[str, Any]:
    """Execution seconds of the models of the last dbt command run with target path
    ``work/target`` (its run_results.json): count, sum (dbt's start-up and parse excluded) and
    the ``slowest`` models."""
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    timings = {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results}
    ranked = sorted(timings.items(), key=lambda item: -item[1])[:slowest]
    return {
        "models": len(timings),
        "models_seconds": round(sum(timings.values()), 1),
        "slowest_models_seconds": {name: round(seconds, 2) for name, seconds in ranked},
    }
