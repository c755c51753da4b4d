"""Accuracy scoring against truth, and the benchmark's seeded synthetic paths with known truth."""

from __future__ import annotations

import math

import numpy as np
import pyarrow.compute as pc
import pytest

from orchestration.attribution.engine import attribute_paths
from orchestration.attribution.evaluation import share_accuracy
from orchestration.attribution.paths import parse_paths
from orchestration.benchmarks.attribution import synthetic_paths


def test_share_accuracy_on_hand_made_values() -> None:
    truth = {"a": 60.0, "b": 30.0, "c": 10.0}
    assert share_accuracy(truth, truth) == {
        "rank_correlation": 1.0,
        "share_abs_error": 0.0,
        "other_share": 0.0,
    }
    reversed_ranks = share_accuracy({"a": 10.0, "b": 30.0, "c": 60.0}, truth)
    assert reversed_ranks["rank_correlation"] == -1.0
    assert reversed_ranks["share_abs_error"] == pytest.approx(1.0)
    # channels without truth (direct, organic) are left out of the shares and reported apart
    with_direct = share_accuracy({"a": 6.0, "b": 3.0, "c": 1.0, "direct": 10.0}, truth)
    assert with_direct["share_abs_error"] == 0.0
    assert with_direct["other_share"] == 0.5
    # a channel the model never credits counts as 0; negative truth counts as 0
    partial = share_accuracy({"a": 1.0}, {"a": 1.0, "z": -5.0})
    assert partial["share_abs_error"] == 0.0
    assert math.isnan(share_accuracy({"a": 1.0}, {"a": 2.0})["rank_correlation"])


def test_synthetic_paths_are_distinct_seeded_and_carry_truth() -> None:
    data, truth = synthetic_paths(3000, seed=5)
    again, _ = synthetic_paths(3000, seed=5)
    assert data.equals(again)
    assert data.num_rows == 3000
    assert len(pc.unique(data["path"])) == 3000
    assert all(value >= 0 for value in truth.values())
    table = parse_paths(
        data["path"],
        data["conversions"].to_numpy(),
        data["non_conversions"].to_numpy(),
        data["value"].to_numpy(),
    )
    assert set(truth) == set(table.channels)
    result = attribute_paths(table, ["markov", "last_touch"]).to_pylist()
    total = sum(r["conversions"] for r in result if r["model"] == "markov")
    assert total == pytest.approx(float(np.sum(data["conversions"].to_numpy())))


def test_score_warehouse_reads_paths_and_truth(tmp_path) -> None:
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from orchestration.attribution.evaluation import compare_with_truth, find_truth_inputs

    truth_dir = tmp_path / "landing" / "_truth"
    truth_dir.mkdir(parents=True)
    pq.write_table(
        pa.table({"channel": ["email", "sms"], "true_incremental_conversions": [3, 1]}),
        truth_dir / "channel_effects.parquet",
    )
    (tmp_path / "other.duckdb").touch()  # not a warehouse: skipped
    database = tmp_path / "warehouse.duckdb"
    rows = [  # path_id, is_converting, channel, touch_number
        ("conversion:1", True, "email", 1),
        ("conversion:2", True, "email", 1),
        ("conversion:3", True, "sms", 1),
        ("conversion:3", True, "email", 2),
        ("conversion:4", True, "sms", 1),
        ("open:c1:1", False, "sms", 1),
        ("open:c2:1", False, "direct", 1),
    ]
    with duckdb.connect(str(database)) as con:
        con.execute("create schema intermediate")
        con.execute(
            "create table intermediate.int_conversion_paths (path_id varchar, "
            "is_converting boolean, channel varchar, touch_number integer)"
        )
        con.executemany("insert into intermediate.int_conversion_paths values (?, ?, ?, ?)", rows)
    assert find_truth_inputs(tmp_path) == (database, truth_dir / "channel_effects.parquet")
    scores = compare_with_truth(tmp_path)
    assert scores is not None
    assert scores["path_rows"] == 4  # distinct: email, sms > email, sms, direct
    assert scores["conversions"] == 4.0 and scores["non_converting_journeys"] == 2.0
    # last touch: email 3, sms 1 = the true split
    assert scores["last_touch"]["share_abs_error"] == 0.0
    assert scores["truth_channels_only"]["first_touch"]["share_abs_error"] == pytest.approx(0.5)
    assert scores["best_data_driven"]["model"] in {"markov", "shapley", "fractribution"}
    assert set(scores["incremental"]) == {"markov", "shapley"}
    assert scores["incremental"]["markov"]["estimated_over_true_total"] > 0
    assert find_truth_inputs(tmp_path / "landing") is None


def test_bench_pipeline_part_needs_a_warehouse_with_the_marts(tmp_path) -> None:
    import duckdb

    from orchestration.benchmarks.attribution import _pipeline

    assert _pipeline(tmp_path) is None
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_orders (order_id varchar)")
    assert _pipeline(tmp_path) is None  # fct_touchpoints missing: nothing to time
