"""Incremental event staging (macros/staging/incremental.sql) on hand-made raw rows.

A daily run must give exactly the rows a full build gives: only newly loaded raw rows are
staged, a key delivered again keeps its first load, and after an extract full refresh (raw
emptied and reloaded) the table is restaged from scratch — nothing stale is kept. (The
incremental-equals-full comparison over every staging table is in test_marts.py.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from orchestration.sources.catalog import get_entity
from orchestration.sources.raw_schema import create_raw_tables
from tests.dbt.test_staging import DBT_PROJECT, insert_raw, run_dbt_build

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


# --- versioned master data (CRM customers, web-shop accounts and orders, postal recipients) ---

VERSIONED = {  # model: (raw table, key)
    "stg_crm__customers": ("crm__customers", "customer_number"),
    "stg_webshop__accounts": ("webshop__accounts", "account_id"),
    "stg_webshop__orders": ("webshop__orders", "order_id"),
    "stg_postal__recipients": ("postal__recipients", "recipient_id"),
}


def _customer(number: str | None, surname: str, updated: str, postal: str = "11455",
              phone: str = "070-123 45 67") -> dict[str, str | None]:  # fmt: skip
    return {"customer_number": number, "given_names": "Stig Patrick", "surname": surname,
            "phone": phone, "postal_code": postal, "country": "SE", "customer_type": "private",
            "created_at": "2024-01-01 10:00:00+00",
            "updated_at": f"{updated} 10:00:00+00"}  # fmt: skip


def _account(account_id: str | None, email: str, updated: str) -> dict[str, str | None]:
    return {"account_id": account_id, "email": email, "first_name": "Eva", "phone": "0701234567",
            "country": "SE", "created_at": "2024-01-01 10:00:00+00",
            "updated_at": f"{updated} 10:00:00+00"}  # fmt: skip


def _order(order_id: str | None, status: str, updated: str) -> dict[str, str | float | None]:
    return {"order_id": order_id, "account_id": "A1", "status": status, "currency": "sek",
            "order_total": 100.0, "shipping_country": "Sverige",
            "ordered_at": "2024-01-01 10:00:00+00",
            "updated_at": f"{updated} 10:00:00+00"}  # fmt: skip


def _recipient(recipient_id: str | None, street: str, updated: str,
               postal: str = "11455") -> dict[str, str | None]:  # fmt: skip
    return {"recipient_id": recipient_id, "full_name": " Patrick  Ek ", "street": street,
            "postal_code": postal, "city": "Stockholm", "country": "Sverige",
            "updated_at": f"{updated} 10:00:00+00"}  # fmt: skip


def _run_versioned(database: Path, tmp: Path, *extra: str) -> None:
    """`dbt run` (not build: rows without a key fail the models' not_null tests on purpose)."""
    env = {**os.environ, "KUNDRESA_DUCKDB": str(database), "DBT_SEND_ANONYMOUS_USAGE_STATS": "0"}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "run", "--select", *VERSIONED, *extra,
         "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
         "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]


def _versions(database: Path, model: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(f"select * from staging.{model} order by all").fetchall()


def _current(database: Path, model: str, columns: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            f"select {columns} from staging.{model} where is_current_version order by all"
        ).fetchall()


def test_versioned_staging_restates_touched_keys_like_a_full_build(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        create_raw_tables(con)
        insert_raw(con, "crm__customers", [
            _customer("K1", "Ek", "2024-01-01"), _customer("K1", "Ek", "2024-01-01"),  # copy
            _customer("K2", "Berg", "2024-01-01"), _customer(None, "Utan", "2024-01-01"),
        ], batch="2025-01-01")  # fmt: skip
        insert_raw(con, "webshop__accounts", [
            _account("A1", "eva@example.se", "2024-01-01"),
            _account("A2", "bo@example.se", "2024-01-01"),
        ], batch="2025-01-01")  # fmt: skip
        insert_raw(con, "webshop__orders", [
            _order("O1", "placed", "2024-01-01"), _order("O2", "placed", "2024-01-01"),
        ], batch="2025-01-01")  # fmt: skip
        insert_raw(con, "postal__recipients", [
            _recipient("P1", "Storgatan 1", "2024-01-01"),
            _recipient("P1", "Storgatan  1 ", "2024-01-01"),  # copy after normalisation
            _recipient("P2", "Kungsgatan 2", "2024-01-01"),
            _recipient(None, "Utan 1", "2024-01-01"),
        ], batch="2025-01-01")  # fmt: skip
    _run_versioned(database, tmp_path / "day1")
    assert len(_versions(database, "stg_crm__customers")) == 3  # the copy dropped
    assert len(_versions(database, "stg_postal__recipients")) == 3  # the copy dropped

    with duckdb.connect(str(database)) as con:
        insert_raw(con, "crm__customers", [
            _customer("K1", "Ek", "2024-01-01"),  # re-delivered: the 2025-01-01 load wins
            _customer("K1", "Ek", "2024-01-01", postal="114 55"),  # only formatting: no change
            _customer("K1", "Ek", "2024-06-01", phone="+46 70 765 43 21"),  # new version
            _customer("K2", "Berg-Ny", "2023-06-01"),  # late: older than the current one
            _customer(None, "Utan", "2024-02-01"),  # another version without a key
        ], batch="2025-01-02")  # fmt: skip
        insert_raw(con, "webshop__accounts", [
            _account("A1", "eva.ny@example.se", "2024-06-01"),
            _account("A2", "bo@example.se", "2024-01-01"),  # re-delivered
        ], batch="2025-01-02")  # fmt: skip
        insert_raw(con, "webshop__orders", [
            _order("O1", "delivered", "2024-01-05"), _order("O2", "cancelled", "2023-12-01"),
        ], batch="2025-01-02")  # fmt: skip
        insert_raw(con, "postal__recipients", [
            _recipient("P1", "Storgatan 1", "2024-01-01"),  # re-delivered: first load wins
            _recipient("P1", "Storgatan 1", "2024-01-01", postal="114 55"),  # only formatting
            _recipient("P1", "Vasagatan 3", "2024-06-01", postal="11120"),  # new version
            _recipient("P2", "Gamla vägen 9", "2023-06-01"),  # late: older than the current one
            _recipient(None, "Utan 2", "2024-02-01"),  # another version without a key
        ], batch="2025-01-02")  # fmt: skip
    _run_versioned(database, tmp_path / "day2")

    assert _current(database, "stg_crm__customers", "customer_number, surname, phone_e164, "
                    "postal_code, _source_file") == [
        ("K1", "Ek", "+46707654321", "114 55", "crm/customers/2025-01-02.csv"),
        ("K2", "Berg", "+46701234567", "114 55", "crm/customers/2025-01-01.csv"),
        (None, "Utan", "+46701234567", "114 55", "crm/customers/2025-01-02.csv"),
    ]  # fmt: skip
    with duckdb.connect(str(database), read_only=True) as con:
        k1 = con.execute(
            "select updated_at::date::varchar, _source_file, _row_number, is_current_version "
            "from staging.stg_crm__customers where customer_number = 'K1' order by all"
        ).fetchall()
    assert k1 == [("2024-01-01", "crm/customers/2025-01-01.csv", 1, False),
                  ("2024-06-01", "crm/customers/2025-01-02.csv", 3, True)]  # fmt: skip
    assert _current(database, "stg_webshop__accounts", "account_id, email") == [
        ("A1", "eva.ny@example.se"), ("A2", "bo@example.se"),
    ]  # fmt: skip
    assert _current(database, "stg_webshop__orders", "order_id, status, currency") == [
        ("O1", "delivered", "SEK"), ("O2", "placed", "SEK"),
    ]  # fmt: skip
    assert _current(database, "stg_postal__recipients", "recipient_id, full_name, street, "
                    "postal_code, is_postal_code_valid, country, _source_file") == [
        ("P1", "Patrick Ek", "Vasagatan 3", "111 20", True, "SE",
         "postal/recipients/2025-01-02.csv"),
        ("P2", "Patrick Ek", "Kungsgatan 2", "114 55", True, "SE",
         "postal/recipients/2025-01-01.csv"),
        (None, "Patrick Ek", "Utan 2", "114 55", True, "SE", "postal/recipients/2025-01-02.csv"),
    ]  # fmt: skip
    with duckdb.connect(str(database), read_only=True) as con:
        versions = con.execute(
            "select recipient_id, street, updated_at::date::varchar, _source_file, _row_number, "
            "is_current_version from staging.stg_postal__recipients order by all"
        ).fetchall()
    assert versions == [
        ("P1", "Storgatan 1", "2024-01-01", "postal/recipients/2025-01-01.csv", 1, False),
        ("P1", "Vasagatan 3", "2024-06-01", "postal/recipients/2025-01-02.csv", 3, True),
        ("P2", "Gamla vägen 9", "2023-06-01", "postal/recipients/2025-01-02.csv", 4, False),
        ("P2", "Kungsgatan 2", "2024-01-01", "postal/recipients/2025-01-01.csv", 3, True),
        (None, "Utan 1", "2024-01-01", "postal/recipients/2025-01-01.csv", 4, False),
        (None, "Utan 2", "2024-02-01", "postal/recipients/2025-01-02.csv", 5, True),
    ]  # fmt: skip

    # a full rebuild of a copy gives exactly the incremental tables
    rebuilt = tmp_path / "rebuilt.duckdb"
    shutil.copy(database, rebuilt)
    _run_versioned(rebuilt, tmp_path / "full", "--full-refresh")
    for model in VERSIONED:
        assert _versions(database, model) == _versions(rebuilt, model), model

    # extract full refresh: raw emptied and reloaded later without K2/A2/O2 -> restaged
    with duckdb.connect(str(database)) as con:
        for table, _ in VERSIONED.values():
            con.execute(f"delete from raw.{table}")
        insert_raw(con, "crm__customers", [_customer("K1", "Ek", "2024-06-01")],
                   batch="2025-01-05")  # fmt: skip
        insert_raw(con, "webshop__accounts", [_account("A1", "eva@example.se", "2024-01-01")],
                   batch="2025-01-05")  # fmt: skip
        insert_raw(con, "webshop__orders", [_order("O1", "placed", "2024-01-01")],
                   batch="2025-01-05")  # fmt: skip
        insert_raw(con, "postal__recipients", [_recipient("P1", "Vasagatan 3", "2024-06-01")],
                   batch="2025-01-05")  # fmt: skip
    _run_versioned(database, tmp_path / "day5")
    for model, (table, key) in VERSIONED.items():
        entity = get_entity(table)
        reloaded_file = f"{entity.source}/{entity.name}/2025-01-05.{entity.extension}"
        assert _current(database, model, f"{key}, _source_file") == [
            (RELOADED_KEYS[model], reloaded_file)
        ], model
        assert len(_versions(database, model)) == 1, model


RELOADED_KEYS = {"stg_crm__customers": "K1", "stg_webshop__accounts": "A1",
                 "stg_webshop__orders": "O1", "stg_postal__recipients": "P1"}  # fmt: skip
