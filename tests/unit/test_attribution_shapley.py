"""Shapley values: exact enumeration on hand-made games, and the closed form of the conversions
game checked against it."""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pytest

from orchestration.attribution.engine import attribute_paths
from orchestration.attribution.paths import parse_paths
from orchestration.attribution.shapley import (
    channel_exposure,
    channel_sets,
    coalition_worth,
    shapley_values,
    simplified_shapley,
)


def _by_orderings(worth: np.ndarray, n: int) -> np.ndarray:
    """Textbook definition: average marginal contribution over all n! orderings."""
    values = np.zeros(n)
    orders = list(permutations(range(n)))
    for order in orders:
        mask = 0
        for player in order:
            values[player] += worth[mask | (1 << player)] - worth[mask]
            mask |= 1 << player
    return values / len(orders)


def test_glove_game() -> None:
    """Player 0 holds a left glove, players 1 and 2 right gloves; a pair is worth 1."""
    worth = np.zeros(8)
    for mask in range(8):
        worth[mask] = 1.0 if mask & 1 and mask & 6 else 0.0
    assert shapley_values(worth) == pytest.approx([2 / 3, 1 / 6, 1 / 6])


def test_unanimity_and_additive_games() -> None:
    unanimity = np.zeros(8)
    unanimity[0b011] = unanimity[0b111] = 6.0  # players 0 and 1 together earn 6
    assert shapley_values(unanimity) == pytest.approx([3.0, 3.0, 0.0])
    additive = np.array(
        [sum(w for i, w in enumerate([1.0, 2.0, 4.0]) if mask >> i & 1) for mask in range(8)]
    )
    assert shapley_values(additive) == pytest.approx([1.0, 2.0, 4.0])


def test_exact_values_match_orderings_on_random_game() -> None:
    rng = np.random.default_rng(3)
    worth = rng.normal(size=32)
    worth[0] = 0.0
    values = shapley_values(worth)
    assert values == pytest.approx(_by_orderings(worth, 5), abs=1e-12)
    assert values.sum() == pytest.approx(worth[-1])  # efficiency


PATHS = ["a > b", "b > a > b", "c", "a > c > d", "d > d", "b", "a > b > c > d"]
CONVERSIONS = [3, 2, 1, 4, 0, 5, 2]
NON_CONVERSIONS = [5, 2, 8, 1, 9, 3, 3]


def test_closed_form_equals_enumeration_of_conversions_game() -> None:
    table = parse_paths(PATHS, CONVERSIONS, NON_CONVERSIONS)
    worth = coalition_worth(table, "conversions")
    assert worth[(1 << len(table.channels)) - 1] == sum(CONVERSIONS)
    assert simplified_shapley(table) == pytest.approx(shapley_values(worth), abs=1e-12)
    # a: 3/2 + 2/2 + 4/3 + 2/4; channels as (a, b, c, d)
    assert simplified_shapley(table) == pytest.approx(
        [1.5 + 1 + 4 / 3 + 0.5, 1.5 + 1 + 5 + 0.5, 1 + 4 / 3 + 0.5, 4 / 3 + 0.5]
    )


def test_engine_shapley_splits_by_conversion_rate_game_values() -> None:
    """Worths: {a} = 1/4, {b} = 0, {a, b} = 4/12, so φ_a = (1/4 + 1/3)/2 = 7/24 and
    φ_b = (0 + 1/12)/2 = 1/24: the conversions on `a > b` split 7 : 1."""
    table = parse_paths(["a", "a > b", "b"], [1, 3, 0], [3, 1, 4])
    rows = {r["channel"]: r["conversions"] for r in attribute_paths(table, ["shapley"]).to_pylist()}
    assert rows["a"] == pytest.approx(1 + 3 * 7 / 8, abs=1e-12)
    assert rows["b"] == pytest.approx(3 * 1 / 8, abs=1e-12)


def test_engine_shapley_never_credits_a_channel_with_negative_value() -> None:
    """b lowers the conversion rate wherever it appears: its Shapley value is negative, so it
    gets nothing and a carries its paths; a path of b alone falls back to last touch."""
    table = parse_paths(["a", "a > b", "b"], [6, 1, 1], [4, 9, 9])
    assert shapley_values(coalition_worth(table, "conversion_rate"))[1] < 0
    rows = {r["channel"]: r["conversions"] for r in attribute_paths(table, ["shapley"]).to_pylist()}
    assert rows == pytest.approx({"a": 7.0, "b": 1.0})


def test_engine_shapley_above_exact_limit_uses_conversions_game() -> None:
    names = [f"c{i:02d}" for i in range(21)]
    table = parse_paths([" > ".join(names[:3]), names[20]], [3, 1], [1, 1])
    rows = {r["channel"]: r["conversions"] for r in attribute_paths(table, ["shapley"]).to_pylist()}
    assert [rows[name] for name in names[:3]] == pytest.approx([1.0, 1.0, 1.0])
    assert rows[names[20]] == 1.0


def test_conversion_rate_game_worths() -> None:
    table = parse_paths(["a", "a > b", "b"], [1, 3, 0], [3, 1, 4])
    worth = coalition_worth(table, "conversion_rate")
    assert worth.tolist() == pytest.approx([0.0, 0.25, 0.0, 4 / 12])
    assert shapley_values(worth).sum() == pytest.approx(4 / 12)


def test_channel_sets_are_bit_masks() -> None:
    table = parse_paths(["b > a > b", "c", "a"], [1, 1, 1], [0, 0, 0])
    assert channel_sets(table).tolist() == [0b011, 0b100, 0b001]


def test_too_many_channels_for_enumeration_is_a_clear_error() -> None:
    names = [f"c{i:02d}" for i in range(21)]
    table = parse_paths([" > ".join(names)], [1], [0])
    with pytest.raises(ValueError, match="at most 20 channels"):
        coalition_worth(table)
    assert simplified_shapley(table) == pytest.approx([1 / 21] * 21)


def test_incremental_conversions_are_value_times_exposure() -> None:
    """Conversion-rate game by hand: v(a) = 0.2, v(b) = 0.1, v(ab) = 6/30 = 0.2, so
    φ_a = (0.2 + 0.1) / 2 = 0.15 and φ_b = (0.1 + 0.0) / 2 = 0.05; 20 journeys see each channel."""
    table = parse_paths(["a", "b", "a > b"], [2, 1, 3], [8, 9, 7])
    assert np.allclose(channel_exposure(table), [20.0, 20.0])
    rows = attribute_paths(table, ["shapley", "markov", "linear"]).to_pylist()
    shapley = {r["channel"]: r["incremental_conversions"] for r in rows if r["model"] == "shapley"}
    assert shapley == pytest.approx({"a": 3.0, "b": 1.0})
    markov = [r for r in rows if r["model"] == "markov"]
    for row in markov:
        assert row["incremental_conversions"] == pytest.approx(row["removal_effect"] * 6.0)
    assert {r["incremental_conversions"] for r in rows if r["model"] == "linear"} == {None}
