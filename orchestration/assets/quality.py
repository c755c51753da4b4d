"""The ``quality.dq_results`` store as an asset, so dbt's scorecard has a producer upstream.

The rows themselves are appended by the quality asset checks (orchestration/checks/quality.py)
whenever a checked asset is validated. This asset makes sure the table exists before dbt builds
``marts.dq_scorecard`` on it, and reports how quality trends across the stored runs.
"""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.quality.results import DQ_RESULTS_TABLE, ensure_dq_results


@dg.asset(
    key=["quality", "dq_results"],
    group_name="quality",
    pool="duckdb_writer",
    description="Every rule of every quality-gate validation (appended by the asset checks).",
)
def dq_results(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Create the results table where missing; metadata: rows, runs, latest failures."""
    with duckdb.get_connection() as connection:
        ensure_dq_results(connection)
        rows, runs, suites = connection.execute(
            f"select count(*), count(distinct run_id), count(distinct suite) "
            f"from {DQ_RESULTS_TABLE}"
        ).fetchall()[0]
        latest = connection.execute(
            f"""
            with latest as (
                select suite, max(validated_at) as validated_at
                from {DQ_RESULTS_TABLE} group by suite
            )
            select r.severity, count(*) filter (where not r.success), count(*)
            from {DQ_RESULTS_TABLE} as r
            inner join latest as l on r.suite = l.suite and r.validated_at = l.validated_at
            group by r.severity order by r.severity
            """
        ).fetchall()
    return dg.MaterializeResult(
        metadata={
            "rows": rows,
            "validation_runs": runs,
            "suites": suites,
            "latest_failed_rules": dg.MetadataValue.json(
                {severity: {"failed": failed, "rules": total} for severity, failed, total in latest}
            ),
        }
    )
