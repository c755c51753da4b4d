"""A hand-made customer scenario for the customer-360 and journey marts, and the dbt build on it.

Three customers with known answers (all dates 2024–2025, as-of date 2025-06-30):

- ``K-C1`` (CRM K1, web-shop A1, e-mail S1, SMS, app U1, call center, survey, postal, cookie CK1):
  orders 2024-01-10 (SEK 1000), 2024-03-01 (EUR 100), 2024-05-01 (cancelled in a second
  version), 2025-06-20 (SEK 1200, open); a 200 SEK refund; complaints; NPS 9 then 3; web
  sessions stitched retroactively by a login on 2025-06-10. Journey: aware → engaged →
  onboarding → developing → at_risk → lapsed → won_back.
- ``K-C2`` (web-shop A2, e-mail S2): four monthly orders from 2025-03-01, one in NOK; loyal.
- ``K-C3`` (CRM K3, e-mail S3, web-shop A3, cookie CK3): a prospect, aware → engaged → considering.
- cookie CK9 never logs in (anonymous) until batch 2, which logs it into A2 (retroactive).

Before batch 2 identity resolution re-keys K-C2 to K-C5 (:func:`rekey_identities`): rows the
incremental run does not re-read must follow the new map.

Batch 1 is loaded 2025-06-30, batch 2 (late and duplicated events, a new order version, a
login) 2025-07-01. Tests build once per module with :func:`build`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

from orchestration.dbt_plugins.phone_udfs import register_udfs
from orchestration.sources.catalog import get_entity
from orchestration.sources.raw_schema import create_raw_tables, raw_columns

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO_ROOT / "dbt_project"
AS_OF = "2025-06-30"

MARTS = [
    "customer_360",
    "journey_kpis",
    "fct_stage_transitions",
    "fct_order_lines",
    "fct_consent_events",
    "dim_campaign",
    "dim_product",
    "dim_channel",
    "dim_date",
    "dim_customer_history",
]
# other parts' upstream models are built, but their tests do not gate this build
UPSTREAM_TESTS = [
    f"{folder},resource_type:{kind}"
    for folder in ("path:models/staging", "path:models/intermediate/identity",
                   "path:models/marts/identity")
    for kind in ("test", "unit_test")
]  # fmt: skip

IDENTITY_MAP: dict[str, list[tuple[str, str]]] = {
    "K-C1": [
        ("crm", "K1"),
        ("webshop", "A1"),
        ("esp", "S1"),
        ("sms", "0701234567"),
        ("app", "U1"),
        ("callcenter", "CC1"),
        ("callcenter", "CC2"),
        ("callcenter", "CC3"),
        ("callcenter", "CC4"),
        ("survey", "R1"),
        ("survey", "R2"),
        ("postal", "P1"),
        ("web", "CK1"),
    ],
    "K-C2": [("webshop", "A2"), ("esp", "S2")],
    "K-C3": [("crm", "K3"), ("esp", "S3"), ("webshop", "A3"), ("web", "CK3")],
    "K-C9": [("web", "CK9")],
}


def _ts(value: str) -> str:
    return f"{value}+00"


def insert_raw(
    con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]], batch: str
) -> None:
    """Insert rows into raw.<table>; missing columns null, lineage from the batch date."""
    entity = get_entity(table)
    names = [name for name, _ in raw_columns(entity)]
    start = con.execute(f"select count(*) from raw.{table}").fetchall()[0][0]
    for number, row in enumerate(rows, start=start + 1):
        values = {
            "_source_file": f"{entity.source}/{entity.name}/{batch}.{entity.extension}",
            "_row_number": number,
            "_loaded_at": _ts(f"{batch} 01:00:00"),
            **row,
        }
        unknown = set(values) - set(names)
        if unknown:
            raise KeyError(f"raw.{table} has no columns {sorted(unknown)}")
        placeholders = ", ".join("?" for _ in names)
        con.execute(
            f"insert into raw.{table} values ({placeholders})", [values.get(n) for n in names]
        )


def create_python_outputs(con: duckdb.DuckDBPyConnection) -> None:
    """The tables Python assets write: identity map and CLV scores (hand-made)."""
    con.execute("create schema if not exists marts")
    con.execute(
        "create table marts.customer_identity_map (source_system varchar, source_record_id "
        "varchar, customer_key varchar, match_rule varchar, match_probability double, "
        "is_identity_weak boolean, cluster_size integer)"
    )
    for key, records in IDENTITY_MAP.items():
        for system, record_id in records:
            con.execute(
                "insert into marts.customer_identity_map values (?, ?, ?, 'test', 1.0, ?, ?)",
                [system, record_id, key, key == "K-C9", len(records)],
            )
    con.execute(
        "create table marts.customer_key_history (old_customer_key varchar, new_customer_key "
        "varchar, reason varchar, run_id varchar, changed_at timestamptz)"
    )
    con.execute(
        "create table marts.customer_clv (customer_key varchar, frequency integer, "
        "recency_days integer, tenure_days integer, monetary_value_sek double, "
        "probability_alive double, predicted_purchases_365d double, "
        "predicted_order_value_sek double, predicted_clv_365d_sek double, "
        "churn_probability double, observation_end_at timestamptz, fitted_at timestamptz)"
    )
    con.execute(
        "insert into marts.customer_clv values "
        "('K-C1', 2, 527, 537, 1177.5, 0.4, 0.8, 1100.0, 880.0, 0.6, "
        "'2025-06-30 00:00:00+00', '2025-06-30 02:00:00+00'), "
        "('K-C2', 3, 92, 121, 298.0, 0.95, 6.5, 298.0, 1937.0, 0.05, "
        "'2025-06-30 00:00:00+00', '2025-06-30 02:00:00+00')"
    )


def load_batch_1(con: duckdb.DuckDBPyConnection) -> None:
    batch = "2025-06-30"
    insert_raw(con, "crm__customers", [
        {"customer_number": "K1", "given_names": "Stig Patrick", "preferred_name": "Patrick",
         "surname": "Ek", "email": "patrick.ek@example.se", "phone": "070-123 45 67",
         "street": "Storgatan 1", "postal_code": "11455", "city": "Stockholm", "country": "SE",
         "customer_type": "private", "created_at": _ts("2024-01-01 09:00:00"),
         "updated_at": _ts("2024-01-01 09:00:00")},
        {"customer_number": "K3", "given_names": "Maja", "surname": "Lind",
         "email": "maja.lind@example.se", "country": "SE", "customer_type": "private",
         "created_at": _ts("2025-01-15 09:00:00"), "updated_at": _ts("2025-01-15 09:00:00")},
    ], batch)  # fmt: skip
    insert_raw(con, "crm__campaigns", [
        {"campaign_id": "CMP1", "campaign_name": "Spring mail", "channel": "email",
         "objective": "retention", "start_date": "2024-01-01",
         "created_at": _ts("2023-12-20 09:00:00")},
        {"campaign_id": "CMP2", "campaign_name": "Search", "channel": "paid_search",
         "objective": "acquisition", "start_date": "2025-01-01",
         "created_at": _ts("2024-12-20 09:00:00")},
    ], batch)  # fmt: skip
    insert_raw(con, "ads__daily_spend", [
        {"report_date": "2025-06-01", "platform": "search_ads", "campaign_id": "CMP2",
         "channel": "paid_search", "impressions": 1000, "clicks": 50, "spend": 100,
         "currency": "EUR"},
    ], batch)  # fmt: skip
    insert_raw(con, "webshop__accounts", [
        {"account_id": "A1", "customer_number": "K1", "email": "patrick.ek@example.se",
         "email_verified": True, "first_name": "Patrick", "last_name": "Ek",
         "created_at": _ts("2024-01-01 09:00:00"), "updated_at": _ts("2024-01-01 09:00:00")},
        {"account_id": "A2", "email": "eva@example.se", "first_name": "Eva",
         "last_name": "Berg", "created_at": _ts("2025-02-20 09:00:00"),
         "updated_at": _ts("2025-02-20 09:00:00")},
        {"account_id": "A3", "email": "maja.lind@example.se", "first_name": "Maja",
         "last_name": "Lind", "created_at": _ts("2025-03-10 10:04:00"),
         "updated_at": _ts("2025-03-10 10:04:00")},
    ], batch)  # fmt: skip
    insert_raw(con, "webshop__products", [
        {"product_id": "P-1", "product_name": "Kaffe", "category": "food",
         "list_price_sek": 100},
    ], batch)  # fmt: skip
    insert_raw(con, "webshop__orders", [
        _order("O1", "A1", "delivered", "SEK", 1000, "2024-01-10 12:00:00"),
        _order("O2", "A1", "delivered", "EUR", 100, "2024-03-01 12:00:00"),
        _order("O3", "A1", "placed", "SEK", 500, "2024-05-01 12:00:00"),
        _order("O3", "A1", "cancelled", "SEK", 500, "2024-05-01 12:00:00",
               updated="2024-05-02 08:00:00"),
        _order("O4", "A1", "placed", "SEK", 1200, "2025-06-20 12:00:00"),
        _order("O5", "A2", "delivered", "SEK", 300, "2025-03-01 12:00:00"),
        _order("O6", "A2", "delivered", "SEK", 300, "2025-04-01 12:00:00"),
        _order("O7", "A2", "delivered", "SEK", 300, "2025-05-01 12:00:00"),
        _order("O8", "A2", "shipped", "NOK", 300, "2025-06-01 12:00:00"),
    ], batch)  # fmt: skip
    insert_raw(con, "webshop__order_lines", [
        {"order_line_id": "O1-1", "order_id": "O1", "product_id": "P-1", "quantity": 2,
         "unit_price": 300, "ordered_at": _ts("2024-01-10 12:00:00")},
        {"order_line_id": "O1-2", "order_id": "O1", "product_id": "P-1", "quantity": 4,
         "unit_price": 100, "ordered_at": _ts("2024-01-10 12:00:00")},
        {"order_line_id": "O2-1", "order_id": "O2", "product_id": "P-1", "quantity": 1,
         "unit_price": 100, "ordered_at": _ts("2024-03-01 12:00:00")},
        {"order_line_id": "O4-1", "order_id": "O4", "product_id": "P-1", "quantity": 12,
         "unit_price": 100, "ordered_at": _ts("2025-06-20 12:00:00")},
    ], batch)  # fmt: skip
    insert_raw(con, "webshop__returns", [
        {"return_id": "RT1", "order_id": "O1", "order_line_id": "O1-2", "quantity": 2,
         "refund_amount": 200, "reason": "damaged", "returned_at": _ts("2024-01-20 10:00:00")},
    ], batch)  # fmt: skip
    insert_raw(con, "esp__subscribers", [
        {"subscriber_id": "S1", "email": "patrick.ek@example.se",
         "subscribed_at": _ts("2024-01-01 09:00:00")},
        {"subscriber_id": "S2", "email": "eva@example.se",
         "subscribed_at": _ts("2025-02-20 09:00:00")},
        {"subscriber_id": "S3", "email": "maja.lind@example.se",
         "subscribed_at": _ts("2025-01-15 09:00:00")},
    ], batch)  # fmt: skip
    insert_raw(con, "esp__email_events", [
        _email("E1", "S1", "sent", "2024-01-05 08:00:00", "CMP1"),
        _email("E2", "S1", "opened", "2024-01-06 08:00:00", "CMP1"),
        _email("E3", "S2", "sent", "2025-06-10 08:00:00", "CMP1"),
        _email("E4", "S3", "sent", "2025-01-31 08:00:00", "CMP1"),
        _email("E5", "S3", "opened", "2025-02-01 08:00:00", "CMP1"),
    ], batch)  # fmt: skip
    insert_raw(con, "sms__events", [
        {"event_id": "SM1", "msisdn": "0701234567", "event_type": "sent",
         "campaign_id": "CMP3", "occurred_at": _ts("2025-05-01 10:00:00")},
    ], batch)  # fmt: skip
    insert_raw(con, "app__users", [
        {"app_user_id": "U1", "email": "patrick.ek@example.se", "given_name": "Patrick",
         "push_enabled": True, "created_at": _ts("2024-02-01 09:00:00")},
    ], batch)  # fmt: skip
    insert_raw(con, "app__events", [
        {"event_id": "AE1", "app_user_id": "U1", "event_type": "push_received",
         "campaign_id": "CMP4", "occurred_at": _ts("2025-06-01 10:00:00")},
        {"event_id": "AE2", "app_user_id": "U1", "event_type": "push_opened",
         "campaign_id": "CMP4", "occurred_at": _ts("2025-06-01 10:05:00")},
    ], batch)  # fmt: skip
    insert_raw(con, "callcenter__contacts", [
        _call("CC1", "inbound", "complaint", "2025-05-01 10:00:00"),
        _call("CC2", "inbound", "complaint", "2025-06-15 10:00:00"),
        _call("CC3", "inbound", "complaint", "2025-03-01 10:00:00"),
        _call("CC4", "inbound", "question", "2025-06-16 10:00:00"),
    ], batch)  # fmt: skip
    insert_raw(con, "postal__recipients", [
        {"recipient_id": "P1", "full_name": "Patrick Ek", "street": "Storgatan 1",
         "postal_code": "11455", "city": "Stockholm", "country": "SE",
         "updated_at": _ts("2024-06-01 09:00:00")},
    ], batch)  # fmt: skip
    insert_raw(con, "postal__mailings", [
        {"mailing_id": "M1", "recipient_id": "P1", "campaign_id": "CMP5",
         "delivery_status": "delivered", "sent_at": _ts("2025-05-15 09:00:00")},
    ], batch)  # fmt: skip
    insert_raw(con, "survey__responses", [
        {"response_id": "R1", "survey_id": "NPS", "respondent_email": "patrick.ek@example.se",
         "nps_score": 9, "answered_at": _ts("2025-02-01 10:00:00")},
        {"response_id": "R2", "survey_id": "NPS", "respondent_email": "patrick.ek@example.se",
         "nps_score": 3, "answered_at": _ts("2025-06-01 10:00:00")},
    ], batch)  # fmt: skip
    insert_raw(con, "consent__events", [
        {"consent_event_id": "CE1", "subject_type": "customer_number", "subject_value": "K1",
         "channel": "email", "action": "opt_in", "collected_via": "crm",
         "recorded_at": _ts("2024-01-01 09:00:00")},
        {"consent_event_id": "CE2", "subject_type": "customer_number", "subject_value": "K1",
         "channel": "postal", "action": "opt_in", "collected_via": "crm",
         "recorded_at": _ts("2024-01-02 09:00:00")},
        {"consent_event_id": "CE3", "subject_type": "email", "subject_value": "nobody@example.se",
         "channel": "email", "action": "opt_in", "collected_via": "webshop",
         "recorded_at": _ts("2024-01-03 09:00:00")},
        {"consent_event_id": "CE4", "subject_type": "customer_number", "subject_value": "K3",
         "channel": "postal", "action": "opt_out", "collected_via": "crm",
         "recorded_at": _ts("2025-02-01 09:00:00")},
    ], batch)  # fmt: skip
    insert_raw(con, "web__events", [
        # CK1: an organic visit, then an e-mail visit (gap of exactly 30:00 stays one
        # session), 30:01 later a new session, then a login session on 2025-06-10
        _web("W1", "CK1", "page_view", "2025-04-01 12:00:00", referrer="www.google.com"),
        _web("W2", "CK1", "page_view", "2025-06-05 10:00:00", medium="email", campaign="CMP1"),
        _web("W3", "CK1", "page_view", "2025-06-05 10:20:00"),
        _web("W4", "CK1", "page_view", "2025-06-05 10:50:00"),
        _web("W5", "CK1", "add_to_cart", "2025-06-05 11:20:01"),
        _web("W6", "CK1", "login", "2025-06-10 09:00:00", account="A1"),
        _web("W7", "CK1", "checkout", "2025-06-10 09:05:00"),
        # CK3: a paid-social visit with a login and purchase intent
        _web("W8", "CK3", "page_view", "2025-03-10 10:00:00", medium="paid_social"),
        _web("W9", "CK3", "login", "2025-03-10 10:05:00", account="A3"),
        _web("W10", "CK3", "add_to_cart", "2025-03-10 10:10:00"),
        # CK9: anonymous paid-search visit
        _web("W11", "CK9", "page_view", "2025-06-01 15:00:00", medium="cpc", campaign="CMP2"),
        _web("W12", "CK9", "page_view", "2025-06-01 15:10:00"),
    ], batch)  # fmt: skip


def rekey_identities(con: duckdb.DuckDBPyConnection) -> None:
    """Identity resolution re-keys between runs: K-C2 becomes K-C5 and takes survey answer R1
    (from K-C1), CRM record K3 (from K-C3) and cookie CK9 (the anonymous K-C9); the new answer
    R3 resolves to K-C1."""
    con.execute(
        "update marts.customer_identity_map set customer_key = 'K-C5' "
        "where customer_key = 'K-C2' "
        "or (source_system, source_record_id) in (('survey', 'R1'), ('crm', 'K3'))"
    )
    con.execute(
        "insert into marts.customer_identity_map values "
        "('survey', 'R3', 'K-C1', 'test', 1.0, false, 14)"
    )
    # the key history identity resolution writes with it (orchestration/identity/keys.py),
    # stamped after batch 2's load: the facts' key refresh reads which keys received records
    con.execute(
        "insert into marts.customer_key_history values "
        "('K-C2', 'K-C5', 'merge', 'rekey', '2025-07-01 01:30:00+00'), "
        "('K-C1', 'K-C5', 'split', 'rekey', '2025-07-01 01:30:00+00'), "
        "('K-C3', 'K-C5', 'split', 'rekey', '2025-07-01 01:30:00+00')"
    )
    # batch 2's login of cookie CK9 into A2 links it to K-C5: the anonymous visitor K-C9 (left
    # out of customer_360 and the customer history) is merged away
    con.execute(
        "update marts.customer_identity_map set customer_key = 'K-C5', is_identity_weak = false "
        "where (source_system, source_record_id) = ('web', 'CK9')"
    )
    con.execute(
        "insert into marts.customer_key_history values "
        "('K-C9', 'K-C5', 'merge', 'rekey', '2025-07-01 01:30:00+00')"
    )
    # a new customer (batch 2's account A6) whose only order makes them at risk exactly on
    # the next day's as-of date, 2025-07-01, without new data
    con.execute(
        "insert into marts.customer_identity_map values "
        "('webshop', 'A6', 'K-C6', 'test', 1.0, false, 1)"
    )
    # a new customer (batch 2's account A7) first seen, visiting and ordering on 2025-07-01,
    # after the as-of date: their milestones and order day are reached on the next day's run
    con.execute(
        "insert into marts.customer_identity_map values "
        "('webshop', 'A7', 'K-C7', 'test', 1.0, false, 1)"
    )


def load_batch_2(con: duckdb.DuckDBPyConnection) -> None:
    """Late, duplicated and restating data loaded on 2025-07-01."""
    batch = "2025-07-01"
    insert_raw(con, "web__events", [
        # late event bridging CK1's 2025-06-05 sessions into one
        _web("W13", "CK1", "page_view", "2025-06-05 11:00:00"),
        # duplicate of an event already loaded (staging keeps the first copy)
        _web("W2", "CK1", "page_view", "2025-06-05 10:00:00", medium="email", campaign="CMP1"),
        # CK9 logs into A2: its anonymous past becomes K-C2's
        _web("W14", "CK9", "login", "2025-06-29 08:00:00", account="A2"),
        # CK3 returns: a new session stitched by the login in its earlier, unchanged session
        _web("W15", "CK3", "page_view", "2025-06-28 18:00:00"),
    ], batch)  # fmt: skip
    insert_raw(con, "webshop__orders", [
        _order("O4", "A1", "delivered", "SEK", 1200, "2025-06-20 12:00:00",
               updated="2025-06-29 09:00:00"),
        _order("O1", "A1", "delivered", "SEK", 1000, "2024-01-10 12:00:00"),  # re-delivered
    ], batch)  # fmt: skip
    insert_raw(con, "crm__customers", [
        # re-delivered exactly (the batch-1 copy stays), a new version, a late (older) version
        {"customer_number": "K1", "given_names": "Stig Patrick", "preferred_name": "Patrick",
         "surname": "Ek", "email": "patrick.ek@example.se", "phone": "070-123 45 67",
         "street": "Storgatan 1", "postal_code": "11455", "city": "Stockholm", "country": "SE",
         "customer_type": "private", "created_at": _ts("2024-01-01 09:00:00"),
         "updated_at": _ts("2024-01-01 09:00:00")},
        {"customer_number": "K3", "given_names": "Maja", "preferred_name": "Maja",
         "surname": "Lind", "birth_date": "1990-04-12", "email": "maja.lind@example.se",
         "country": "SE", "customer_type": "private", "created_at": _ts("2025-01-15 09:00:00"),
         "updated_at": _ts("2025-06-29 09:00:00")},
        {"customer_number": "K3", "given_names": "Maja", "surname": "Lind",
         "email": "maja.lind@example.se", "country": "SE", "customer_type": "private",
         "created_at": _ts("2025-01-10 09:00:00"), "updated_at": _ts("2025-01-10 09:00:00")},
    ], batch)  # fmt: skip
    insert_raw(con, "webshop__accounts", [
        # re-delivered exactly, a new version (e-mail verified), a late (older) version
        {"account_id": "A1", "customer_number": "K1", "email": "patrick.ek@example.se",
         "email_verified": True, "first_name": "Patrick", "last_name": "Ek",
         "created_at": _ts("2024-01-01 09:00:00"), "updated_at": _ts("2024-01-01 09:00:00")},
        {"account_id": "A2", "email": "eva@example.se", "email_verified": True,
         "first_name": "Eva", "last_name": "Berg", "created_at": _ts("2025-02-20 09:00:00"),
         "updated_at": _ts("2025-06-29 08:00:00")},
        {"account_id": "A3", "email": "maja.lind@example.se", "email_verified": False,
         "first_name": "Maja", "last_name": "Lind", "created_at": _ts("2025-03-10 10:00:00"),
         "updated_at": _ts("2025-03-10 10:00:00")},
    ], batch)  # fmt: skip
    insert_raw(con, "esp__email_events", [
        _email("E6", "S2", "clicked", "2025-06-10 09:00:00", "CMP1"),  # late click
    ], batch)  # fmt: skip
    insert_raw(con, "webshop__returns", [
        {"return_id": "RT2", "order_id": "O2", "order_line_id": "O2-1", "quantity": 1,
         "refund_amount": 10, "reason": "changed_mind",
         "returned_at": _ts("2024-03-10 10:00:00")},
    ], batch)  # fmt: skip
    insert_raw(con, "survey__responses", [
        {"response_id": "R3", "survey_id": "NPS", "nps_score": 10,
         "answered_at": _ts("2025-06-29 10:00:00")},
    ], batch)  # fmt: skip
    # K-C6: one order on 2025-03-03, at risk journey_at_risk_days (120) later, on 2025-07-01
    insert_raw(con, "webshop__accounts", [
        {"account_id": "A6", "email": "nils@example.se", "first_name": "Nils",
         "last_name": "Holm", "created_at": _ts("2025-03-01 09:00:00"),
         "updated_at": _ts("2025-03-01 09:00:00")},
    ], batch)  # fmt: skip
    insert_raw(con, "webshop__orders", [
        _order("O9", "A6", "delivered", "SEK", 100, "2025-03-03 12:00:00"),
    ], batch)  # fmt: skip
    # K-C7: everything after the as-of date (2025-06-30); reached on the next day's run
    insert_raw(con, "webshop__accounts", [
        {"account_id": "A7", "email": "lena@example.se", "first_name": "Lena",
         "last_name": "Sjö", "created_at": _ts("2025-07-01 08:00:00"),
         "updated_at": _ts("2025-07-01 08:00:00")},
    ], batch)  # fmt: skip
    insert_raw(con, "web__events", [
        _web("W16", "CK7", "login", "2025-07-01 10:00:00", account="A7"),
    ], batch)  # fmt: skip
    insert_raw(con, "webshop__orders", [
        _order("O10", "A7", "delivered", "SEK", 300, "2025-07-01 10:30:00"),
    ], batch)  # fmt: skip


def _order(
    order_id: str, account: str, status: str, currency: str, total: float, ordered: str,
    updated: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "order_id": order_id, "account_id": account, "status": status, "currency": currency,
        "order_total": total, "shipping_country": "SE", "ordered_at": _ts(ordered),
        "updated_at": _ts(updated or ordered),
    }  # fmt: skip


def _email(
    event_id: str, subscriber: str, kind: str, at: str, campaign: str | None
) -> dict[str, Any]:
    return {
        "event_id": event_id, "subscriber_id": subscriber, "email": "x@example.se",
        "event_type": kind, "campaign_id": campaign, "message_id": f"MSG-{campaign}",
        "occurred_at": _ts(at),
    }  # fmt: skip


def _call(contact_id: str, direction: str, reason: str, at: str) -> dict[str, Any]:
    return {
        "contact_id": contact_id, "phone": "070-123 45 67", "caller_name": "Patrick Ek",
        "direction": direction, "reason": reason, "outcome": "resolved",
        "duration_seconds": 120, "started_at": _ts(at),
    }  # fmt: skip


def _web(
    event_id: str, cookie: str, kind: str, at: str, *, medium: str | None = None,
    campaign: str | None = None, referrer: str | None = None, account: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "event_id": event_id, "cookie_id": cookie, "event_type": kind, "page_path": "/",
        "utm_source": medium, "utm_medium": medium, "utm_campaign": campaign,
        "referrer_host": referrer, "account_id": account, "occurred_at": _ts(at),
    }  # fmt: skip


def create_warehouse(path: Path) -> None:
    """Raw tables with batch 1 and the Python assets' outputs."""
    with duckdb.connect(str(path)) as con:
        create_raw_tables(con)
        create_python_outputs(con)
        load_batch_1(con)


def run_dbt(
    database: Path, work: Path, *args: str, variables: dict[str, object] | None = None
) -> subprocess.CompletedProcess[str]:
    """One dbt command on `database` with its own target/log dirs (others share the repo).

    dbt vars: as_of_date = AS_OF, no incremental lookback (an incremental run reads only rows
    loaded after the last one: the strict case), plus `variables`. Equal vars across calls let
    dbt reuse its partial parse.
    """
    env = {**os.environ, "KUNDRESA_DUCKDB": str(database), "DBT_SEND_ANONYMOUS_USAGE_STATS": "0"}
    dbt = Path(sys.executable).with_name("dbt")
    command = [
        str(dbt), *args,
        "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
    ]  # fmt: skip
    command += [
        "--vars",
        json.dumps({"as_of_date": AS_OF, "incremental_lookback_days": 0, **(variables or {})}),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        failures = [
            line for line in result.stdout.splitlines() if "ERROR" in line or "FAIL" in line
        ]
        raise AssertionError("dbt " + " ".join(args[:1]) + " failed:\n" + "\n".join(failures[-40:])
                             + "\n" + result.stdout[-4000:])  # fmt: skip
    return result


def build(database: Path, work: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`dbt build` of the customer-360/journey marts and their upstream models."""
    return run_dbt(
        database, work, "build", "--select", *[f"+{m}" for m in MARTS],
        "--exclude", *UPSTREAM_TESTS, *extra,
    )  # fmt: skip


def query(database: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql` on a read-only connection (with the phone UDF staging views call)."""
    with duckdb.connect(str(database), read_only=True) as con:
        register_udfs(con)
        return con.execute(sql).fetchall()
