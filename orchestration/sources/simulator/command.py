"""`kundresa generate`: write simulated landing files and ground truth."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration.cli import UserError
from orchestration.sources.simulator.config import DEFAULT_DAYS


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--customers", type=int, required=True, help="persons to simulate")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--out", type=Path, required=True, help="landing folder to write")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS,
                        help=f"days in the window ending 2026-10-31 (default {DEFAULT_DAYS})")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def execute(args: argparse.Namespace) -> int:
    from orchestration.sources.simulator import generate

    try:
        summary = generate(args.out, args.customers, args.seed, args.days,
                           progress=not args.no_progress and sys.stderr.isatty())
    except ValueError as error:
        raise UserError(str(error)) from error
    print(f"wrote {summary.files:,} files for {summary.customers:,} customers "
          f"({summary.start_date} .. {summary.end_date}) to {summary.out}: "
          f"{sum(summary.rows.values()):,} rows, {summary.touchpoint_rows:,} touchpoint rows, "
          f"{summary.seconds:.1f} s")
    return 0
