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
