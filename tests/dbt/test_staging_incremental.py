"""Incremental event staging (macros/staging/incremental.sql) on hand-made raw rows.

A daily run must give exactly the rows a full build gives: only newly loaded raw rows are
staged, a key delivered again keeps its first load, and after an extract full refresh (raw
emptied and reloaded) the table is restaged from scratch — nothing stale is kept. (The
incremental-equals-full comparison over every staging table is in test_marts.py.)
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.sources.raw_schema import create_raw_tables
from tests.dbt.test_staging import insert_raw, run_dbt_build

MODEL = "stg_sms__events"
COLUMNS = "event_id, msisdn, phone_e164, event_type, _source_file"


def _event(event_id: str, msisdn: str, event_type: str = "sent") -> dict[str, str]:
    return {"event_id": event_id, "msisdn": msisdn, "event_type": event_type,
            "campaign_id": "CMP1", "occurred_at": "2025-01-01 09:00:00+00"}  # fmt: skip


def _build(database: Path, tmp: Path) -> None:
    done = run_dbt_build(database, [MODEL], tmp)
    assert done.returncode == 0, done.stdout[-3000:]


def _staged(database: Path) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(f"select {COLUMNS} from staging.{MODEL} order by event_id").fetchall()


def test_daily_runs_stage_only_new_rows_and_restage_after_full_refresh(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        create_raw_tables(con)
        insert_raw(con, "sms__events", [_event("E1", "0701234567"), _event("E2", "0707654321")],
                   batch="2025-01-01")  # fmt: skip
    _build(database, tmp_path / "day1")
    assert [row[0] for row in _staged(database)] == ["E1", "E2"]

    # day 2: one new event, and E1 delivered again with other content (first load wins)
    with duckdb.connect(str(database)) as con:
        insert_raw(con, "sms__events", [_event("E3", "0701112233"),
                                         _event("E1", "0709999999", "clicked")],
                   batch="2025-01-02")  # fmt: skip
    _build(database, tmp_path / "day2")
    assert _staged(database) == [
        ("E1", "0701234567", "+46701234567", "sent", "sms/events/2025-01-01.csv"),
        ("E2", "0707654321", "+46707654321", "sent", "sms/events/2025-01-01.csv"),
        ("E3", "0701112233", "+46701112233", "sent", "sms/events/2025-01-02.csv"),
    ]

    # extract full refresh: raw emptied and reloaded later, E2's file gone from the landing
    with duckdb.connect(str(database)) as con:
        con.execute("delete from raw.sms__events")
        insert_raw(con, "sms__events", [_event("E1", "0701234567"), _event("E3", "0701112233")],
                   batch="2025-01-05")  # fmt: skip
    _build(database, tmp_path / "day5")
    assert _staged(database) == [
        ("E1", "0701234567", "+46701234567", "sent", "sms/events/2025-01-05.csv"),
        ("E3", "0701112233", "+46701112233", "sent", "sms/events/2025-01-05.csv"),
    ]
