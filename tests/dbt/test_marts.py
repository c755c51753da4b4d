"""Customer-360 star schema and journey marts on a hand-made scenario (tests/dbt/marts_builder.py).

One module-scoped fixture runs five dbt commands on a temp DuckDB:
1. ``dbt build`` of the marts and everything upstream on batch 1 (all data tests and unit tests
   of these models run here: sessionisation, login stitching, each stage rule, RFM scoring);
   a copy of that warehouse is what the scenario tests read;
2. identity resolution re-keys customers, batch 2 (late, duplicated and restating rows) is
   loaded, the staging tables are brought up to date and the facts, journey and customer-360
   models run incrementally (the daily run);
3. their rows are saved and the same models are rebuilt with ``--full-refresh``:
   incremental must equal full;
4. a next-day run (as-of date one day later: time-driven stage changes, rolling windows) with a
   wider top segment of the value-segment, journey and customer-360 models and the customer
   history (incremental, then ``--full-refresh``): segment history, incremental equals full.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.dbt.marts_builder import (
    build,
    create_warehouse,
    load_batch_2,
    query,
    rekey_identities,
    run_dbt,
)

INCREMENTAL_FACTS = [
    "fct_touchpoints",
    "fct_web_sessions",
    "fct_orders",
    "fct_order_lines",
    "fct_returns",
    "fct_nps_responses",
    "fct_consent_events",
]
# the staging tables: incremental event tables, order versions
STAGING_TABLES = [
    "path:models/staging,config.materialized:incremental",
    "path:models/staging,config.materialized:table",
]
# incremental models compared with their full rebuild: the facts, the staging tables that
# batch 2 adds to (with a duplicate web event; new, re-delivered and late master-data
# versions) and the customer history (next-day run)
BATCH_2_MODELS = [("marts", fact) for fact in INCREMENTAL_FACTS] + [
    ("staging", model)
    for model in ("stg_web__events", "stg_esp__email_events", "stg_webshop__returns",
                  "stg_survey__responses", "stg_crm__customers", "stg_webshop__accounts",
                  "stg_webshop__orders")
]  # fmt: skip
# the models a daily run brings up to date after the facts (journey, customer 360); compared
# with their full rebuild after batch 2 and after the next day's run
DAILY_MODELS = [
    ("intermediate", "int_as_of_date"),
    ("intermediate", "int_customer_order_days"),
    ("intermediate", "int_customer_funnel_milestones"),
    ("intermediate", "int_customer_stage_points"),
    ("marts", "fct_customer_stage_history"),
    ("marts", "fct_stage_transitions"),
    ("marts", "journey_kpis"),
    ("intermediate", "int_customer_orders_summarised"),
    ("intermediate", "int_customer_rfm_scored"),
    ("intermediate", "int_customer_engagement_summarised"),
    ("marts", "customer_360"),
]
DAILY_SELECTION = ["dim_customer", *(model for _, model in DAILY_MODELS)]
INCREMENTAL_MODELS = [*BATCH_2_MODELS, *DAILY_MODELS]
NEXT_DAY_MODELS = [*DAILY_MODELS, ("marts", "dim_customer_history")]
SEGMENT_MODELS = [
    "dim_customer",  # the golden records after the re-keying
    "int_customer_value_segments_observed",
    "dim_customer_history",
    *(model for _, model in DAILY_MODELS),
]


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    work = tmp_path_factory.mktemp("marts")
    database = work / "warehouse.duckdb"
    create_warehouse(database)
    build(database, work)
    scenario = work / "scenario.duckdb"
    shutil.copy(database, scenario)

    with duckdb.connect(str(database)) as con:
        rekey_identities(con)
        load_batch_2(con)
    # the daily run: staging tables, facts, journey and customer 360
    selection = ["--select", *STAGING_TABLES, *INCREMENTAL_FACTS, *DAILY_SELECTION]
    run_dbt(database, work, "run", *selection)
    _save_models(database, "incremental_result", INCREMENTAL_MODELS)
    run_dbt(database, work, "run", "--full-refresh", *selection)
    _save_models(database, "full_result", INCREMENTAL_MODELS)  # step 4 re-runs some of them
    # the next day's run, with a wider top segment: value segments change, stages move with
    # time, and the customer history is brought up to date incrementally (re-keyed customers,
    # segment changes); then rebuilt in full — the segment observations survive --full-refresh
    next_day = {"as_of_date": "2025-07-01", "royal_and_loyal_share": 0.6}
    run_dbt(database, work, "run", "--select", *SEGMENT_MODELS, variables=next_day)
    _save_models(database, "next_day_result", NEXT_DAY_MODELS)
    run_dbt(
        database, work, "run", "--full-refresh", "--select",
        *(model for _, model in NEXT_DAY_MODELS), variables=next_day,
    )  # fmt: skip
    yield {"scenario": scenario, "after_batch_2": database}


def _save_models(database: Path, result_schema: str, models: list[tuple[str, str]]) -> None:
    """Copy the models' rows into `result_schema` (to compare with a full rebuild)."""
    with duckdb.connect(str(database)) as con:
        con.execute(f"create schema {result_schema}")
        for schema, model in models:
            con.execute(f"create table {result_schema}.{model} as select * from {schema}.{model}")


@pytest.fixture(scope="module")
def scenario(warehouses: dict[str, Path]) -> Path:
    return warehouses["scenario"]


# --- facts --------------------------------------------------------------------------------


def test_web_sessions_are_split_and_stitched(scenario: Path) -> None:
    rows = query(
        scenario,
        "select session_id, customer_key, stitch_method, anonymous_id, channel, campaign_id, "
        "event_count from marts.fct_web_sessions order by session_id",
    )
    assert rows == [
        ("CK1-1", "K-C1", "retroactive", None, "organic_search", None, 1),
        # 10:00, 10:20, 10:50 (a gap of exactly 30:00 stays in the session)
        ("CK1-2", "K-C1", "retroactive", None, "email", "CMP1", 3),
        ("CK1-3", "K-C1", "retroactive", None, "direct", None, 1),  # 30:01 later
        ("CK1-4", "K-C1", "login", None, "direct", None, 2),
        ("CK3-1", "K-C3", "login", None, "paid_social", None, 3),
        ("CK9-1", None, None, "CK9", "paid_search", "CMP2", 2),
    ]


def test_touchpoints_hold_every_interaction_once(scenario: Path) -> None:
    [(expected,)] = query(
        scenario,
        """
        select
            (select count(*) from staging.stg_esp__email_events)
            + (select count(*) from staging.stg_sms__events)
            + (select count(*) from staging.stg_app__events)
            + (select count(*) from staging.stg_callcenter__contacts)
            + (select count(*) from staging.stg_postal__mailings)
            + (select count(distinct order_id) from staging.stg_webshop__orders)
            + (select count(*) from staging.stg_webshop__returns)
            + (select count(*) from staging.stg_survey__responses)
            + (select count(*) from marts.fct_web_sessions)
        """,
    )
    [(actual, distinct_ids)] = query(
        scenario, "select count(*), count(distinct touchpoint_id) from marts.fct_touchpoints"
    )
    assert actual == distinct_ids == expected == 30
    by_type = dict(
        query(
            scenario,
            "select touchpoint_type, count(*) from marts.fct_touchpoints group by 1 order by 1",
        )
    )
    assert by_type == {
        "call_inbound": 4, "email_opened": 2, "email_sent": 3, "letter_sent": 1,
        "nps_response": 2, "order": 8, "order_return": 1, "push_opened": 1,
        "push_received": 1, "sms_sent": 1, "web_session": 6,
    }  # fmt: skip


def test_touchpoint_attributes(scenario: Path) -> None:
    rows = query(
        scenario,
        "select touchpoint_id, customer_key, anonymous_id, channel, campaign_id, direction, "
        "department, is_marketing_touch from marts.fct_touchpoints where touchpoint_id in "
        "('esp:E1', 'esp:E2', 'sms:SM1', 'app:AE1', 'callcenter:CC1', 'postal:M1', 'order:O4', "
        "'return:RT1', 'survey:R2', 'web:CK9-1', 'web:CK3-1') order by touchpoint_id",
    )
    assert rows == [
        ("app:AE1", "K-C1", None, "push", "CMP4", "outbound", "marketing", True),
        ("callcenter:CC1", "K-C1", None, "callcenter", None, "inbound", "service", False),
        ("esp:E1", "K-C1", None, "email", "CMP1", "outbound", "marketing", True),
        ("esp:E2", "K-C1", None, "email", "CMP1", "inbound", "marketing", False),
        ("order:O4", "K-C1", None, "web", None, "inbound", "sales", False),
        ("postal:M1", "K-C1", None, "postal", "CMP5", "outbound", "marketing", True),
        ("return:RT1", "K-C1", None, "web", None, "inbound", "service", False),
        ("sms:SM1", "K-C1", None, "sms", "CMP3", "outbound", "marketing", True),
        ("survey:R2", "K-C1", None, "survey", None, "inbound", "service", False),
        ("web:CK3-1", "K-C3", None, "paid_social", None, "inbound", "marketing", True),
        ("web:CK9-1", None, "CK9", "paid_search", "CMP2", "inbound", "marketing", True),
    ]


def test_orders_are_current_versions_valued_in_sek(scenario: Path) -> None:
    rows = query(
        scenario,
        "select order_id, customer_key, status, order_total_sek, order_revenue_sek, "
        "open_order_value_sek, is_open, is_cancelled from marts.fct_orders order by order_id",
    )
    assert rows == [
        ("O1", "K-C1", "delivered", Decimal("1000.00"), Decimal("1000.00"), Decimal("0.00"),
         False, False),
        ("O2", "K-C1", "delivered", Decimal("1155.00"), Decimal("1155.00"), Decimal("0.00"),
         False, False),
        ("O3", "K-C1", "cancelled", Decimal("500.00"), Decimal("0.00"), Decimal("0.00"),
         False, True),
        ("O4", "K-C1", "placed", Decimal("1200.00"), Decimal("1200.00"), Decimal("1200.00"),
         True, False),
        ("O5", "K-C2", "delivered", Decimal("300.00"), Decimal("300.00"), Decimal("0.00"),
         False, False),
        ("O6", "K-C2", "delivered", Decimal("300.00"), Decimal("300.00"), Decimal("0.00"),
         False, False),
        ("O7", "K-C2", "delivered", Decimal("300.00"), Decimal("300.00"), Decimal("0.00"),
         False, False),
        ("O8", "K-C2", "shipped", Decimal("294.00"), Decimal("294.00"), Decimal("294.00"),
         True, False),
    ]  # fmt: skip


def test_order_lines_and_returns(scenario: Path) -> None:
    lines = query(
        scenario,
        "select order_line_id, customer_key, line_total_sek, is_order_cancelled "
        "from marts.fct_order_lines order by 1",
    )
    assert lines == [
        ("O1-1", "K-C1", Decimal("600.00"), False),
        ("O1-2", "K-C1", Decimal("400.00"), False),
        ("O2-1", "K-C1", Decimal("1155.00"), False),
        ("O4-1", "K-C1", Decimal("1200.00"), False),
    ]
    returns = query(
        scenario,
        "select return_id, customer_key, product_id, refund_amount_sek from marts.fct_returns",
    )
    assert returns == [("RT1", "K-C1", "P-1", Decimal("200.00"))]


def test_nps_and_consent_facts(scenario: Path) -> None:
    nps = query(
        scenario,
        "select response_id, customer_key, nps_score, nps_category "
        "from marts.fct_nps_responses order by 1",
    )
    assert nps == [("R1", "K-C1", 9, "promoter"), ("R2", "K-C1", 3, "detractor")]
    consent = query(
        scenario,
        "select consent_event_id, customer_key, channel, is_opt_in "
        "from marts.fct_consent_events order by 1",
    )
    # CE3 names an e-mail no identity record holds: kept, without a customer
    assert consent == [
        ("consent:CE1", "K-C1", "email", True),
        ("consent:CE2", "K-C1", "postal", True),
        ("consent:CE3", None, "email", True),
        ("consent:CE4", "K-C3", "postal", False),
    ]


# --- dimensions ---------------------------------------------------------------------------


def test_dimensions(scenario: Path) -> None:
    channels = dict(
        query(scenario, "select channel, channel_type from marts.dim_channel order by 1")
    )
    assert channels["paid_search"] == "paid" and channels["organic_search"] == "earned"
    assert channels["email"] == "owned" and len(channels) == 15
    campaigns = query(
        scenario,
        "select campaign_id, channel_type, is_paid, ad_clicks, ad_spend_sek "
        "from marts.dim_campaign order by 1",
    )
    assert campaigns == [
        ("CMP1", "owned", False, 0, Decimal("0.00")),
        ("CMP2", "paid", True, 50, Decimal("1155.00")),  # EUR 100
    ]
    assert query(scenario, "select product_id, category from marts.dim_product") == [
        ("P-1", "food")
    ]
    [(days, first, last, mondays)] = query(
        scenario,
        "select count(*), min(date_day), max(date_day), "
        "count(*) filter (where iso_day_of_week = 1) from marts.dim_date",
    )
    assert (first, last) == (date(2020, 1, 1), date(2030, 12, 31))
    assert days == (last - first).days + 1 and mondays == 574


def test_customer_history_is_type_2(scenario: Path) -> None:
    rows = query(
        scenario,
        "select valid_from, valid_to is null, street, has_email_consent, has_postal_consent, "
        "journey_stage, value_segment from marts.dim_customer_history "
        "where customer_key = 'K-C1' order by valid_from",
    )
    utc = UTC
    assert rows[:3] == [
        (datetime(2024, 1, 1, tzinfo=utc), False, None, False, False, "aware", None),
        # CRM record (address) and the e-mail opt-in at the same instant: one change
        (datetime(2024, 1, 1, 9, tzinfo=utc), False, "Storgatan 1", True, False, "aware", None),
        (datetime(2024, 1, 2, 9, tzinfo=utc), False, "Storgatan 1", True, True, "aware", None),
    ]
    # then one row per later stage; the postal record's identical address is no change; the
    # value segment is first observed by the run (as-of date 2025-06-30)
    assert [row[5] for row in rows[3:]] == [
        "engaged", "onboarding", "developing", "at_risk", "lapsed", "won_back", "won_back",
    ]  # fmt: skip
    assert {row[6] for row in rows[:-1]} == {None}
    assert rows[-1] == (
        datetime(2025, 6, 30, tzinfo=utc), True, "Storgatan 1", True, True, "won_back", "core",
    )  # fmt: skip
    [(current, customers)] = query(
        scenario,
        "select count(*) filter (where is_current), count(distinct customer_key) "
        "from marts.dim_customer_history",
    )
    assert current == customers


def test_customer_history_tracks_value_segment_changes(warehouses: dict[str, Path]) -> None:
    """A later run observes K-C1 move into the top segment: a new type-2 row from that as-of
    date; an unchanged segment (K-C3) adds no observation."""
    database = warehouses["after_batch_2"]
    observed = query(
        database,
        "select customer_key, observed_on, value_segment "
        "from intermediate.int_customer_value_segments_observed "
        "where customer_key in ('K-C1', 'K-C3') order by 1, 2",
    )
    assert observed == [
        ("K-C1", date(2025, 6, 30), "core"),
        ("K-C1", date(2025, 7, 1), "royal_and_loyal"),
        ("K-C3", date(2025, 6, 30), "prospect"),
    ]
    rows = query(
        database,
        "select valid_from, valid_to, journey_stage, value_segment "
        "from marts.dim_customer_history where customer_key = 'K-C1' "
        "and valid_from >= timestamptz '2025-06-20 00:00:00+00' order by valid_from",
    )
    utc = UTC
    assert rows == [
        (datetime(2025, 6, 20, tzinfo=utc), datetime(2025, 6, 30, tzinfo=utc), "won_back", None),
        (datetime(2025, 6, 30, tzinfo=utc), datetime(2025, 7, 1, tzinfo=utc), "won_back", "core"),
        (datetime(2025, 7, 1, tzinfo=utc), None, "won_back", "royal_and_loyal"),
    ]


# --- customer_360 -------------------------------------------------------------------------


def _customer(database: Path, key: str) -> dict[str, object]:
    with duckdb.connect(str(database), read_only=True) as con:
        relation = con.sql(f"select * from marts.customer_360 where customer_key = '{key}'")
        columns = relation.columns
        rows = relation.fetchall()
    assert len(rows) == 1, f"{key}: {len(rows)} rows"
    return dict(zip(columns, rows[0], strict=True))


def test_customer_360_one_row_per_known_customer(scenario: Path) -> None:
    """Every golden record but the anonymous web visitor K-C9 (a lone cookie)."""
    [(rows, keys, golden)] = query(
        scenario,
        "select count(*), count(distinct customer_key), "
        "(select count(*) from marts.dim_customer) from marts.customer_360",
    )
    assert (rows, keys, golden) == (3, 3, 4)
    anonymous = "select customer_key from marts.dim_customer where is_anonymous_visitor"
    assert query(scenario, anonymous) == [("K-C9",)]
    left_out = (
        "select customer_key from marts.dim_customer "
        "except select customer_key from marts.customer_360"
    )
    assert query(scenario, left_out) == [("K-C9",)]


def test_customer_360_value_and_service(scenario: Path) -> None:
    c1 = _customer(scenario, "K-C1")
    assert {k: c1[k] for k in (
        "as_of_date", "order_count", "cancelled_order_count", "recency_days",
        "gross_revenue_sek", "refunds_sek", "monetary_value_sek", "open_order_count",
        "open_order_value_sek", "recency_score", "frequency_score", "monetary_score",
        "rfm_score", "value_segment", "value_rank", "complaints_last_90_days",
        "web_visits_last_30_days", "nps_response_count", "nps_latest_score", "nps_average_score",
    )} == {
        "as_of_date": date(2025, 6, 30), "order_count": 3, "cancelled_order_count": 1,
        "recency_days": 10, "gross_revenue_sek": Decimal("3355.00"),
        "refunds_sek": Decimal("200.00"), "monetary_value_sek": Decimal("3155.00"),
        "open_order_count": 1, "open_order_value_sek": Decimal("1200.00"),
        "recency_score": 5, "frequency_score": 3, "monetary_score": 5, "rfm_score": "535",
        "value_segment": "core", "value_rank": 1,
        # CC1 (60 days) and CC2 count; CC3 is 121 days old, CC4 is a question
        "complaints_last_90_days": 2,
        # sessions on 2025-06-05 (two) and 2025-06-10; 2025-04-01 is outside 30 days
        "web_visits_last_30_days": 3,
        "nps_response_count": 2, "nps_latest_score": 3, "nps_average_score": 6.0,
    }  # fmt: skip
    assert c1["cumulative_revenue_share"] == pytest.approx(3155 / (3155 + 1194))
    c2 = _customer(scenario, "K-C2")
    assert (c2["order_count"], c2["monetary_value_sek"], c2["open_order_value_sek"]) == (
        4, Decimal("1194.00"), Decimal("294.00"),
    )  # fmt: skip
    assert (c2["rfm_score"], c2["value_segment"], c2["cumulative_revenue_share"]) == (
        "353", "occasional", 1.0,
    )  # fmt: skip
    c3 = _customer(scenario, "K-C3")
    assert (c3["order_count"], c3["value_segment"], c3["rfm_score"]) == (0, "prospect", None)


def test_customer_360_channels_stage_and_clv(scenario: Path) -> None:
    c1 = _customer(scenario, "K-C1")
    assert (c1["has_email_consent"], c1["has_postal_consent"], c1["has_sms_consent"]) == (
        True, True, False,
    )  # fmt: skip
    # latest opt-in in force: postal (CE2); most engagement: the e-mail visit on 2025-06-05
    # (the 2024 open is older than 365 days) — consented, so it is preferred
    assert (c1["stated_preferred_channel"], c1["observed_preferred_channel"]) == (
        "postal", "email",
    )  # fmt: skip
    assert c1["preferred_channel"] == "email"
    assert (c1["journey_stage"], c1["journey_stage_since"]) == ("won_back", date(2025, 6, 20))
    assert (c1["predicted_clv_365d_sek"], c1["churn_probability"]) == (880.0, 0.6)
    c3 = _customer(scenario, "K-C3")
    assert (c3["preferred_channel"], c3["journey_stage"]) == (None, "considering")
    assert c3["predicted_clv_365d_sek"] is None


# --- journey ------------------------------------------------------------------------------


def test_stage_history_follows_the_rules(scenario: Path) -> None:
    rows = query(
        scenario,
        "select customer_key, stage, valid_from, valid_to from marts.fct_customer_stage_history "
        "order by customer_key, valid_from",
    )
    d = date
    assert rows == [
        ("K-C1", "aware", d(2024, 1, 1), d(2024, 1, 6)),  # CRM record created
        ("K-C1", "engaged", d(2024, 1, 6), d(2024, 1, 10)),  # e-mail opened
        ("K-C1", "onboarding", d(2024, 1, 10), d(2024, 4, 9)),  # first order + 90 days
        ("K-C1", "developing", d(2024, 4, 9), d(2024, 6, 29)),
        ("K-C1", "at_risk", d(2024, 6, 29), d(2024, 10, 27)),  # 120 days after 2024-03-01
        ("K-C1", "lapsed", d(2024, 10, 27), d(2025, 6, 20)),  # 240 days
        ("K-C1", "won_back", d(2025, 6, 20), None),
        ("K-C2", "aware", d(2025, 2, 20), d(2025, 3, 1)),
        # the third order (2025-05-01) falls in onboarding: loyal when onboarding ends
        ("K-C2", "onboarding", d(2025, 3, 1), d(2025, 5, 30)),
        ("K-C2", "loyal", d(2025, 5, 30), None),
        ("K-C3", "aware", d(2025, 1, 15), d(2025, 2, 1)),
        ("K-C3", "engaged", d(2025, 2, 1), d(2025, 3, 10)),
        ("K-C3", "considering", d(2025, 3, 10), None),  # add to cart
        # K-C9 (a lone cookie, weak identity) is not a known prospect: no journey
    ]


def test_stage_transitions(scenario: Path) -> None:
    rows = query(
        scenario,
        "select from_stage, to_stage, transitioned_on, days_in_from_stage, is_conversion, "
        "is_churn from marts.fct_stage_transitions where customer_key = 'K-C1' "
        "order by transitioned_on",
    )
    d = date
    assert rows == [
        ("aware", "engaged", d(2024, 1, 6), 5, True, False),
        ("engaged", "onboarding", d(2024, 1, 10), 4, True, False),
        ("onboarding", "developing", d(2024, 4, 9), 90, True, False),
        ("developing", "at_risk", d(2024, 6, 29), 81, False, False),
        ("at_risk", "lapsed", d(2024, 10, 27), 120, False, True),
        ("lapsed", "won_back", d(2025, 6, 20), 236, True, False),
    ]
    [(transitions, intervals, customers)] = query(
        scenario,
        "select (select count(*) from marts.fct_stage_transitions), count(*), "
        "count(distinct customer_key) from marts.fct_customer_stage_history",
    )
    assert transitions == intervals - customers


def test_journey_kpis(scenario: Path) -> None:
    [(cells, months)] = query(
        scenario, "select count(*), count(distinct month_start_date) from marts.journey_kpis"
    )
    assert months == 18 and cells == 18 * 9  # 2024-01 .. 2025-06, every stage
    june = dict(
        query(
            scenario,
            "select stage, customers_at_month_end from marts.journey_kpis "
            "where month_start_date = date '2025-06-01' and customers_at_month_end > 0",
        )
    )
    assert june == {"won_back": 1, "loyal": 1, "considering": 1}
    lapsed_june = query(
        scenario,
        "select customers_in_stage, customers_exited, conversions, conversion_rate, "
        "median_days_in_stage from marts.journey_kpis "
        "where month_start_date = date '2025-06-01' and stage = 'lapsed'",
    )
    assert lapsed_june == [(1, 1, 1, 1.0, 236.0)]
    won_back_june = query(
        scenario,
        "select customers_entered, revenue_sek, order_count from marts.journey_kpis "
        "where month_start_date = date '2025-06-01' and stage = 'won_back'",
    )
    assert won_back_june == [(1, Decimal("1200.00"), 1)]
    churn = query(
        scenario,
        "select churned, churn_rate from marts.journey_kpis "
        "where month_start_date = date '2024-10-01' and stage = 'at_risk'",
    )
    assert churn == [(1, 1.0)]
    nps = query(
        scenario,
        "select nps_response_count, net_promoter_score from marts.journey_kpis "
        "where month_start_date = date '2025-06-01' and stage = 'lapsed'",
    )
    assert nps == [(1, -100.0)]  # R2 (score 3) answered 2025-06-01 while lapsed


# --- incremental ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result_schema", "full_schema", "model"),
    [("incremental_result", "full_result", model) for _, model in INCREMENTAL_MODELS]
    + [("next_day_result", *model) for model in NEXT_DAY_MODELS],
)
def test_incremental_run_equals_full_rebuild(
    warehouses: dict[str, Path], result_schema: str, full_schema: str, model: str
) -> None:
    database = warehouses["after_batch_2"]
    incremental_rows = f"{result_schema}.{model}"
    schema = full_schema
    [(incremental, full, only_incremental, only_full)] = query(
        database,
        f"""
        select
            (select count(*) from {incremental_rows}),
            (select count(*) from {schema}.{model}),
            (select count(*) from (
                select * from {incremental_rows} except all select * from {schema}.{model}
            )),
            (select count(*) from (
                select * from {schema}.{model} except all select * from {incremental_rows}
            ))
        """,
    )
    assert (only_incremental, only_full) == (0, 0)
    assert incremental == full > 0


def test_incremental_run_applied_the_late_and_restating_rows(warehouses: dict[str, Path]) -> None:
    database = warehouses["after_batch_2"]
    sessions = query(
        database,
        "select session_id, customer_key, stitch_method, event_count "
        "from incremental_result.fct_web_sessions where cookie_id in ('CK1', 'CK9') order by 1",
    )
    assert sessions == [
        ("CK1-1", "K-C1", "retroactive", 1),
        # the late 11:00 event bridges the two 2025-06-05 sessions; the duplicate W2 is dropped
        ("CK1-2", "K-C1", "retroactive", 5),
        ("CK1-3", "K-C1", "login", 2),
        # a later login stitches the cookie's anonymous past (A2, re-keyed to K-C5)
        ("CK9-1", "K-C5", "retroactive", 2),
        ("CK9-2", "K-C5", "login", 1),
    ]
    web_touches = query(
        database,
        "select touchpoint_id, customer_key from incremental_result.fct_touchpoints "
        "where source_system = 'web' and source_record_id in ('CK1', 'CK9') order by 1",
    )
    assert web_touches == [
        ("web:CK1-1", "K-C1"), ("web:CK1-2", "K-C1"), ("web:CK1-3", "K-C1"),
        ("web:CK9-1", "K-C5"), ("web:CK9-2", "K-C5"),
    ]  # fmt: skip
    assert query(
        database, "select status, is_open from incremental_result.fct_orders where order_id = 'O4'"
    ) == [("delivered", False)]
    assert query(
        database,
        "select count(*) from incremental_result.fct_touchpoints "
        "where touchpoint_id in ('esp:E6', 'return:RT2', 'survey:R3')",
    ) == [(3,)]
    # the logged-in cookie CK9 merged the anonymous visitor K-C9 into K-C5: no visitor is left
    # out of customer_360 any more
    assert query(
        database, "select count(*) from marts.dim_customer where is_anonymous_visitor"
    ) == [(0,)]
    assert query(
        database,
        "select count(*) from incremental_result.customer_360 where customer_key = 'K-C5'",
    ) == [(1,)]


def test_incremental_run_continues_a_cookies_earlier_sessions(
    warehouses: dict[str, Path],
) -> None:
    """CK3's new event restates the cookie from its new session on: the earlier session (kept
    from the table) keeps its number, and its login stitches the new one."""
    database = warehouses["after_batch_2"]
    assert query(
        database,
        "select session_id, account_id, stitch_method, event_count "
        "from incremental_result.fct_web_sessions where cookie_id = 'CK3' order by 1",
    ) == [("CK3-1", "A3", "login", 3), ("CK3-2", "A3", "prior_login", 1)]


def test_incremental_run_follows_identity_changes(warehouses: dict[str, Path]) -> None:
    """Rows the incremental run did not re-read carry the re-keyed customers."""
    database = warehouses["after_batch_2"]
    orders = query(
        database,
        "select distinct customer_key from incremental_result.fct_orders where account_id = 'A2'",
    )
    assert orders == [("K-C5",)]
    touches = query(
        database,
        "select touchpoint_id, customer_key from incremental_result.fct_touchpoints "
        "where touchpoint_id in ('esp:E3', 'survey:R1', 'survey:R2', 'survey:R3') order by 1",
    )
    assert touches == [
        ("esp:E3", "K-C5"), ("survey:R1", "K-C5"), ("survey:R2", "K-C1"), ("survey:R3", "K-C1"),
    ]  # fmt: skip
    nps = query(
        database,
        "select response_id, customer_key from incremental_result.fct_nps_responses order by 1",
    )
    assert nps == [("R1", "K-C5"), ("R2", "K-C1"), ("R3", "K-C1")]
    consent = query(
        database,
        "select consent_event_id, customer_key from incremental_result.fct_consent_events "
        "order by 1",
    )
    assert consent == [
        ("consent:CE1", "K-C1"), ("consent:CE2", "K-C1"), ("consent:CE3", None),
        ("consent:CE4", "K-C5"),
    ]  # fmt: skip


def test_next_day_run_moves_stages_with_time(warehouses: dict[str, Path]) -> None:
    """Without new data, K-C6 (one order on 2025-03-03) becomes at risk on the next day's as-of
    date, 2025-07-01 (journey_at_risk_days = 120): the incremental run rebuilds them."""
    database = warehouses["after_batch_2"]
    after_batch_2 = query(
        database,
        "select stage, valid_from, valid_to from incremental_result.fct_customer_stage_history "
        "where customer_key = 'K-C6' order by valid_from",
    )
    next_day = query(
        database,
        "select stage, valid_from, valid_to, days_in_stage "
        "from next_day_result.fct_customer_stage_history "
        "where customer_key = 'K-C6' order by valid_from",
    )
    d = date
    assert after_batch_2[-1] == ("developing", d(2025, 6, 1), None)
    assert next_day[-2:] == [
        ("developing", d(2025, 6, 1), d(2025, 7, 1), 30),
        ("at_risk", d(2025, 7, 1), None, 0),
    ]


def test_next_day_run_reaches_pending_milestones(warehouses: dict[str, Path]) -> None:
    """K-C7 is first seen, visits and orders on 2025-07-01, after batch 2's as-of date: no
    milestone, order day or stage yet; the next day's run (as-of date 2025-07-01, no new data)
    reaches them — incrementally, as a full rebuild does."""
    database = warehouses["after_batch_2"]
    [after_batch_2] = query(
        database,
        "select aware_on, engaged_on, first_order_on "
        "from incremental_result.int_customer_funnel_milestones where customer_key = 'K-C7'",
    )
    d = date
    assert after_batch_2 == (None, None, None)
    assert query(
        database,
        "select count(*) from incremental_result.int_customer_order_days "
        "where customer_key = 'K-C7'",
    ) == [(0,)]
    assert query(
        database,
        "select aware_on, engaged_on, first_order_on "
        "from next_day_result.int_customer_funnel_milestones where customer_key = 'K-C7'",
    ) == [(d(2025, 7, 1), d(2025, 7, 1), d(2025, 7, 1))]
    assert query(
        database,
        "select order_date, order_count from next_day_result.int_customer_order_days "
        "where customer_key = 'K-C7'",
    ) == [(d(2025, 7, 1), 1)]
    assert query(
        database,
        "select stage, valid_from, valid_to from next_day_result.fct_customer_stage_history "
        "where customer_key = 'K-C7'",
    ) == [("onboarding", d(2025, 7, 1), None)]
