"""FEBRL accuracy through the identity entry point (Splink path): F1 >= 0.99."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from orchestration.cli import main
from orchestration.identity.evaluation import pairwise_scores
from orchestration.identity.febrl import febrl_truth, read_febrl
from orchestration.identity.resolve import resolve_identities

pytestmark = pytest.mark.benchdata


def test_febrl_dataset3_dedupe_through_cli(benchmark_data: Path, tmp_path: Path) -> None:
    records = read_febrl(benchmark_data / "febrl" / "dataset3.csv", "febrl")
    source, output = tmp_path / "dataset3.parquet", tmp_path / "map.parquet"
    records.to_parquet(source)
    assert main(["identity", "--input", str(source), "--output", str(output)]) == 0
    scores = pairwise_scores(pd.read_parquet(output), febrl_truth(records))
    assert scores["records_scored"] == 5000
    assert scores["f1"] >= 0.99, scores
    assert scores["precision"] >= 0.99, scores


def test_febrl_dataset4_link(benchmark_data: Path) -> None:
    records = pd.concat([
        read_febrl(benchmark_data / "febrl" / "dataset4a.csv", "febrl_a"),
        read_febrl(benchmark_data / "febrl" / "dataset4b.csv", "febrl_b"),
    ], ignore_index=True)
    result = resolve_identities(records)
    scores = pairwise_scores(result.identity_map, febrl_truth(records))
    assert scores["true_pairs"] == 5000  # each of 5 000 people once in 4a, once in 4b
    assert scores["f1"] >= 0.99, scores
    assert result.stats["probabilistic"] == "splink"
    assert result.identity_map.match_rule.isin(["probabilistic", "singleton"]).all()
