"""dbt staging models and the identity input contract, built once on hand-made raw rows.

One ``dbt build`` (staging + intermediate/identity, with their data tests) runs on a temp DuckDB
whose raw tables come from ``raw_schema.create_raw_tables``; every test reads the result.
"""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.sources.catalog import IDENTITY_SOURCES, get_entity
from orchestration.sources.raw_schema import create_raw_tables, raw_columns

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO_ROOT / "dbt_project"
SELECT = ["path:models/staging", "path:models/intermediate/identity"]

DECOMPOSED_ASA = unicodedata.normalize("NFD", "Åsa")  # "A" + combining ring above + "sa"


def insert_raw(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: list[dict[str, Any]],
    batch: str = "2025-01-01",
) -> None:
    """Insert rows into raw.<table>; missing columns null, lineage from the batch date."""
    entity = get_entity(table)
    names = [name for name, _ in raw_columns(entity)]
    for number, row in enumerate(rows, start=1):
        values = {
            "_source_file": f"{entity.source}/{entity.name}/{batch}.{entity.extension}",
            "_row_number": number,
            "_loaded_at": f"{batch} 06:00:00+00",
            **row,
        }
        unknown = set(values) - set(names)
        assert not unknown, f"{table}: no columns {unknown}"
        placeholders = ", ".join("?" for _ in names)
        con.execute(
            f"insert into raw.{table} values ({placeholders})", [values.get(n) for n in names]
        )


def run_dbt_build(
    database: Path, select: list[str], tmp: Path, exclude: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    """One `dbt build` on `database`, with its own target/log dirs (other runs share the repo)."""
    env = {**os.environ, "KUNDRESA_DUCKDB": str(database), "DBT_SEND_ANONYMOUS_USAGE_STATS": "0"}
    dbt = Path(sys.executable).with_name("dbt")
    command = [
        str(dbt), "build", "--select", *select,
        "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
        "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"),
        "--indirect-selection", "cautious",  # not other models' tests that reference ours
    ]  # fmt: skip
    if exclude:
        command += ["--exclude", *exclude]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def load_raw(con: duckdb.DuckDBPyConnection) -> None:
    insert_raw(con, "crm__customers", [
        # first version, then an exact duplicate delivered again, then a changed version
        {"customer_number": "C1", "given_names": " Stig  Patrick ", "surname": "EK",
         "email": " Stig.Ek@Example.SE ", "phone": "070-123 45 67", "street": "Storgatan 1",
         "postal_code": "11455", "city": "STOCKHOLM", "country": "Sverige",
         "customer_type": "private", "created_at": "2024-01-01 10:00:00+00",
         "updated_at": "2024-01-01 10:00:00+00"},
        {"customer_number": "C2", "given_names": DECOMPOSED_ASA, "surname": "Nordmann",
         "email": "asa@example", "phone": "412 34 567", "postal_code": "0150",
         "country": "NORGE", "customer_type": "test",
         "created_at": "2024-01-01 10:00:00+00", "updated_at": "2024-01-01 10:00:00+00"},
        {"customer_number": "C3", "given_names": "Mette", "surname": "Jensen",
         "phone": "20 12 34 56", "postal_code": "DK-2100", "country": "danmark",
         "created_at": "2024-01-01 10:00:00+00", "updated_at": "2024-01-01 10:00:00+00"},
        {"customer_number": "C4", "given_names": "Aino", "surname": "Virtanen",
         "phone": "040 123 4567", "postal_code": "FI-00100", "country": "Suomi",
         "created_at": "2024-01-01 10:00:00+00", "updated_at": "2024-01-01 10:00:00+00"},
        {"customer_number": "C5", "given_names": "Nils", "surname": "Berg", "phone": "123",
         "postal_code": "1234", "country": "Sweden",
         "created_at": "2024-01-01 10:00:00+00", "updated_at": "2024-01-01 10:00:00+00"},
    ], batch="2024-01-02")
    insert_raw(con, "crm__customers", [
        {"customer_number": "C1", "given_names": " Stig  Patrick ", "surname": "EK",
         "email": " Stig.Ek@Example.SE ", "phone": "070-123 45 67", "street": "Storgatan 1",
         "postal_code": "11455", "city": "STOCKHOLM", "country": "Sverige",
         "customer_type": "private", "created_at": "2024-01-01 10:00:00+00",
         "updated_at": "2024-01-01 10:00:00+00"},
        {"customer_number": "C1", "given_names": "Stig Patrick", "surname": "Ek",
         "email": "stig.ek@example.se", "phone": "+46 70 123 45 67", "street": "Nygatan 5",
         "postal_code": "SE-413 01", "city": "Göteborg", "country": "SE",
         "customer_type": "private", "created_at": "2024-01-01 10:00:00+00",
         "updated_at": "2024-06-01 10:00:00+00"},
    ], batch="2024-06-02")
    insert_raw(con, "webshop__accounts", [
        {"account_id": "A1", "customer_number": "C1", "email": "STIG.EK@EXAMPLE.SE",
         "email_verified": True, "first_name": "Patrick", "last_name": "Ek",
         "created_at": "2024-02-01 10:00:00+00", "updated_at": "2024-02-01 10:00:00+00"},
        {"account_id": "A2", "customer_number": "C999", "email": "not an email",
         "created_at": "2024-02-01 10:00:00+00", "updated_at": "2024-02-01 10:00:00+00"},
    ])
    insert_raw(con, "esp__subscribers", [
        {"subscriber_id": "S1", "email": "stig.ek@example.se", "first_name": "patrick",
         "subscribed_at": "2024-03-01 10:00:00+00"},
    ])
    insert_raw(con, "esp__email_events", [
        {"event_id": "E1", "subscriber_id": "S1", "email": "stig.ek@example.se",
         "event_type": "sent", "occurred_at": "2024-03-02 10:00:00+00"},
    ])
    sms_events = [
        {"event_id": "M1", "msisdn": "+46701234567", "event_type": "SENT",
         "occurred_at": "2024-04-01 10:00:00+00"},
        {"event_id": "M2", "msisdn": "0046 70 123 45 67", "event_type": "delivered",
         "occurred_at": "2024-04-02 10:00:00+00"},
        {"event_id": "M3", "msisdn": "12", "event_type": "sent",
         "occurred_at": "2024-04-03 10:00:00+00"},
    ]
    insert_raw(con, "sms__events", sms_events, batch="2024-04-04")
    # M1 delivered again in a later batch: an exact duplicate by event id
    insert_raw(con, "sms__events", sms_events[:1], batch="2024-04-05")
    insert_raw(con, "app__users", [
        {"app_user_id": "U1", "email": "stig.ek@example.se", "given_name": "Patrick",
         "created_at": "2024-05-01 10:00:00+00"},
    ])
    insert_raw(con, "web__events", [
        {"event_id": "W1", "cookie_id": "K1", "event_type": "page_view",
         "occurred_at": "2024-05-01 10:00:00+00"},
        {"event_id": "W2", "cookie_id": "K1", "event_type": "login", "account_id": "A1",
         "occurred_at": "2024-05-01 10:05:00+00"},
        {"event_id": "W3", "cookie_id": "K2", "event_type": "page_view",
         "occurred_at": "2024-05-02 10:00:00+00"},
        {"event_id": "W4", "cookie_id": "K3", "event_type": "login", "account_id": "A404",
         "occurred_at": "2024-05-03 10:00:00+00"},
    ])
    insert_raw(con, "callcenter__contacts", [
        {"contact_id": "T1", "phone": "0701234567", "caller_name": "Ek, Patrick",
         "direction": "inbound", "reason": "complaint", "started_at": "2024-05-01 10:00:00+00"},
        {"contact_id": "T2", "phone": None, "caller_name": "karl af klint",
         "direction": "inbound", "reason": "question", "started_at": "2024-05-02 10:00:00+00"},
        {"contact_id": "T3", "phone": "abc", "caller_name": "Johan",
         "direction": "outbound", "reason": "telemarketing",
         "started_at": "2024-05-03 10:00:00+00"},
        # Finnish mobile (C4's) in national form: staging reads it as Swedish (a valid SE
        # landline); the identity record takes the number the CRM knows with its country
        {"contact_id": "T4", "phone": "040-123 45 67", "direction": "inbound",
         "reason": "question", "started_at": "2024-05-04 10:00:00+00"},
    ])
    insert_raw(con, "postal__recipients", [
        {"recipient_id": "P1", "full_name": "STIG PATRICK EK", "street": "Nygatan 5",
         "postal_code": "41301", "city": "Göteborg", "country": "se",
         "updated_at": "2024-07-01 10:00:00+00"},
    ])
    insert_raw(con, "survey__responses", [
        {"response_id": "R1", "survey_id": "NPS", "respondent_email": " Stig.Ek@example.se",
         "respondent_name": "Patrick Ek", "nps_score": 9,
         "answered_at": "2024-08-01 10:00:00+00"},
    ])
    insert_raw(con, "consent__events", [
        {"consent_event_id": "CE1", "subject_type": "email", "subject_value": " Stig.Ek@X.se ",
         "channel": "email", "action": "opt_in", "recorded_at": "2024-01-01 10:00:00+00"},
        {"consent_event_id": "CE2", "subject_type": "phone", "subject_value": "070-123 45 67",
         "channel": "sms", "action": "opt_in", "recorded_at": "2024-01-01 10:00:00+00"},
        {"consent_event_id": "CE3", "subject_type": "customer_number", "subject_value": "C1",
         "channel": "postal", "action": "opt_out", "recorded_at": "2024-01-01 10:00:00+00"},
    ])


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    tmp = tmp_path_factory.mktemp("staging")
    database = tmp / "warehouse.duckdb"
    con = duckdb.connect(str(database))
    create_raw_tables(con)
    load_raw(con)
    con.close()
    # staging's own data tests (keys unique/not null) are run by the pipeline's dbt build on
    # generated data; here the exact-output assertions below check the models
    result = run_dbt_build(database, SELECT, tmp, ("path:models/staging,resource_type:test",))
    assert result.returncode == 0, result.stdout[-4000:]
    con = duckdb.connect(str(database), read_only=True)
    from orchestration.dbt_plugins.phone_udfs import register_udfs

    register_udfs(con)  # staging views with phones call the UDF when read
    yield con
    con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_emails_trimmed_lowercased_and_flagged(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = rows(warehouse, """
        select customer_number, email, is_email_valid from staging.stg_crm__customers
        where is_current_version order by customer_number""")
    assert got == [
        ("C1", "stig.ek@example.se", True),
        ("C2", "asa@example", False),  # kept, flagged: no top-level domain
        ("C3", None, False),
        ("C4", None, False),
        ("C5", None, False),
    ]
    accounts = rows(warehouse, "select account_id, email, is_email_valid "
                    "from staging.stg_webshop__accounts order by 1")
    assert accounts == [("A1", "stig.ek@example.se", True), ("A2", "not an email", False)]


def test_phones_to_e164_per_country(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = rows(warehouse, """
        select customer_number, phone, phone_e164, is_phone_valid from staging.stg_crm__customers
        where is_current_version order by customer_number""")
    assert got == [
        ("C1", "+46 70 123 45 67", "+46701234567", True),
        ("C2", "412 34 567", "+4741234567", True),  # NO national form, country "NORGE"
        ("C3", "20 12 34 56", "+4520123456", True),  # DK
        ("C4", "040 123 4567", "+358401234567", True),  # FI national form, country "Suomi"
        ("C5", "123", None, False),
    ]
    sms = rows(warehouse, "select msisdn, phone_e164, is_phone_valid "
               "from staging.stg_sms__events order by event_id")
    assert sms == [
        ("+46701234567", "+46701234567", True),
        ("0046 70 123 45 67", "+46701234567", True),
        ("12", None, False),
    ]
    calls = rows(warehouse, "select contact_id, phone_e164, is_phone_valid "
                 "from staging.stg_callcenter__contacts order by 1")
    assert calls == [
        ("T1", "+46701234567", True),
        ("T2", None, False),
        ("T3", None, False),
        ("T4", "+46401234567", True),
    ]


def test_postal_codes_and_countries(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = rows(warehouse, """
        select customer_number, country, postal_code, is_postal_code_valid
        from staging.stg_crm__customers order by customer_number, updated_at""")
    assert got == [
        ("C1", "SE", "114 55", True),
        ("C1", "SE", "413 01", True),  # "SE-413 01": prefix dropped
        ("C2", "NO", "0150", True),
        ("C3", "DK", "2100", True),  # "DK-2100"
        ("C4", "FI", "00100", True),  # "FI-00100"
        ("C5", "SE", "1234", False),  # kept as typed, flagged
    ]
    postal = rows(warehouse, "select country, postal_code from staging.stg_postal__recipients")
    assert postal == [("SE", "413 01")]


def test_names_nfc_trimmed(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = dict(rows(warehouse, "select customer_number, given_names "
                    "from staging.stg_crm__customers where is_current_version"))
    assert got["C1"] == "Stig Patrick"  # " Stig  Patrick " trimmed, inner spaces collapsed
    assert got["C2"] == "Åsa" and got["C2"] == unicodedata.normalize("NFC", got["C2"])
    assert len(got["C2"]) == 3


def test_enumerations_lowercased(warehouse: duckdb.DuckDBPyConnection) -> None:
    assert rows(warehouse, "select distinct event_type from staging.stg_sms__events "
                "where event_id = 'M1'") == [("sent",)]


def test_duplicate_events_dropped_first_load_kept(warehouse: duckdb.DuckDBPyConnection) -> None:
    raw = rows(warehouse, "select count(*) from raw.sms__events")[0][0]
    got = rows(warehouse, "select event_id, _source_file from staging.stg_sms__events "
               "order by event_id")
    assert raw == 4
    assert got == [
        ("M1", "sms/events/2024-04-04.csv"),
        ("M2", "sms/events/2024-04-04.csv"),
        ("M3", "sms/events/2024-04-04.csv"),
    ]


def test_versions_kept_and_current_flagged(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = rows(warehouse, """
        select customer_number, cast(updated_at as date), is_current_version, _source_file
        from staging.stg_crm__customers where customer_number = 'C1' order by updated_at""")
    # three raw rows: version 1, its exact re-delivery, version 2 -> two versions
    assert [(r[1].isoformat(), r[2], r[3]) for r in got] == [
        ("2024-01-01", False, "crm/customers/2024-01-02.csv"),
        ("2024-06-01", True, "crm/customers/2024-06-02.csv"),
    ]


def test_consent_subjects_normalised(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = rows(warehouse, "select consent_event_id, subject_value_normalised "
               "from staging.stg_consent__events order by 1")
    assert got == [("CE1", "stig.ek@x.se"), ("CE2", "+46701234567"), ("CE3", "C1")]


def test_identity_records_complete(warehouse: duckdb.DuckDBPyConnection) -> None:
    """One record per distinct id of every identity source; ids exactly as raw."""
    expected: set[tuple[str, str]] = set()
    for source in IDENTITY_SOURCES:
        table = f"raw.{source.source}__{source.entity}"
        for (value,) in rows(warehouse, f"select distinct {source.id_column} from {table}"):
            expected.add((source.source, value))
    got = rows(warehouse, "select source_system, source_record_id "
               "from intermediate.int_identity_records")
    assert len(got) == len(set(got))
    assert set(got) == expected
    assert ("sms", "0046 70 123 45 67") in expected  # msisdn kept as written
    assert ("web", "K2") in expected  # no identifier at all, still a record


def test_identity_records_values(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = {
        (r[0], r[1]): r[2:]
        for r in rows(warehouse, """
            select source_system, source_record_id, email, phone_e164, given_names, surname,
                   preferred_given_name, postal_code, city, country, cast(observed_at as date)
            from intermediate.int_identity_records""")
    }
    assert got[("crm", "C1")][:8] == (
        "stig.ek@example.se", "+46701234567", "Stig Patrick", "Ek", None, "413 01", "Göteborg",
        "SE",
    )
    assert got[("crm", "C2")][:2] == (None, None)  # a test customer carries no match keys
    assert rows(warehouse, """
        select email, phone_e164 from intermediate.int_identity_records_unioned
        where source_system = 'crm' and source_record_id = 'C2'""") == [
        (None, "+4741234567")]  # invalid e-mail -> null
    assert got[("crm", "C5")][1] is None  # invalid phone -> null
    assert got[("webshop", "A2")][0] is None
    assert got[("esp", "S1")][2] == "Patrick"  # one-case name proper-cased
    assert got[("sms", "12")][1] is None
    assert got[("sms", "+46701234567")][8].isoformat() == "2024-04-01"
    assert got[("web", "K1")][:4] == (None, None, None, None)
    assert got[("callcenter", "T1")][1] == "+46701234567"
    assert got[("callcenter", "T4")][1] == "+358401234567"  # resolved via the CRM's number
    assert got[("postal", "P1")][2:4] == ("Stig Patrick", "Ek")
    assert got[("survey", "R1")][:1] == ("stig.ek@example.se",)


def test_full_names_split(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = {
        r[0]: r[1:]
        for r in rows(warehouse, """
            select source_record_id, given_names, surname from intermediate.int_identity_records
            where source_system in ('callcenter', 'survey')""")
    }
    assert got == {
        "T1": ("Patrick", "Ek"),  # "Ek, Patrick"
        "T2": ("Karl", "Af Klint"),  # one-case input proper-cased; particle kept with surname
        "T3": ("Johan", None),  # one word: a given name
        "T4": (None, None),
        "R1": ("Patrick", "Ek"),
    }


def test_identity_links(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = rows(warehouse, "select * from intermediate.int_identity_links order by link_rule")
    assert got == [
        ("web", "K1", "webshop", "A1", "web_login"),
        ("webshop", "A1", "crm", "C1", "webshop_customer_number"),
    ]  # A2 -> C999 and K3 -> A404 name no record: no link


def test_record_consents(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = rows(warehouse, """
        select source_system, source_record_id, channel, action
        from intermediate.int_identity_record_consents order by 1, 2, 3""")
    assert got == [
        ("callcenter", "T1", "sms", "opt_in"),
        ("crm", "C1", "postal", "opt_out"),
        ("crm", "C1", "sms", "opt_in"),
        ("sms", "+46701234567", "sms", "opt_in"),
        ("sms", "0046 70 123 45 67", "sms", "opt_in"),
    ]  # CE1's e-mail (stig.ek@x.se) belongs to no record
