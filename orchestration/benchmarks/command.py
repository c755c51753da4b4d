"""`kundresa bench --customers N`: time each stage and write a report.

Each stage is a module ``orchestration.benchmarks.<stage>`` with
``run(customers, workdir, report)``; it does its work at the given scale and writes the figures
it measured (seconds, rows, peak memory) into ``report``. Stages run in order in one work
folder, so later stages read what earlier ones produced (the extract reads the generated files).
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.cli import UserError
from orchestration.settings import REPO_ROOT

RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"

STAGES: tuple[str, ...] = (
    "generate",
    "extract",
    "identity",
    "customer360",
    "quality",
    "clv",
    "attribution",
    "activation",
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--customers", type=int, required=True, help="simulated customers")
    parser.add_argument(
        "--stages",
        default=",".join(STAGES),
        help=f"comma-separated subset of: {', '.join(STAGES)}",
    )
    parser.add_argument("--workdir", type=Path, help="keep data here (default: a temp folder)")
    parser.add_argument(
        "--report",
        type=Path,
        help="report path (default benchmarks/results/bench-<customers>.json)",
    )


def peak_rss_mb() -> float:
    """Peak resident memory of this process and its finished children, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def execute(args: argparse.Namespace) -> int:
    if args.customers <= 0:
        raise UserError(f"--customers must be positive, got {args.customers}")
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    unknown = sorted(set(stages) - set(STAGES))
    if unknown:
        raise UserError(f"unknown stage(s) {', '.join(unknown)}; known: {', '.join(STAGES)}")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kundresa-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    report_path = args.report or RESULTS_DIR / f"bench-{args.customers}.json"
    report: dict[str, Any] = {
        "customers": args.customers,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": sys.version.split()[0], "platform": platform.platform()},
        "stages": {},
    }
    try:
        for stage in stages:
            module = importlib.import_module(f"orchestration.benchmarks.{stage}")
            figures: dict[str, Any] = {}
            print(f"bench {stage} at {args.customers:,} customers …", flush=True)
            started = time.perf_counter()
            module.run(args.customers, workdir, figures)
            figures.setdefault("seconds", round(time.perf_counter() - started, 2))
            figures.setdefault("peak_rss_mb_process", round(peak_rss_mb(), 1))
            report["stages"][stage] = figures
            print(f"  {json.dumps(figures, default=str)}", flush=True)
            _write(report_path, report)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"report: {report_path}")
    return 0


def _write(path: Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
