"""Attribution on the hand-made customer scenario (tests/dbt/marts_builder.py), end to end:
dbt builds int_conversion_paths (running its unit tests: lookback edges, ties, resets,
conversion definitions, drop/collapse), the Python step writes marts.fct_attribution_credits,
and dbt builds attribution_summary and attribution_model_comparison (with their unit test).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from orchestration.attribution.engine import MODELS
from orchestration.attribution.warehouse import CREDITS_SCHEMA, attribute_warehouse
from tests.dbt.marts_builder import UPSTREAM_TESTS, create_warehouse, query, run_dbt

MARTS = ["attribution_summary", "attribution_model_comparison", "int_attribution_rule_credits"]
# the customer-360 part's own tests do not gate this build
CORE_TESTS = [f"path:models/marts/core,resource_type:{kind}" for kind in ("test", "unit_test")]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("attribution")
    database = work / "warehouse.duckdb"
    create_warehouse(database)
    with duckdb.connect(str(database)) as con:
        columns = ", ".join(f"{field.name} {_sql_type(field.type)}" for field in CREDITS_SCHEMA)
        con.execute(f"create table marts.fct_attribution_credits ({columns})")
    # one build: paths with their data and unit tests, the marts' unit test on empty credits
    run_dbt(database, work, "build", "--select", *[f"+{mart}" for mart in MARTS],
            "--exclude", *UPSTREAM_TESTS, *CORE_TESTS)  # fmt: skip
    with duckdb.connect(str(database)) as con:
        attribute_warehouse(con)
    run_dbt(database, work, "build", "--select", *MARTS, "--exclude", "resource_type:unit_test")
    yield database


def _sql_type(arrow_type: object) -> str:
    return "double" if str(arrow_type) == "double" else "varchar"


def test_scenario_has_converting_and_non_converting_paths(warehouse: Path) -> None:
    rows = dict(
        query(
            warehouse,
            "select is_converting, count(distinct path_id) "
            "from intermediate.int_conversion_paths group by 1",
        )
    )
    assert rows.get(True, 0) > 0
    assert rows.get(False, 0) > 0


def test_every_conversion_gets_credits_summing_to_one_and_its_revenue(warehouse: Path) -> None:
    rows = query(
        warehouse,
        """
        with conversions as (
            select distinct conversion_id, cast(conversion_revenue_sek as double) as revenue
            from intermediate.int_conversion_paths
            where is_converting
        )
        select
            conversions.conversion_id,
            credits.model,
            sum(credits.credit),
            sum(credits.revenue_credit),
            min(credits.credit),
            any_value(conversions.revenue)
        from conversions
        left join marts.fct_attribution_credits as credits
            on conversions.conversion_id = credits.conversion_id
        group by 1, 2
        """,
    )
    conversions = {row[0] for row in rows}
    assert len(rows) == len(conversions) * len(MODELS)
    for _, model, credit, revenue_credit, smallest, revenue in rows:
        assert credit == pytest.approx(1.0), model
        assert revenue_credit == pytest.approx(revenue), model
        assert smallest >= 0.0


def test_summary_and_comparison_add_up_to_the_credits(warehouse: Path) -> None:
    credits = dict(
        query(warehouse, "select model, sum(credit) from marts.fct_attribution_credits group by 1")
    )
    summary = dict(
        query(
            warehouse,
            "select model, sum(attributed_conversions) from marts.attribution_summary group by 1",
        )
    )
    shares = dict(
        query(
            warehouse,
            "select model, sum(conversion_share) "
            "from marts.attribution_model_comparison group by 1",
        )
    )
    assert set(credits) == set(summary) == set(shares) == set(MODELS)
    for model in MODELS:
        assert summary[model] == pytest.approx(credits[model])
        assert shares[model] == pytest.approx(1.0)


def test_sql_rule_models_equal_the_python_engine(warehouse: Path) -> None:
    rows = query(
        warehouse,
        """
        select
            count(*),
            count(python.credit),
            max(abs(sql_credits.credit - python.credit)),
            max(abs(sql_credits.revenue_credit - python.revenue_credit))
        from intermediate.int_attribution_rule_credits as sql_credits
        left join marts.fct_attribution_credits as python
            on
                sql_credits.conversion_id = python.conversion_id
                and sql_credits.touchpoint_id = python.touchpoint_id
                and sql_credits.model = python.model
        """,
    )
    total, matched, credit_difference, revenue_difference = rows[0]
    python_rule_rows = query(
        warehouse,
        "select count(*) from marts.fct_attribution_credits where model in ('first_touch', "
        "'last_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based')",
    )[0][0]
    assert total == matched == python_rule_rows > 0
    assert credit_difference < 1e-9
    assert revenue_difference < 1e-6
