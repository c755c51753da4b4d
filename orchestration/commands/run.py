"""`kundresa run`: materialise every asset in-process, with one progress line per step."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import time
import warnings
from typing import Any

import dagster as dg

from orchestration.instance import ensure_dagster_home
from orchestration.settings import Settings

_SHOWN_EVENTS = {
    "STEP_START",
    "STEP_SUCCESS",
    "STEP_FAILURE",
    "ASSET_MATERIALIZATION",
    "ASSET_CHECK_EVALUATION",
}


class _ProgressHandler(logging.Handler):
    """Prints step starts, materialisations, check results and failures as single lines."""

    def __init__(self, stream: Any) -> None:
        super().__init__()
        self.stream = stream
        self.started: dict[str, float] = {}
        self.materialized: list[str] = []
        self.failed_checks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)
        if event is None or event.event_type_value not in _SHOWN_EVENTS:
            return
        kind, step = event.event_type_value, event.step_key or ""
        if kind == "STEP_START":
            self.started[step] = time.monotonic()
            self._print(f"▶ {step}")
        elif kind == "STEP_SUCCESS":
            seconds = time.monotonic() - self.started.get(step, time.monotonic())
            self._print(f"✔ {step} ({seconds:.1f} s)")
        elif kind == "STEP_FAILURE":
            self._print(f"✘ {step}: {_root_cause(event.step_failure_data.error)}")
        elif kind == "ASSET_MATERIALIZATION":
            key = event.asset_key.to_user_string()
            self.materialized.append(key)
            self._print(f"    materialised {key}{_rows(event)}")
        elif kind == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            if not data.passed:
                name = f"{data.asset_key.to_user_string()}:{data.check_name}"
                self.failed_checks.append(name)
                self._print(f"    check failed {name} ({data.severity.value})")

    def _print(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()


def _root_cause(error: Any) -> str:
    """The innermost error of a Dagster step failure: the user's exception, not the wrapper."""
    if error is None:
        return "failed"
    while getattr(error, "cause", None) is not None:
        error = error.cause
    lines = error.message.strip().splitlines() or ["failed"]
    return lines[0] if len(lines) == 1 else f"{lines[0]} …"


def _rows(event: Any) -> str:
    metadata = event.event_specific_data.materialization.metadata
    for name in ("rows_loaded", "row_count", "dagster/row_count", "rows"):
        if name in metadata:
            return f" — {metadata[name].value} rows"
    return ""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--select",
        default="*",
        help="Dagster asset selection string (default: every asset)",
    )


def execute(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    settings.export_env()
    from orchestration.definitions import defs  # heavy: dagster-dbt, assets

    handler = _ProgressHandler(sys.stdout)

    @dg.logger
    def progress_logger(_: Any) -> logging.Logger:
        logger = logging.getLogger("kundresa.run")
        logger.handlers = [handler]
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        return logger

    # selection strings go through a beta code path in Dagster 1.13; the warning is noise here
    warnings.filterwarnings("ignore", message=".*include_sources.*")
    job = dg.define_asset_job("kundresa_run", selection=args.select)
    run_defs = dg.Definitions.merge(
        defs, dg.Definitions(jobs=[job], loggers={"progress": progress_logger})
    )
    # runs are recorded in the local instance, so `kundresa ui` shows them afterwards
    home = ensure_dagster_home()
    instance = dg.DagsterInstance.get()
    print(f"kundresa run: warehouse {settings.duckdb_path}, landing {settings.landing_dir}")
    # dbt's own log lines go to a file; the terminal gets one line per step
    tool_log = home / "logs" / f"kundresa-run-{time.strftime('%Y%m%dT%H%M%S')}.log"
    tool_log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tool_log.open("w", encoding="utf-8") as log_file, contextlib.redirect_stdout(log_file):
        result = run_defs.resolve_job_def("kundresa_run").execute_in_process(
            instance=instance,
            run_config={"loggers": {"progress": {}}},
            raise_on_error=False,
        )
    seconds = time.monotonic() - started
    status = "succeeded" if result.success else "FAILED"
    print(
        f"\nkundresa run {status} in {seconds:.0f} s: {len(handler.materialized)} assets "
        f"materialised, {len(handler.failed_checks)} checks failed."
    )
    print(f"  warehouse (DuckDB): {settings.duckdb_path}")
    print(f"  channel exports:    {settings.outbox_dir}")
    print(f"  data quality docs:  {settings.quality_dir / 'docs' / 'index.html'}")
    print(f"  dbt and tool output: {tool_log}")
    print("  explore in the Dagster UI: kundresa ui")
    return 0 if result.success else 1
