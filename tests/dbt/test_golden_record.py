"""marts.dim_customer end to end: raw rows → staging → identity records → golden record.

The identity map (normally written by the identity-resolution asset) is hand-made, so the
survivorship, greeting-name, consent (subject resolution, fail closed) and erasure rules are
checked on exact outputs; so are the identity inputs' link rules (earlier e-mail, click-through)
and the withheld match keys of CRM test customers. One ``dbt build`` per module (it also runs
dim_customer's unit tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.sources.raw_schema import create_raw_tables
from tests.dbt.test_staging import insert_raw, run_dbt_build

SELECT = ["+dim_customer", "+int_identity_links", "int_identity_records"]
# upstream data tests run in test_staging.py; here only dim_customer's tests and unit tests
EXCLUDE = ("path:models/staging,resource_type:test", "path:models/intermediate,resource_type:test")
T0 = "2024-01-01 10:00:00+00"

IDENTITY_MAP = [
    # (source_system, source_record_id, customer_key, is_identity_weak)
    ("crm", "C1", "KA", False),
    ("webshop", "A1", "KA", False),
    ("postal", "P1", "KA", False),
    ("sms", "0701234567", "KA", False),
    ("app", "U1", "KA", False),
    ("crm", "C2", "KB", False),
    ("esp", "S2", "KB", False),
    ("web", "CK9", "KC", True),
    ("crm", "C5", "KD", False),
    ("esp", "S5", "KD", False),
    ("crm", "C6", "KE", False),
    ("webshop", "A6", "KE", False),
]


def load(con: duckdb.DuckDBPyConnection) -> None:
    insert_raw(con, "crm__customers", [
        {"customer_number": "C1", "given_names": "Stig Patrick", "surname": "Ek",
         "birth_date": "1980-05-06", "email": "old@example.se", "phone": "070-123 45 67",
         "street": "Gamla vägen 1", "postal_code": "11111", "city": "Stockholm",
         "country": "SE", "customer_type": "private", "created_at": "2020-01-01 10:00:00+00",
         "updated_at": "2023-01-01 10:00:00+00"},
        {"customer_number": "C2", "given_names": "Anna Maria", "preferred_name": "Maria",
         "surname": "Berg", "email": "maria@example.se", "customer_type": "test",
         "created_at": T0, "updated_at": T0},
    ])
    insert_raw(con, "webshop__accounts", [
        {"account_id": "A1", "customer_number": "C1", "email": "New@Example.se",
         "email_verified": True, "first_name": "Patrick", "last_name": "Ek",
         "postal_code": "22222", "country": "SE",  # newer but incomplete address
         "created_at": "2021-01-01 10:00:00+00", "updated_at": "2025-06-01 10:00:00+00"},
    ])
    insert_raw(con, "postal__recipients", [
        {"recipient_id": "P1", "full_name": "STIG EK", "street": "Nya gatan 2",
         "postal_code": "333 33", "city": "Uppsala", "country": "Sverige",
         "updated_at": "2025-03-01 10:00:00+00"},
    ])
    insert_raw(con, "esp__subscribers", [
        {"subscriber_id": "S2", "email": "maria@example.se", "first_name": "Maria",
         "subscribed_at": T0},
    ])
    insert_raw(con, "app__users", [
        {"app_user_id": "U1", "given_name": "Patrick", "push_enabled": True, "created_at": T0},
    ])
    insert_raw(con, "sms__events", [
        {"event_id": "M1", "msisdn": "0701234567", "event_type": "sent",
         "occurred_at": "2024-02-01 10:00:00+00"},
        {"event_id": "M2", "msisdn": "0701234567", "event_type": "opted_out",
         "occurred_at": "2024-03-01 10:00:00+00"},
    ])
    insert_raw(con, "web__events", [
        {"event_id": "W1", "cookie_id": "CK9", "event_type": "page_view",
         "occurred_at": "2024-04-01 10:00:00+00"},
    ])
    consent: list[dict[str, Any]] = [
        # KA: e-mail opt-in via the verified web-shop address (subject in other case)
        ("E1", "email", "NEW@example.se", "email", "opt_in", "2024-01-01"),
        # KA: SMS opt-in via phone in national form, later an opt-out on the SMS platform
        ("E2", "phone", "+46 70 123 45 67", "sms", "opt_in", "2024-01-01"),
        # KA: postal opt-in via customer number
        ("E3", "customer_number", "C1", "postal", "opt_in", "2024-01-01"),
        # KA: push opt-in and opt-out at the same instant -> opt-out (fail closed)
        ("E4", "app_user_id", "U1", "push", "opt_in", "2024-01-01"),
        ("E5", "app_user_id", "U1", "push", "opt_out", "2024-01-01"),
        # KB: opt-in, but the customer is erased
        ("E6", "email", "maria@example.se", "email", "opt_in", "2024-01-01"),
        # nobody's address
        ("E7", "email", "stranger@example.se", "phone", "opt_in", "2024-01-01"),
    ]
    insert_raw(con, "consent__events", [
        {"consent_event_id": e, "subject_type": t, "subject_value": v, "channel": c,
         "action": a, "recorded_at": f"{d} 10:00:00+00"}
        for e, t, v, c, a, d in consent
    ])
    insert_raw(con, "consent__erasure_requests", [
        {"request_id": "R1", "email": " Maria@Example.se", "requested_at": T0},
    ])
    load_link_cases(con)
    con.execute("create schema if not exists marts")
    con.execute("""
        create table marts.customer_identity_map (
            source_system varchar, source_record_id varchar, customer_key varchar,
            match_rule varchar, match_probability double, is_identity_weak boolean,
            cluster_size integer
        )""")
    for system, record_id, key, weak in IDENTITY_MAP:
        con.execute(
            "insert into marts.customer_identity_map values (?, ?, ?, 'email', 1.0, ?, 1)",
            [system, record_id, key, weak],
        )


def load_link_cases(con: duckdb.DuckDBPyConnection) -> None:
    """Records outside the identity map: link rules, test customers, greeting spellings."""
    later = "2025-01-02"
    insert_raw(con, "crm__customers", [
        # C3 changed e-mail; the ESP still has a subscriber of the old address (S3)
        {"customer_number": "C3", "given_names": "Karin", "surname": "Lund",
         "email": "karin.old@example.se", "customer_type": "private",
         "created_at": T0, "updated_at": T0},
        # a test customer: shares a dummy phone and address with others
        {"customer_number": "C4", "given_names": "Test", "surname": "Testsson",
         "email": "test4@kundresa-test.se", "phone": "+46700000000", "street": "Testgatan 1",
         "postal_code": "11111", "city": "Stockholm", "country": "SE", "birth_date": "2000-01-01",
         "customer_type": "test", "created_at": T0, "updated_at": T0},
        # two given names typed together; the person signs up as Signe
        {"customer_number": "C5", "given_names": "AstridSigne", "surname": "Bækgaard",
         "customer_type": "private", "created_at": T0, "updated_at": T0},
        # typed without the ø; the person writes Jørgen
        {"customer_number": "C6", "given_names": "Jorgen Sindre", "surname": "Dahl",
         "customer_type": "private", "created_at": T0, "updated_at": T0},
    ])
    insert_raw(con, "crm__customers", [
        {"customer_number": "C3", "given_names": "Karin", "surname": "Lund",
         "email": "karin.new@example.se", "customer_type": "private",
         "created_at": T0, "updated_at": "2024-06-01 10:00:00+00"},
    ], batch=later)
    insert_raw(con, "esp__subscribers", [
        {"subscriber_id": "S3", "email": "karin.old@example.se", "first_name": "Karin",
         "subscribed_at": T0},
        {"subscriber_id": "S4", "email": "olle@example.se", "first_name": "Olle",
         "subscribed_at": T0},
        {"subscriber_id": "S5", "email": "signe@example.dk", "first_name": "Signe",
         "subscribed_at": T0},
    ], batch=later)
    insert_raw(con, "webshop__accounts", [
        {"account_id": "A6", "email": "jd@example.no", "first_name": "Jørgen",
         "last_name": "Dahl", "created_at": T0, "updated_at": T0},
    ], batch=later)
    clicks = [  # (event, subscriber, campaign, at)
        ("EE1", "S3", "CAMP1", "2024-05-01 10:00:00+00"),
        ("EE2", "S3", "CAMP2", "2024-05-02 11:00:00+00"),  # two clicks on CAMP2 within
        ("EE3", "S4", "CAMP2", "2024-05-02 11:00:30+00"),  # minutes: the landing is ambiguous
        ("EE4", "S4", "CAMP3", "2024-05-03 09:00:00+00"),
    ]
    insert_raw(con, "esp__email_events", [
        {"event_id": e, "subscriber_id": s, "email": "x@example.se", "event_type": "clicked",
         "campaign_id": c, "occurred_at": t} for e, s, c, t in clicks
    ], batch=later)
    landings = [  # (event, cookie, campaign, at)
        ("WL1", "CK5", "CAMP1", "2024-05-01 10:02:00+00"),  # 2 min after S3's click: linked
        ("WL2", "CK6", "CAMP2", "2024-05-02 11:01:00+00"),  # after two clicks: no link
        ("WL3", "CK7", "CAMP3", "2024-05-03 09:20:00+00"),  # 20 min later: no link
    ]
    insert_raw(con, "web__events", [
        {"event_id": e, "cookie_id": k, "event_type": "page_view", "utm_source": "newsletter",
         "utm_medium": "email", "utm_campaign": c, "occurred_at": t} for e, k, c, t in landings
    ], batch=later)


@pytest.fixture(scope="module")
def warehouse_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("golden") / "warehouse.duckdb"


@pytest.fixture(scope="module")
def customers(warehouse_path: Path) -> Iterator[dict[str, dict[str, Any]]]:
    tmp = warehouse_path.parent
    database = warehouse_path
    con = duckdb.connect(str(database))
    create_raw_tables(con)
    load(con)
    con.close()
    result = run_dbt_build(database, SELECT, tmp, EXCLUDE)
    assert result.returncode == 0, result.stdout[-4000:]
    con = duckdb.connect(str(database), read_only=True)
    cursor = con.execute("select * from marts.dim_customer")
    columns = [description[0] for description in cursor.description]
    records = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    con.close()
    yield {record["customer_key"]: record for record in records}


def test_one_row_per_customer_key(customers: dict[str, dict[str, Any]]) -> None:
    assert sorted(customers) == ["KA", "KB", "KC", "KD", "KE"]
    assert {k: c["source_record_count"] for k, c in customers.items()} == {
        "KA": 5, "KB": 2, "KC": 1, "KD": 2, "KE": 2,
    }  # fmt: skip


def test_survivorship_and_lineage(customers: dict[str, dict[str, Any]]) -> None:
    ka = customers["KA"]
    assert (ka["customer_number"], ka["given_names"], ka["surname"]) == ("C1", "Stig Patrick", "Ek")
    assert str(ka["birth_date"])[:10] == "1980-05-06"
    # verified web-shop e-mail beats the more trusted, unverified CRM one
    assert (ka["email"], ka["email_source"], ka["is_email_verified"]) == (
        "new@example.se", "webshop:A1", True,
    )  # fmt: skip
    assert (ka["phone_e164"], ka["phone_source"]) == ("+46701234567", "crm:C1")
    # most recent complete address (the web shop's newer one has no street)
    assert (ka["street"], ka["postal_code"], ka["city"], ka["country"], ka["address_source"]) == (
        "Nya gatan 2", "333 33", "Uppsala", "SE", "postal:P1",
    )  # fmt: skip
    assert str(ka["first_seen_at"])[:10] == "2020-01-01"
    assert str(ka["last_seen_at"])[:10] == "2025-06-01"


def test_greeting_name(customers: dict[str, dict[str, Any]]) -> None:
    ka = customers["KA"]
    # no tilltalsnamn recorded: Patrick (web shop + app, self-reported) beats Stig (postal)
    assert (ka["greeting_name"], ka["greeting_name_rule"]) == ("Patrick", "self_reported")
    assert ka["greeting_name_source"] in {"webshop:A1", "app:U1"}


def test_greeting_name_from_names_typed_together_or_without_diacritics(
    customers: dict[str, dict[str, Any]],
) -> None:
    # "AstridSigne" in the CRM is two names; the ESP sign-up says Signe
    assert (customers["KD"]["greeting_name"], customers["KD"]["greeting_name_rule"]) == (
        "Signe", "self_reported",
    )  # fmt: skip
    # the CRM's "Jorgen" is the web shop's "Jørgen": the spelling with the ø wins
    assert (customers["KE"]["greeting_name"], customers["KE"]["greeting_name_rule"]) == (
        "Jørgen", "self_reported",
    )  # fmt: skip


def test_consent_resolved_through_subjects_fail_closed(
    customers: dict[str, dict[str, Any]],
) -> None:
    consent = {
        k: tuple(c[f"has_{ch}_consent"] for ch in ("email", "sms", "postal", "phone", "push"))
        for k, c in customers.items()
    }
    assert consent == {
        "KA": (True, False, True, False, False),
        "KB": (False, False, False, False, False),  # erased
        "KC": (False, False, False, False, False),  # no events at all
        "KD": (False, False, False, False, False),
        "KE": (False, False, False, False, False),
    }


def test_erased_customer_keeps_no_personal_data(customers: dict[str, dict[str, Any]]) -> None:
    kb = customers["KB"]
    assert kb["is_erased"] and kb["is_test_record"]
    assert kb["customer_number"] == "C2"
    personal = ("given_names", "preferred_given_name", "greeting_name", "surname", "email",
                "phone_e164", "street", "postal_code", "city")  # fmt: skip
    assert all(kb[column] is None for column in personal)
    assert not customers["KA"]["is_erased"] and not customers["KA"]["is_test_record"]


def test_weak_identity_kept(customers: dict[str, dict[str, Any]]) -> None:
    kc = customers["KC"]
    assert kc["is_identity_weak"] and not customers["KA"]["is_identity_weak"]
    assert kc["greeting_name"] is None and kc["email"] is None
    assert str(kc["first_seen_at"])[:10] == "2024-04-01"


def test_link_rules(customers: dict[str, dict[str, Any]], warehouse_path: Path) -> None:
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        links = con.execute(
            "select * from intermediate.int_identity_links "
            "where link_rule in ('earlier_email', 'click_through') order by all"
        ).fetchall()
    finally:
        con.close()
    assert links == [
        ("crm", "C3", "esp", "S3", "earlier_email"),  # C3's old address is S3's
        ("web", "CK5", "esp", "S3", "click_through"),  # only the unambiguous, timely landing
    ]


def test_test_customers_carry_no_match_keys(
    customers: dict[str, dict[str, Any]], warehouse_path: Path,
) -> None:
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        (record,) = con.execute(
            "select email, phone_e164, birth_date, street, postal_code, city, given_names "
            "from intermediate.int_identity_records where source_record_id = 'C4'"
        ).fetchall()
    finally:
        con.close()
    assert record == (None, None, None, None, None, None, "Test")
