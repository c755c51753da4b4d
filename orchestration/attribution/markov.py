"""Markov-chain attribution by exact removal effect (absorbing chain, linear solves, no sampling).

States of an order-k chain are the last (up to) k channels of a path: a path ``a > b > c`` walks
start → (a) → (a, b) → (b, c) → conversion|null for k = 2 (first order: start → a → b → c → ...).
Transitions are counted over all paths, each weighted by its number of journeys
(conversions + non-conversions); the last state moves to *conversion* with the path's conversions
and to *null* with its non-conversions.

P(conv) is the probability of absorption in *conversion* from start. Removing channel c turns
every state that contains c into *null*; the removal effect is
RE_c = (P(conv) − P(conv | c removed)) / P(conv). Both probabilities come from solving
(I − Q) x = r on the transient states (Q transitions among them, r their conversion
probabilities) — one solve for the full chain and one per channel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg

from orchestration.attribution.paths import PathTable

_DENSE_LIMIT = 1500


@dataclass(frozen=True)
class MarkovChain:
    """Transition counts of an order-k chain.

    states: (n_states, order) channel codes of each state, most recent last, -1 padding for the
        shorter states at the start of a path.
    start: journeys entering each state from start; transitions: sparse (n_states, n_states)
        counts; conversions / nulls: journeys absorbed from each state.
    """

    order: int
    n_channels: int
    states: np.ndarray
    start: np.ndarray
    transitions: scipy.sparse.csr_matrix
    conversions: np.ndarray
    nulls: np.ndarray


@dataclass(frozen=True)
class RemovalEffects:
    """Result of the removal-effect computation on one chain."""

    conversion_probability: float
    removed_probability: np.ndarray  # P(conv | channel removed), per channel code
    removal_effect: np.ndarray  # RE per channel code, >= 0; 0 for channels never seen


_DENSE_KEYS = 1 << 24  # key spaces up to this size are indexed with a table, not a sort


def _state_ids(paths: PathTable, order: int) -> tuple[np.ndarray, np.ndarray]:
    """(states, state of every touch): states are (n_states, order) channel codes, most recent
    last, -1 padding where the path is shorter than the order."""
    n_channels = len(paths.channels)
    codes = paths.codes
    if order == 1:
        return np.arange(n_channels, dtype=np.int64)[:, None], codes
    n = len(codes)
    position = np.arange(n, dtype=np.int64) - np.repeat(paths.offsets[:-1], paths.lengths)
    touch = np.arange(n, dtype=np.int64)
    base = n_channels + 1
    if order * np.log2(base) < 62:
        key = np.zeros(n, dtype=np.int64)
        for lag in range(order - 1, -1, -1):
            digit = np.where(position >= lag, codes[np.maximum(touch - lag, 0)] + 1, 0)
            key = key * base + digit
        n_keys = base**order
        if n_keys <= _DENSE_KEYS:
            present = np.zeros(n_keys, dtype=bool)
            present[key] = True
            unique_keys = np.flatnonzero(present)
            state = (np.cumsum(present) - 1)[key]
        else:
            unique_keys, state = np.unique(key, return_inverse=True)
        states = np.zeros((len(unique_keys), order), dtype=np.int64)
        rest = unique_keys.astype(np.int64)
        for column in range(order - 1, -1, -1):
            states[:, column] = rest % base - 1
            rest //= base
        return states, state.ravel()
    columns = [
        np.where(position >= lag, codes[np.maximum(touch - lag, 0)], -1)
        for lag in range(order - 1, -1, -1)
    ]
    states, state = np.unique(np.stack(columns, axis=1), axis=0, return_inverse=True)
    return states, state.ravel()


def build_chain(paths: PathTable, order: int = 1) -> MarkovChain:
    """Count the order-k chain's transitions over every path with touches and journeys."""
    if order < 1:
        raise ValueError(f"Markov order must be at least 1, got {order}")
    states, state = _state_ids(paths, order)
    n_states = len(states)
    lengths = paths.lengths
    journeys = paths.conversions + paths.non_conversions
    keep = (lengths > 0) & (journeys > 0)
    firsts = paths.offsets[:-1][keep]
    lasts = paths.offsets[1:][keep] - 1
    start = np.bincount(state[firsts], weights=journeys[keep], minlength=n_states)
    conversions = np.bincount(state[lasts], weights=paths.conversions[keep], minlength=n_states)
    nulls = np.bincount(state[lasts], weights=paths.non_conversions[keep], minlength=n_states)
    # a touch moves on to the next touch unless it is the last of its path
    n = len(state)
    moves = np.ones(max(n - 1, 0), dtype=bool)
    ends = paths.offsets[1:][lengths > 0] - 1
    moves[ends[ends < n - 1]] = False
    weight = np.repeat(np.where(keep, journeys, 0.0), lengths)[:-1][moves]
    pair = state[:-1][moves].astype(np.int64) * n_states + state[1:][moves]
    if n_states * n_states <= _DENSE_KEYS:
        counts = np.bincount(pair, weights=weight, minlength=n_states * n_states)
        transitions = scipy.sparse.csr_matrix(counts.reshape(n_states, n_states))
    else:
        unique_pairs, inverse = np.unique(pair, return_inverse=True)
        counts = np.bincount(inverse.ravel(), weights=weight, minlength=len(unique_pairs))
        transitions = scipy.sparse.csr_matrix(
            (counts, (unique_pairs // n_states, unique_pairs % n_states)),
            shape=(n_states, n_states),
        )
    transitions.eliminate_zeros()
    return MarkovChain(order, len(paths.channels), states, start, transitions, conversions, nulls)


def conversion_probability(chain: MarkovChain, removed: np.ndarray | None = None) -> float:
    """P(absorption in conversion) from start; states where ``removed`` is True lead to null."""
    total_start = chain.start.sum()
    if total_start <= 0:
        return 0.0
    alive = np.ones(len(chain.states), dtype=bool) if removed is None else ~removed
    index = np.flatnonzero(alive)
    if len(index) == 0:
        return 0.0
    out = np.asarray(chain.transitions.sum(axis=1)).ravel() + chain.conversions + chain.nulls
    scale = np.divide(1.0, out, out=np.zeros_like(out), where=out > 0)
    q = scipy.sparse.diags(scale) @ chain.transitions
    q = q[index][:, index]
    r = (chain.conversions * scale)[index]
    system = scipy.sparse.identity(len(index), format="csc") - q.tocsc()
    if len(index) <= _DENSE_LIMIT:
        x = scipy.linalg.solve(system.toarray(), r, check_finite=False)
    else:
        x = scipy.sparse.linalg.spsolve(system, r)
    return float(chain.start[index] @ x / total_start)


def removal_effects(chain: MarkovChain) -> RemovalEffects:
    """Exact removal effect of every channel: n_channels + 1 linear solves."""
    base = conversion_probability(chain)
    removed = np.full(chain.n_channels, base)
    effect = np.zeros(chain.n_channels)
    present = np.zeros(chain.n_channels, dtype=bool)
    codes_in_states = chain.states[chain.states >= 0]
    present[np.unique(codes_in_states)] = True
    for channel in np.flatnonzero(present):
        contains = (chain.states == channel).any(axis=1)
        removed[channel] = conversion_probability(chain, contains)
        if base > 0:
            effect[channel] = max(0.0, (base - removed[channel]) / base)
    return RemovalEffects(base, removed, effect)


def markov_credits(paths: PathTable, order: int = 1) -> tuple[RemovalEffects, np.ndarray]:
    """Removal effects and each channel's credited conversions: total × RE_c / Σ RE."""
    effects = removal_effects(build_chain(paths, order))
    attributable = paths.conversions[paths.lengths > 0].sum()
    total = effects.removal_effect.sum()
    credits = (
        attributable * effects.removal_effect / total
        if total > 0
        else np.zeros(len(paths.channels))
    )
    return effects, credits
