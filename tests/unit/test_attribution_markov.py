"""Markov removal effects against the analytic definition, computed independently in the test.

RE_k = (P(conv) − P(conv | k removed)) / P(conv). The reference builds the chain from the path
list in plain Python and gets P(conv) (a) exactly, with fractions, by enumerating every walk of
an acyclic chain, and (b) by value iteration to convergence on chains with cycles — neither
shares code with the module's sparse linear solve.
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import numpy as np
import pytest

from orchestration.attribution import markov
from orchestration.attribution.engine import attribute_paths
from orchestration.attribution.markov import build_chain, markov_credits, removal_effects
from orchestration.attribution.paths import parse_paths

Path = tuple[tuple[str, ...], int, int]  # (channels, conversions, non-conversions)


def _chain(paths: list[Path], order: int) -> tuple[dict, dict]:
    """Transition counts among states (last `order` channels, shorter at the start) and the
    absorbing states "conv" / "null"; "start" is the initial state."""
    counts: dict[object, dict[object, int]] = defaultdict(lambda: defaultdict(int))
    for channels, conv, non in paths:
        if not channels or conv + non == 0:
            continue
        states = [tuple(channels[max(0, i + 1 - order) : i + 1]) for i in range(len(channels))]
        previous: object = "start"
        for state in states:
            counts[previous][state] += conv + non
            previous = state
        counts[previous]["conv"] += conv
        counts[previous]["null"] += non
    return counts, {}


def _removed(state: object, channel: str | None) -> bool:
    return channel is not None and isinstance(state, tuple) and channel in state


def _walk_probability(paths: list[Path], channel: str | None) -> Fraction:
    """P(conv) by enumerating every walk from start (acyclic chains only), exact fractions."""
    counts, _ = _chain(paths, 1)

    def reach(state: object) -> Fraction:
        if state == "conv":
            return Fraction(1)
        if state == "null" or _removed(state, channel):
            return Fraction(0)
        out = counts[state]
        total = sum(out.values())
        return sum((Fraction(n, total) * reach(nxt) for nxt, n in out.items()), Fraction(0))

    return reach("start")


def _iterated_probability(paths: list[Path], order: int, channel: str | None) -> float:
    """P(conv) by value iteration x ← r + Q x until it no longer changes."""
    counts, _ = _chain(paths, order)
    states = list(counts)
    x = dict.fromkeys(states, 0.0)
    for _ in range(100_000):
        change = 0.0
        for state in states:
            if _removed(state, channel):
                continue
            out = counts[state]
            total = sum(out.values())
            value = sum(
                n / total * (1.0 if nxt == "conv" else 0.0 if nxt == "null" else x[nxt])
                for nxt, n in out.items()
                if not _removed(nxt, channel)
            )
            change = max(change, abs(value - x[state]))
            x[state] = value
        if change < 1e-16:
            break
    return x["start"]


def _table(paths: list[Path]):
    return parse_paths(
        [" > ".join(channels) for channels, _, _ in paths],
        [conv for _, conv, _ in paths],
        [non for _, _, non in paths],
    )


ACYCLIC: list[Path] = [
    (("a", "b", "c"), 3, 7),
    (("a", "c"), 2, 5),
    (("b", "c"), 1, 9),
    (("b",), 2, 3),
    (("a", "d"), 0, 4),
    (("d",), 1, 1),
    (("a", "b", "d"), 2, 2),
]

CYCLIC: list[Path] = [
    (("a", "b", "a"), 4, 3),
    (("b", "a", "b", "c"), 2, 6),
    (("a", "a", "c"), 1, 5),
    (("c", "b"), 3, 2),
    (("c",), 0, 7),
    (("b", "b", "b"), 1, 4),
]


def test_removal_effect_equals_exact_walk_enumeration() -> None:
    table = _table(ACYCLIC)
    effects = removal_effects(build_chain(table, 1))
    base = _walk_probability(ACYCLIC, None)
    assert effects.conversion_probability == pytest.approx(float(base), abs=1e-12)
    for code, channel in enumerate(table.channels):
        removed = _walk_probability(ACYCLIC, channel)
        expected = float((base - removed) / base)
        assert abs(effects.removal_effect[code] - expected) < 1e-9, channel
        assert abs(effects.removed_probability[code] - float(removed)) < 1e-12


@pytest.mark.parametrize("order", [1, 2, 3])
def test_removal_effect_equals_value_iteration_with_cycles(order: int) -> None:
    table = _table(CYCLIC)
    effects = removal_effects(build_chain(table, order))
    base = _iterated_probability(CYCLIC, order, None)
    assert effects.conversion_probability == pytest.approx(base, abs=1e-12)
    for code, channel in enumerate(table.channels):
        expected = (base - _iterated_probability(CYCLIC, order, channel)) / base
        assert abs(effects.removal_effect[code] - expected) < 1e-9, (order, channel)


def test_order_at_least_path_length_reproduces_observed_rates() -> None:
    """With order ≥ every path length the chain is the tree of observed paths: P(conv) is the
    observed conversion rate and removing c loses exactly the conversions of paths with c."""
    table = _table(ACYCLIC)
    effects = removal_effects(build_chain(table, 3))
    journeys = sum(conv + non for _, conv, non in ACYCLIC)
    conversions = sum(conv for _, conv, _ in ACYCLIC)
    assert effects.conversion_probability == pytest.approx(conversions / journeys, abs=1e-12)
    for code, channel in enumerate(table.channels):
        lost = sum(conv for channels, conv, _ in ACYCLIC if channel in channels)
        assert effects.removal_effect[code] == pytest.approx(lost / conversions, abs=1e-12)


def test_credits_are_proportional_to_removal_effects_and_sum_to_conversions() -> None:
    table = _table(CYCLIC)
    effects, credits = markov_credits(table)
    assert credits.sum() == pytest.approx(table.conversions.sum())
    assert np.all(credits >= 0)
    ratio = credits / effects.removal_effect
    assert np.allclose(ratio, ratio[0])


def test_channel_only_in_journeys_without_conversions_gets_nothing() -> None:
    paths = [*ACYCLIC, (("z",), 0, 10)]
    table = _table(paths)
    z = table.channels.index("z")
    effects = removal_effects(build_chain(table, 1))
    assert effects.removal_effect[z] == 0.0
    result = attribute_paths(table, ["markov"]).to_pylist()
    assert [row["conversions"] for row in result if row["channel"] == "z"] == [0.0]


def test_no_conversions_at_all_gives_zero_effects() -> None:
    table = _table([(("a", "b"), 0, 5), (("b",), 0, 2)])
    effects = removal_effects(build_chain(table, 1))
    assert effects.conversion_probability == 0.0
    assert np.all(effects.removal_effect == 0.0)


def test_sparse_solve_gives_the_dense_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chains above the dense limit are solved sparsely: same removal effects."""
    table = _table(CYCLIC)
    dense = removal_effects(build_chain(table, 2))
    monkeypatch.setattr(markov, "_DENSE_LIMIT", 2)
    sparse = removal_effects(build_chain(table, 2))
    assert sparse.conversion_probability == pytest.approx(dense.conversion_probability, abs=1e-14)
    assert np.allclose(sparse.removal_effect, dense.removal_effect, rtol=0, atol=1e-12)


def test_state_ids_by_sort_match_state_ids_by_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """Big key spaces fall back from a lookup table to sorting: same states, same effects."""
    table = _table(CYCLIC)
    by_table = removal_effects(build_chain(table, 3))
    monkeypatch.setattr(markov, "_DENSE_KEYS", 4)
    by_sort = removal_effects(build_chain(table, 3))
    assert np.allclose(by_sort.removal_effect, by_table.removal_effect, rtol=0, atol=1e-14)
