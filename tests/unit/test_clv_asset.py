"""The marts.customer_clv Dagster asset on a temp warehouse with a hand-made marts.fct_orders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pandas as pd
import pytest

from orchestration.assets.clv import CLV_KEY, customer_clv
from orchestration.clv import simulate
from orchestration.clv.orders import OUTPUT_COLUMNS
from orchestration.resources import WarehouseResource

FCT_ORDERS_DDL = """
create schema if not exists marts;
create or replace table marts.fct_orders (
    order_id varchar primary key,
    customer_key varchar,
    account_id varchar,
    ordered_at timestamptz,
    status varchar,
    currency varchar,
    order_total decimal(12, 2),
    order_revenue_sek decimal(12, 2),
    is_open boolean,
    is_cancelled boolean
);
"""


def _orders(customers: int = 300) -> pd.DataFrame:
    history = simulate.simulate(customers, seed=11, observation_days=365, acquisition_days=60)
    frame = history.transactions.rename(columns={"amount": "order_revenue_sek"})
    frame["customer_key"] = "ck-" + frame["customer_id"].astype(str)
    frame["is_cancelled"] = False
    extra = pd.DataFrame(
        {
            "customer_key": ["ck-hand", "ck-hand", "ck-hand", "ck-gone", None],
            "ordered_at": pd.to_datetime(
                [
                    "2025-01-05 10:00",
                    "2025-01-05 15:00",
                    "2025-03-06 09:00",
                    "2025-02-01 12:00",
                    "2025-02-01 12:00",
                ],
                utc=True,
            ),
            "order_revenue_sek": [100.0, 20.0, 30.0, 0.0, 55.0],
            "is_cancelled": [False, False, False, True, False],
        }
    )
    frame = pd.concat([frame.drop(columns="customer_id"), extra], ignore_index=True)
    frame["order_id"] = [f"o{i}" for i in range(len(frame))]
    return frame


def _warehouse(path: Path, orders: pd.DataFrame) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(FCT_ORDERS_DDL)
        con.register("orders_frame", orders)
        con.execute(
            "insert into marts.fct_orders by name "
            "select order_id, customer_key, ordered_at, order_revenue_sek, is_cancelled, "
            "'delivered' as status, 'SEK' as currency, order_revenue_sek as order_total, "
            "false as is_open from orders_frame"
        )


def _materialize(path: Path, config: dict[str, Any] | None = None) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [customer_clv],
        resources={"duckdb": WarehouseResource(database=str(path))},
        run_config={"ops": {"marts__customer_clv": {"config": config or {}}}},
    )


def _table(path: Path) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select * from marts.customer_clv").df()


def _metadata(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    event = result.get_asset_materialization_events()[0]
    materialization = event.event_specific_data.materialization  # type: ignore[union-attr]
    return {name: value.value for name, value in materialization.metadata.items()}


def test_one_row_per_customer_with_orders_and_exclusions_counted(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    orders = _orders()
    _warehouse(path, orders)
    result = _materialize(path)
    assert result.success
    table = _table(path)
    used = orders[~orders["is_cancelled"] & orders["customer_key"].notna()]
    assert list(table.columns) == ["customer_key", *OUTPUT_COLUMNS]
    assert table["customer_key"].is_unique
    assert set(table["customer_key"]) == set(used["customer_key"])
    assert "ck-gone" not in set(table["customer_key"])

    hand = table.set_index("customer_key").loc["ck-hand"]
    assert (hand["frequency"], hand["recency_days"]) == (1, 60)
    assert hand["monetary_value_sek"] == pytest.approx(30.0)
    assert table["probability_alive"].between(0, 1).all()
    assert (table["churn_probability"] + table["probability_alive"]).round(12).eq(1).all()
    assert (table["predicted_clv_365d_sek"] >= 0).all()
    assert table["fitted_at"].nunique() == 1

    metadata = _metadata(result)
    assert metadata["model_status"] == "fitted"
    assert metadata["orders_read"] == len(orders)
    assert metadata["orders_cancelled_excluded"] == 1
    assert metadata["orders_without_customer_excluded"] == 1
    assert metadata["orders_used"] == len(used)
    assert metadata["customers"] == len(table)
    assert set(metadata["model"]["bgnbd"]) >= {"r", "alpha", "a", "b", "converged"}


def test_observation_end_config_backtests_and_counts_later_orders(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    orders = _orders(150)
    _warehouse(path, orders)
    result = _materialize(path, {"observation_end": "2025-06-30", "annual_discount_rate": 0.1})
    table = _table(path).set_index("customer_key")
    kept = orders[
        ~orders["is_cancelled"]
        & orders["customer_key"].notna()
        & (orders["ordered_at"] <= pd.Timestamp("2025-07-01", tz="UTC"))
    ]
    assert set(table.index) == set(kept["customer_key"])
    assert (
        table.loc["ck-hand", "tenure_days"]
        == (pd.Timestamp("2025-06-30") - pd.Timestamp("2025-01-05")).days
    )
    metadata = _metadata(result)
    assert metadata["orders_after_observation_end_excluded"] == len(
        orders[~orders["is_cancelled"] & orders["customer_key"].notna()]
    ) - len(kept)
    assert metadata["observation_end"].startswith("2025-06-30T23:59:59")


def test_empty_orders_write_an_empty_typed_table(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    _warehouse(path, _orders().head(0))
    result = _materialize(path)
    assert _metadata(result)["model_status"] == "not fitted: no orders"
    with duckdb.connect(str(path), read_only=True) as con:
        described = {
            row[0]: row[1] for row in con.execute("describe marts.customer_clv").fetchall()
        }
        assert con.execute("select count(*) from marts.customer_clv").fetchall() == [(0,)]
    assert described["customer_key"] == "VARCHAR"
    assert described["fitted_at"] == "TIMESTAMP WITH TIME ZONE"


def test_negative_revenue_fails_the_run_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    orders = _orders(50)
    orders.loc[0, "order_revenue_sek"] = -10.0
    _warehouse(path, orders)
    with pytest.raises(Exception, match="negative order_revenue_sek"):
        _materialize(path)


def test_asset_key_group_and_lineage() -> None:
    """Loading orchestration.definitions (dbt parse) is covered by tests/integration."""
    spec = next(iter(customer_clv.specs))
    assert spec.key == CLV_KEY
    assert spec.group_name == "core"
    assert [dep.asset_key for dep in spec.deps] == [dg.AssetKey(["marts", "fct_orders"])]


def test_missing_fct_orders_fails_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(dg.Failure, match=r"marts\.fct_orders does not exist"):
        _materialize(path)
