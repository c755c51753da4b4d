"""Fractribution against Google's expected fits on its example path summary (benchmark data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orchestration.attribution.engine import AttributionConfig, attribute_paths
from orchestration.attribution.fractribution import fractribution_shares
from orchestration.attribution.paths import parse_paths

LETTERS = list("abcdefghijk")


def _summary(folder: Path):
    summary = pd.read_csv(folder / "example_path_summary.csv")
    table = parse_paths(
        summary["path"].tolist(),
        summary["total_conversions"].to_numpy(),
        summary["total_non_conversions"].to_numpy(),
    )
    return summary, table


@pytest.mark.benchdata
@pytest.mark.parametrize("transform", ["unique", "exposure", "first", "frequency"])
def test_per_path_fractions_match_expected_fit(benchmark_data: Path, transform: str) -> None:
    folder = benchmark_data / "fractribution_google"
    summary, table = _summary(folder)
    shares = fractribution_shares(table, transform)
    per_path: dict[str, dict[str, float]] = {}
    for i, path in enumerate(summary["path"]):
        fractions: dict[str, float] = {}
        for j in range(table.offsets[i], table.offsets[i + 1]):
            channel = table.channels[table.codes[j]].lower()
            fractions[channel] = fractions.get(channel, 0.0) + shares[j]
        per_path[path] = fractions
    customers = pd.read_csv(folder / "customers.csv")
    expected = pd.read_csv(folder / f"expected_{transform}_fit.csv")
    merged = customers.merge(expected[["customer_id", *LETTERS]], on="customer_id")
    assert len(merged) == len(customers) == int(summary["total_conversions"].sum())
    got = np.array([[per_path[p].get(c, 0.0) for c in LETTERS] for p in merged["path"]])
    assert np.abs(got - merged[LETTERS].to_numpy()).max() < 1e-9


@pytest.mark.benchdata
def test_engine_channel_totals_equal_summed_expected_fit(benchmark_data: Path) -> None:
    folder = benchmark_data / "fractribution_google"
    _, table = _summary(folder)
    config = AttributionConfig(fractribution_transform="frequency")
    result = attribute_paths(table, ["fractribution", "markov", "shapley"], config).to_pandas()
    expected = pd.read_csv(folder / "expected_frequency_fit.csv")[LETTERS].sum()
    got = result[result["model"] == "fractribution"].set_index("channel")["conversions"]
    for channel, value in got.items():
        assert value == pytest.approx(expected[channel.lower()], abs=1e-8)
    for _, rows in result.groupby("model"):
        assert rows["conversions"].sum() == pytest.approx(table.conversions.sum())
        assert (rows["conversions"] >= 0).all()


def _reference(paths: list[tuple[str, ...]], rate: dict[tuple[str, ...], float]) -> list[dict]:
    """Plain leave-one-out on untransformed paths, per channel, straight from the definition."""
    result = []
    for path in paths:
        if len(path) == 1:
            result.append({path[0]: 1.0})
            continue
        own = rate.get(path, 0.0)
        parts = [max(0.0, own - rate.get(path[:i] + path[i + 1 :], 0.0)) for i in range(len(path))]
        total = sum(parts)
        shares = [p / total for p in parts] if total > 0 else [0.0] * (len(path) - 1) + [1.0]
        credit: dict[str, float] = {}
        for channel, share in zip(path, shares, strict=True):
            credit[channel] = credit.get(channel, 0.0) + share
        result.append(credit)
    return result


def test_fit_on_one_table_applied_to_another_matches_definition() -> None:
    rng = np.random.default_rng(11)
    fit_paths = sorted(
        {tuple(rng.choice(list("abcd"), size=int(rng.integers(1, 5)))) for _ in range(80)}
    )
    conversions = rng.integers(0, 6, len(fit_paths))
    non_conversions = rng.integers(0, 9, len(fit_paths))
    rate = {
        p: (c / (c + n) if c + n else 0.0)
        for p, c, n in zip(fit_paths, conversions, non_conversions, strict=True)
    }
    targets = [("a", "b", "a"), ("d",), ("c", "a"), ("b", "c", "d", "a"), ("a", "a")]
    fit = parse_paths([" > ".join(p) for p in fit_paths], conversions, non_conversions)
    table = parse_paths([" > ".join(p) for p in targets], [1] * 5, [0] * 5)
    table = type(table)(
        fit.channels,
        table.offsets,
        np.array([fit.channels.index(table.channels[c]) for c in table.codes]),
        table.conversions,
        table.non_conversions,
        table.value,
    )
    shares = fractribution_shares(table, "unique", fit)
    for i, expected in enumerate(_reference(targets, rate)):
        got: dict[str, float] = {}
        for j in range(table.offsets[i], table.offsets[i + 1]):
            name = fit.channels[table.codes[j]]
            got[name] = got.get(name, 0.0) + shares[j]
        assert got == pytest.approx(expected, abs=1e-12), targets[i]
