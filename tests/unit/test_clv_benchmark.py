"""Bench stage `clv` on tiny data: every measurement runs and reports against the truth."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.benchmarks import clv as bench
from orchestration.clv import simulate


def _landing(root: Path) -> pd.DataFrame:
    """Simulator-shaped landing: versioned web-shop orders, person_of_record, future_value."""
    history = simulate.simulate(
        400, seed=5, observation_days=300, acquisition_days=60, start="2026-01-04"
    )
    orders = history.transactions.reset_index(drop=True)
    orders["order_id"] = [f"o{i}" for i in range(len(orders))]
    orders["account_id"] = "acc-" + orders["customer_id"].astype(str)
    orders["currency"] = np.where(orders["customer_id"] % 2 == 0, "SEK", "EUR")
    orders["order_total"] = np.where(
        orders["currency"] == "SEK", orders["amount"], orders["amount"] / 11.5
    ).round(2)
    orders["status"] = "placed"
    orders["updated_at"] = orders["ordered_at"]
    # a second, later version cancels the first order
    cancel = orders.iloc[[0]].assign(
        status="cancelled", updated_at=orders["ordered_at"].iloc[0] + pd.Timedelta(days=1)
    )
    files = pd.concat([orders, cancel], ignore_index=True)
    folder = root / "webshop" / "orders"
    folder.mkdir(parents=True)
    columns = ["order_id", "account_id", "status", "currency", "ordered_at", "updated_at"]
    table = pa.Table.from_pandas(files[columns], preserve_index=False).append_column(
        "order_total",
        pa.array([Decimal(f"{value:.2f}") for value in files["order_total"]], pa.decimal128(12, 2)),
    )
    pq.write_table(table, folder / "2026-10-31.parquet")
    truth = root / "_truth"
    truth.mkdir()
    people = pd.DataFrame({"person_id": [f"p{i}" for i in range(400)]})
    records = people.assign(
        source_system="webshop", source_record_id=[f"acc-{i}" for i in range(400)]
    )
    pq.write_table(
        pa.Table.from_pandas(records, preserve_index=False), truth / "person_of_record.parquet"
    )
    future = history.future.reset_index().assign(
        person_id=lambda f: "p" + f["customer_id"].astype(str)
    )
    future = future.rename(columns={"future_purchases": "future_orders"})
    pq.write_table(
        pa.Table.from_pandas(
            future[["person_id", "future_orders", "future_revenue"]], preserve_index=False
        ),
        truth / "future_value.parquet",
    )
    return orders


def test_synthetic_measurement_reports_parameters_and_deciles() -> None:
    figures = bench._synthetic(3000)
    assert figures["customers"] == 3000
    assert set(figures["parameters"]) == {"r", "alpha", "a", "b", "p", "q", "v"}
    deciles = figures["purchases_by_decile"]
    assert len(deciles) == 10 and sum(row["customers"] for row in deciles) == 3000
    assert deciles[0]["actual_mean"] > deciles[-1]["actual_mean"]
    assert figures["purchases_next_365d"]["actual_total"] == sum(
        row["actual_total"] for row in deciles
    )


def test_missing_inputs_are_reported_as_skipped(tmp_path: Path) -> None:
    report: dict = {}
    bench.run(300, tmp_path, report)
    assert "no simulator web-shop orders" in report["simulator_true_identity"]["skipped"]
    assert "future_value" in report["pipeline"]["skipped"]


def test_truth_and_pipeline_measurements_on_hand_made_files(tmp_path: Path) -> None:
    orders = _landing(tmp_path / "landing")
    true_identity = bench._simulator_true_identity(tmp_path / "landing")
    assert true_identity["model_status"] == "fitted"
    assert true_identity["orders_without_true_person"] == 0
    assert true_identity["orders_used"] == len(orders) - 1  # the cancelled order
    assert sum(row["customers"] for row in true_identity["purchases_by_decile"]) == 400

    # a warehouse whose identity resolution merged persons p0 and p1 into one key
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("create schema marts")
        keyed = orders.assign(
            customer_key=np.where(
                orders["customer_id"] == 1, "k0", "k" + orders["customer_id"].astype(str)
            ),
            order_revenue_sek=orders["amount"],
            is_cancelled=False,
        )
        con.register("keyed", keyed)
        con.execute(
            "create table marts.fct_orders as "
            "select order_id, customer_key, ordered_at, order_revenue_sek, is_cancelled from keyed"
        )
        identity = pd.DataFrame(
            {
                "source_system": "webshop",
                "source_record_id": [f"acc-{i}" for i in range(400)],
                "customer_key": ["k0" if i == 1 else f"k{i}" for i in range(400)],
            }
        )
        con.register("identity", identity)
        con.execute("create table marts.customer_identity_map as select * from identity")
    pipeline = bench._pipeline(tmp_path, tmp_path / "landing")
    assert pipeline["customers_scored"] == 399
    assert pipeline["customer_keys_in_identity_map"] == 399
    assert pipeline["share_of_keys_with_one_true_person"] == round(398 / 399, 4)
    assert pipeline["scored_keys_without_true_person"] == 0
    assert pipeline["persons_compared"] == 399
