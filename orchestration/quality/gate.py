"""Run several suites in a row: results to ``quality.dq_results``, one Data Docs build."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orchestration.quality.results import write_outcomes
from orchestration.quality.runner import SuiteRun, build_data_docs, run_suite
from orchestration.quality.spec import SuiteSpec


def run_gate(
    connection: Any,
    specs: list[SuiteSpec],
    *,
    run_id: str,
    quality_dir: Path,
    build_docs: bool = True,
) -> list[SuiteRun]:
    """Validate every suite, append all outcomes to ``quality.dq_results``, render Data Docs."""
    runs: list[SuiteRun] = []
    for spec in specs:
        run = run_suite(connection, spec, run_id=run_id, quality_dir=quality_dir, build_docs=False)
        with run.timings.part("dq_results"):
            write_outcomes(connection, run.outcomes, run_id, run.validated_at)
        runs.append(run)
    identifiers = [r.result_identifier for r in runs if r.result_identifier is not None]
    if build_docs and identifiers:
        build_data_docs(quality_dir, identifiers)
    return runs
