"""The ``quality.dq_results`` table: every rule of every validation run, for trending in BI."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from orchestration.quality.spec import Outcome

DQ_RESULTS_TABLE = "quality.dq_results"
_ROWS_PER_INSERT = 200

DQ_RESULTS_DDL = f"""
create table if not exists {DQ_RESULTS_TABLE} (
    run_id varchar not null,
    validated_at timestamptz not null,
    suite varchar not null,
    rule varchar not null,
    expectation varchar not null,
    asset varchar not null,
    source_system varchar not null,
    dimension varchar not null,
    column_name varchar,
    severity varchar not null,
    success boolean not null,
    element_count bigint,
    unexpected_count bigint,
    unexpected_percent double,
    sample_keys varchar,
    message varchar not null
)
"""


def ensure_dq_results(connection: Any) -> None:
    """Create the ``quality`` schema and ``quality.dq_results`` where missing."""
    connection.execute("create schema if not exists quality")
    connection.execute(DQ_RESULTS_DDL)


def write_outcomes(
    connection: Any, outcomes: Iterable[Outcome], run_id: str, validated_at: datetime
) -> int:
    """Append outcomes to ``quality.dq_results``; returns the number of rows written."""
    ensure_dq_results(connection)
    rows = [
        (
            run_id,
            validated_at,
            o.suite,
            o.rule,
            o.expectation,
            o.asset_name,
            o.source_system,
            o.dimension,
            o.column,
            o.severity,
            o.success,
            o.element_count,
            o.unexpected_count,
            o.unexpected_percent,
            json.dumps(list(o.sample_keys)),
            o.message,
        )
        for o in outcomes
    ]
    # one multi-row insert per chunk: executemany runs one statement per row
    row_placeholders = "(" + ", ".join(["?"] * 16) + ")"
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[start : start + _ROWS_PER_INSERT]
        connection.execute(
            f"insert into {DQ_RESULTS_TABLE} values {', '.join([row_placeholders] * len(chunk))}",
            [value for row in chunk for value in row],
        )
    return len(rows)
