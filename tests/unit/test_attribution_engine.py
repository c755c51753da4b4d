"""Engine invariants on random paths and hand-made conversions: credits sum to 1, revenue sums,
no negative credit, absent channels get 0, identical output on permuted input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest

from orchestration.attribution import rules
from orchestration.attribution.engine import (
    MODELS,
    AttributionConfig,
    _ChannelTotals,
    attribute_paths,
    credit_touches,
    fit,
)
from orchestration.attribution.paths import (
    PathError,
    PathTable,
    collapse_repeats,
    drop_channels,
    first_occurrences,
    has_integral_counts,
    order_free,
    parse_paths,
    path_string_array,
    reorder,
)

CHANNELS = ["direct", "display", "email", "paid_search", "sms"]


def _random_paths(seed: int, n: int = 300):
    rng = np.random.default_rng(seed)
    paths = sorted(
        {" > ".join(rng.choice(CHANNELS[:4], size=int(rng.integers(1, 6)))) for _ in range(n)}
    )
    conversions = rng.integers(0, 5, len(paths)).astype(float)
    non_conversions = rng.integers(0, 20, len(paths)).astype(float)
    value = conversions * rng.uniform(50, 500, len(paths))
    return parse_paths(paths, conversions, non_conversions, value)


def test_path_level_invariants_for_every_model() -> None:
    table = _random_paths(1)
    result = attribute_paths(table).to_pandas()
    for model, rows in result.groupby("model"):
        assert rows["conversions"].sum() == pytest.approx(table.conversions.sum()), model
        assert rows["value"].sum() == pytest.approx(table.value.sum()), model
        assert (rows["conversions"] >= 0).all() and (rows["value"] >= 0).all(), model
        assert rows["share"].sum() == pytest.approx(1.0), model
        # a channel in the list that never occurs gets exactly nothing
        assert list(rows["channel"]) == list(table.channels)
    assert set(result["model"]) == set(MODELS)


def test_channel_never_on_a_path_gets_zero() -> None:
    table = parse_paths(["a > b", "b"], [2, 1], [3, 3], [20, 10])
    widened = type(table)(
        ("a", "b", "z"),
        table.offsets,
        table.codes,
        table.conversions,
        table.non_conversions,
        table.value,
    )
    result = attribute_paths(widened).to_pylist()
    assert {row["conversions"] for row in result if row["channel"] == "z"} == {0.0}


def test_permuted_input_gives_identical_output() -> None:
    table = _random_paths(2)
    permuted = reorder(table, np.random.default_rng(9).permutation(table.n_paths))
    config = AttributionConfig(markov_order=2)
    first = attribute_paths(table, config=config)
    second = attribute_paths(permuted, config=config)
    assert first.equals(second)


def test_drop_and_collapse_transforms() -> None:
    table = parse_paths(["a > a > b > a", "callcenter > a", "callcenter"], [1, 2, 3], [0, 0, 0])
    assert path_string_array(collapse_repeats(table)).to_pylist() == [
        "a > b > a",
        "callcenter > a",
        "callcenter",
    ]
    assert path_string_array(first_occurrences(table)).to_pylist() == [
        "a > b",
        "callcenter > a",
        "callcenter",
    ]
    dropped = drop_channels(table, ["callcenter"])
    assert dropped.channels == ("a", "b")
    assert path_string_array(dropped).to_pylist() == ["a > a > b > a", "a", ""]
    # the conversions of the emptied path stay unattributed, never silently credited
    result = attribute_paths(dropped, ["linear"]).to_pylist()
    assert sum(row["conversions"] for row in result) == pytest.approx(3.0)


T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _touches(rows: list[tuple]) -> pa.Table:
    """rows: (conversion_id, touchpoint_id, channel, days before conversion, revenue)."""
    return pa.table(
        {
            "conversion_id": [r[0] for r in rows],
            "touchpoint_id": [r[1] for r in rows],
            "channel": [r[2] for r in rows],
            "occurred_at": pa.array(
                [T0 - timedelta(days=r[3]) for r in rows], pa.timestamp("us", tz="UTC")
            ),
            "converted_at": pa.array([T0] * len(rows), pa.timestamp("us", tz="UTC")),
            "revenue": [r[4] for r in rows],
        }
    )


HAND_MADE = [
    ("o1", "t1", "email", 14.0, 100.0),
    ("o1", "t2", "paid_search", 7.0, 100.0),
    ("o1", "t3", "direct", 0.0, 100.0),
    ("o2", "t4", "sms", 2.0, 40.0),
    ("o3", "t6", "email", 1.0, 10.0),  # tie on time: touchpoint id decides the order
    ("o3", "t5", "display", 1.0, 10.0),
]


def _credits(table: pa.Table, model: str) -> dict[str, float]:
    rows = [row for row in table.to_pylist() if row["model"] == model]
    return {row["touchpoint_id"]: row["credit"] for row in rows}


def test_touch_level_rule_models_on_hand_made_conversions() -> None:
    result = credit_touches(_touches(HAND_MADE), config=AttributionConfig(half_life_days=7.0))
    assert _credits(result, "first_touch") == {"t1": 1, "t2": 0, "t3": 0, "t4": 1, "t5": 1, "t6": 0}
    assert _credits(result, "last_touch") == {"t1": 0, "t2": 0, "t3": 1, "t4": 1, "t5": 0, "t6": 1}
    assert _credits(result, "last_non_direct")["t2"] == 1.0
    decay = _credits(result, "time_decay")
    assert [decay["t1"], decay["t2"], decay["t3"]] == pytest.approx([1 / 7, 2 / 7, 4 / 7])
    assert decay["t5"] == decay["t6"] == 0.5
    position = _credits(result, "position_based")
    assert [position["t1"], position["t2"], position["t3"]] == pytest.approx([0.4, 0.2, 0.4])
    assert position["t4"] == 1.0


def test_touch_level_invariants_and_revenue() -> None:
    result = credit_touches(_touches(HAND_MADE)).to_pandas()
    sums = result.groupby(["model", "conversion_id"])[["credit", "revenue_credit"]].sum()
    assert np.allclose(sums["credit"], 1.0)
    revenue = {"o1": 100.0, "o2": 40.0, "o3": 10.0}
    expected = [revenue[conversion] for _, conversion in sums.index]
    assert np.allclose(sums["revenue_credit"], expected)
    assert (result["credit"] >= 0).all()
    assert len(result) == len(HAND_MADE) * len(MODELS)


def test_touch_level_is_deterministic_under_permutation() -> None:
    fit = _random_paths(4)
    rows = [
        (f"o{i // 3}", f"t{i:03d}", CHANNELS[i % 5], float(i % 4), 10.0 * (i // 3))
        for i in range(60)
    ]
    first = credit_touches(_touches(rows), fit)
    shuffled = [rows[i] for i in np.random.default_rng(1).permutation(len(rows))]
    second = credit_touches(_touches(shuffled), fit)
    assert first.equals(second)


def test_touch_level_markov_uses_the_fitted_removal_effects() -> None:
    fit = parse_paths(["email", "sms", "email > sms"], [6, 1, 2], [4, 9, 2])
    result = credit_touches(
        _touches([("o1", "a", "email", 2.0, 50.0), ("o1", "b", "sms", 1.0, 50.0)]), fit, ["markov"]
    )
    from orchestration.attribution.markov import build_chain, removal_effects

    effect = removal_effects(build_chain(fit, 1)).removal_effect
    credits = _credits(result, "markov")
    assert credits["a"] == pytest.approx(effect[0] / effect.sum())
    assert credits["b"] == pytest.approx(effect[1] / effect.sum())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"channel": [None, "sms"]}, "touch row 1: channel is missing"),
        ({"revenue": [5.0, -1.0]}, "touch row 2: revenue"),
        ({"revenue": [5.0, 6.0]}, "revenue differs"),
        (
            {"occurred_at": pa.array([T0 + timedelta(hours=1), T0], pa.timestamp("us", tz="UTC"))},
            "touch row 1: touch occurred",
        ),
    ],
)
def test_touch_level_bad_rows_are_named(change: dict, message: str) -> None:
    table = _touches([("o1", "a", "email", 2.0, 5.0), ("o1", "b", "sms", 1.0, 5.0)])
    for name, values in change.items():
        table = table.set_column(
            table.column_names.index(name),
            name,
            values if isinstance(values, pa.Array) else pa.array(values),
        )
    with pytest.raises(ValueError, match=message):
        credit_touches(table)


def test_unknown_model_and_bad_config_are_rejected() -> None:
    table = parse_paths(["a"], [1], [0])
    with pytest.raises(ValueError, match="unknown model"):
        attribute_paths(table, ["magic"])
    with pytest.raises(ValueError, match="half-life"):
        attribute_paths(table, config=AttributionConfig(half_life_touches=0))


def test_duplicate_path_rows_are_deterministic_and_add_up() -> None:
    paths = ["a > b", "b", "a > b", "a > b", "c > a"]
    table = parse_paths(paths, [1, 2, 3, 1, 1], [2, 2, 1, 0, 4], [10.5, 3.25, 7.0, 1.125, 2.0])
    merged = parse_paths(["a > b", "b", "c > a"], [5, 2, 1], [3, 2, 4], [18.625, 3.25, 2.0])
    permuted = reorder(table, np.array([3, 1, 4, 0, 2]))
    assert attribute_paths(table).equals(attribute_paths(permuted))
    got = attribute_paths(table).to_pandas()
    want = attribute_paths(merged).to_pandas()
    assert np.allclose(got["conversions"], want["conversions"], atol=1e-12)
    assert np.allclose(got["value"], want["value"], atol=1e-12)


def test_permuted_fractional_counts_give_identical_output() -> None:
    table = _random_paths(6)
    weighted = PathTable(
        table.channels,
        table.offsets,
        table.codes,
        table.conversions * 0.37,
        table.non_conversions * 1.1,
        table.value,
    )
    assert not has_integral_counts(weighted) and has_integral_counts(table)
    permuted = reorder(weighted, np.random.default_rng(3).permutation(weighted.n_paths))
    assert attribute_paths(weighted).equals(attribute_paths(permuted))


def test_channel_set_totals_equal_the_per_touch_split() -> None:
    """The per-channel-set shortcut of the Markov/Shapley totals gives what summing
    rules.by_channel_weight touch by touch gives, including sets that weigh 0 (last touch)."""
    table = _random_paths(7)
    path = table.path_index()
    for weights in (np.array([0.5, 0.0, 2.0, 0.25]), np.array([0.0, 0.0, 3.0, 0.0])):
        shares = rules.by_channel_weight(table.offsets, table.codes, weights)
        want_conversions = np.bincount(
            table.codes, weights=shares * table.conversions[path], minlength=4
        )
        want_value = np.bincount(table.codes, weights=shares * table.value[path], minlength=4)
        conversions, value = _ChannelTotals(table).by_channel_weight(weights)
        assert np.allclose(conversions, want_conversions, rtol=1e-12, atol=1e-9)
        assert np.allclose(value, want_value, rtol=1e-12, atol=1e-9)


def test_touch_credits_reuse_a_given_fit() -> None:
    fit_paths = _random_paths(8)
    rows = [
        (f"o{i // 3}", f"t{i:03d}", CHANNELS[i % 5], float(i % 4), 10.0 * (i // 3))
        for i in range(30)
    ]
    fitted = fit(order_free(fit_paths), MODELS, AttributionConfig())
    reused = credit_touches(_touches(rows), fit_paths, fitted=fitted)
    assert reused.equals(credit_touches(_touches(rows), fit_paths))


def test_two_thread_parse_equals_the_serial_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    import orchestration.attribution.paths as paths_module

    strings = ["b > a", " sms >a ", "a", "c > c > sms", "a > b", "email"]
    counts = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    serial = parse_paths(strings, counts, counts)
    monkeypatch.setattr(paths_module, "_PARALLEL_ROWS", 2)
    threaded = parse_paths(strings, counts, counts)
    assert threaded.channels == serial.channels == ("a", "b", "c", "email", "sms")
    assert np.array_equal(threaded.codes, serial.codes)
    assert np.array_equal(threaded.offsets, serial.offsets)
    with pytest.raises(PathError, match="row 5: empty channel name"):
        parse_paths([*strings[:4], "a > > b"], counts[:5], counts[:5])
