"""Rule-based models on hand-made paths: exact shares, ties, single-touch paths, configuration."""

from __future__ import annotations

import numpy as np
import pytest

from orchestration.attribution import rules
from orchestration.attribution.engine import AttributionConfig, attribute_paths, touch_shares
from orchestration.attribution.paths import parse_paths


def _offsets(*lengths: int) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)


def test_first_and_last_touch() -> None:
    offsets = _offsets(3, 1, 2)
    assert rules.first_touch(offsets).tolist() == [1, 0, 0, 1, 1, 0]
    assert rules.last_touch(offsets).tolist() == [0, 0, 1, 1, 0, 1]


def test_empty_paths_get_no_touches_and_do_not_shift_others() -> None:
    offsets = _offsets(2, 0, 1)
    assert rules.first_touch(offsets).tolist() == [1, 0, 1]
    assert rules.last_touch(offsets).tolist() == [0, 1, 1]
    assert rules.last_non_direct(offsets, np.array([False, True, True])).tolist() == [1, 0, 1]


def test_last_non_direct_skips_direct_and_falls_back_to_last_touch() -> None:
    offsets = _offsets(4, 2, 1)
    #                   email  direct  sms   direct | direct direct | direct
    direct = np.array([False, True, False, True, True, True, True])
    assert rules.last_non_direct(offsets, direct).tolist() == [0, 0, 1, 0, 0, 1, 1]


def test_linear_splits_equally() -> None:
    shares = rules.linear(_offsets(4, 1))
    assert shares.tolist() == [0.25, 0.25, 0.25, 0.25, 1.0]


def test_time_decay_halves_per_half_life_and_splits_ties_equally() -> None:
    offsets = _offsets(3, 2, 1)
    ages = np.array([14.0, 7.0, 0.0, 3.0, 3.0, 40.0])
    shares = rules.time_decay(offsets, ages, half_life=7.0)
    assert shares[:3] == pytest.approx([0.25 / 1.75, 0.5 / 1.75, 1 / 1.75], abs=1e-15)
    assert shares[3:].tolist() == [0.5, 0.5, 1.0]


def test_time_decay_far_past_touches_do_not_underflow() -> None:
    shares = rules.time_decay(_offsets(2), np.array([50_000.0, 49_993.0]), half_life=7.0)
    assert shares == pytest.approx([1 / 3, 2 / 3])


def test_time_decay_rejects_touch_after_conversion() -> None:
    with pytest.raises(ValueError, match="after conversion"):
        rules.time_decay(_offsets(2), np.array([1.0, -0.5]), half_life=7.0)


def test_position_based_40_20_40() -> None:
    shares = rules.position_based(_offsets(5, 3, 2, 1))
    assert shares[:5] == pytest.approx([0.4, 0.2 / 3, 0.2 / 3, 0.2 / 3, 0.4])
    assert shares[5:8] == pytest.approx([0.4, 0.2, 0.4])
    assert shares[8:10] == pytest.approx([0.5, 0.5])
    assert shares[10] == 1.0


def test_position_based_configurable_weights() -> None:
    shares = rules.position_based(_offsets(4, 2), first=0.3, last=0.5)
    assert shares[:4] == pytest.approx([0.3, 0.1, 0.1, 0.5])
    assert shares[4:] == pytest.approx([0.375, 0.625])
    with pytest.raises(ValueError, match="first \\+ last"):
        rules.position_based(_offsets(3), first=0.7, last=0.5)


def test_by_channel_weight_splits_by_weight_then_by_touches() -> None:
    offsets = _offsets(3, 2)
    codes = np.array([0, 1, 0, 2, 2])
    shares = rules.by_channel_weight(offsets, codes, np.array([0.6, 0.2, 0.0]))
    # path 1: a gets 0.6/0.8 split over its two touches, b 0.2/0.8
    assert shares[:3] == pytest.approx([0.375, 0.25, 0.375])
    # path 2: only channel c, weight 0 → falls back to last touch
    assert shares[3:].tolist() == [0.0, 1.0]


@pytest.mark.parametrize(
    "model",
    [
        "first_touch",
        "last_touch",
        "last_non_direct",
        "linear",
        "time_decay",
        "position_based",
        "markov",
        "shapley",
        "fractribution",
    ],
)
def test_single_touch_paths_get_full_credit_in_every_model(model: str) -> None:
    paths = parse_paths(["a", "b", "direct", "a > b"], [3, 1, 2, 1], [4, 5, 6, 2], [30, 10, 20, 5])
    result = {
        row["channel"]: row["conversions"] for row in attribute_paths(paths, [model]).to_pylist()
    }
    ab = {"a": result["a"] - 3, "b": result["b"] - 1}
    assert result["direct"] == pytest.approx(2.0)
    assert ab["a"] + ab["b"] == pytest.approx(1.0)
    assert min(ab.values()) >= -1e-12


def test_path_level_time_decay_counts_touches() -> None:
    paths = parse_paths(["a > b > c"], [1], [0])
    config = AttributionConfig(half_life_touches=1.0)
    shares = touch_shares("time_decay", paths, config)
    assert shares == pytest.approx([1 / 7, 2 / 7, 4 / 7])
