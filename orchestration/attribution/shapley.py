"""Shapley values over channel coalitions.

Two games on a path summary:

- conversion rate (used by the engine): the worth of a coalition S is the conversion rate of the
  journeys whose channels all belong to S (0 when there are none). It uses non-converting paths,
  so a channel that is everywhere but changes nothing earns little. Exact values need all 2^n
  worths (:func:`coalition_worth`, :func:`shapley_values`; n ≤ ``MAX_EXACT_CHANNELS``). Values
  can be negative (a channel that lowers the rate). A value is a share of the conversion rate,
  so value × the journeys exposed to the channel (:func:`channel_exposure`) estimates the
  channel's incremental conversions.
- conversions (Zhao et al. 2018, "simplified Shapley"): the worth of S is the number of
  conversions of the paths whose channels all belong to S. It is a sum of unanimity games, one
  per conversion, so its exact value splits every conversion equally among the distinct channels
  of its path: φ_c = Σ_{T ∋ c} R(T) / |T|, R(T) = conversions of the paths with channel set
  exactly T (:func:`simplified_shapley`, any number of channels).
"""

from __future__ import annotations

from math import factorial

import numpy as np

from orchestration.attribution.paths import PathTable

MAX_EXACT_CHANNELS = 20
MAX_SET_CHANNELS = 62  # channel sets are int64 bit masks


def channel_sets(paths: PathTable) -> np.ndarray:
    """Bit mask of each path's channel set (bit c set when channel c occurs); int64."""
    if len(paths.channels) > MAX_SET_CHANNELS:
        raise ValueError(
            f"channel sets need at most {MAX_SET_CHANNELS} channels, got {len(paths.channels)}"
        )
    masks = np.zeros(paths.n_paths, dtype=np.int64)
    nonempty = paths.lengths > 0
    if nonempty.any():
        bits = np.left_shift(np.int64(1), paths.codes.astype(np.int64))
        masks[nonempty] = np.bitwise_or.reduceat(bits, paths.offsets[:-1][nonempty])
    return masks


def _subset_sums(exact: np.ndarray, n: int) -> np.ndarray:
    """Zeta transform: out[S] = Σ_{T ⊆ S} exact[T]."""
    out = exact.astype(np.float64).copy()
    for bit in range(n):
        view = out.reshape(-1, 2, 1 << bit)
        view[:, 1, :] += view[:, 0, :]
    return out


def coalition_worth(paths: PathTable, kind: str = "conversions") -> np.ndarray:
    """Worth of every coalition (indexed by bit mask): conversions or conversion rate of the paths
    whose channel set ⊆ coalition. The empty coalition is worth 0."""
    n = len(paths.channels)
    if n > MAX_EXACT_CHANNELS:
        raise ValueError(
            f"exact coalition enumeration supports at most {MAX_EXACT_CHANNELS} channels, got {n}"
        )
    masks = channel_sets(paths)
    nonempty = paths.lengths > 0
    size = 1 << n
    conversions = _subset_sums(
        np.bincount(masks[nonempty], weights=paths.conversions[nonempty], minlength=size), n
    )
    if kind == "conversions":
        worth = conversions
    elif kind == "conversion_rate":
        journeys = paths.conversions + paths.non_conversions
        exposed = _subset_sums(
            np.bincount(masks[nonempty], weights=journeys[nonempty], minlength=size), n
        )
        worth = np.divide(conversions, exposed, out=np.zeros(size), where=exposed > 0)
    else:
        raise ValueError(f"unknown coalition worth {kind!r}; use conversions or conversion_rate")
    worth[0] = 0.0
    return worth


def shapley_values(worth: np.ndarray) -> np.ndarray:
    """Exact Shapley value of each player from the worth of all 2^n coalitions (bit masks)."""
    size = len(worth)
    n = size.bit_length() - 1
    if size != 1 << n:
        raise ValueError(f"worth table must have 2^n entries, got {size}")
    masks = np.arange(size, dtype=np.int64)
    members = np.bitwise_count(masks).astype(np.int64)
    weight_by_size = np.array(
        [factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)] + [0.0]
    )
    values = np.zeros(n)
    for player in range(n):
        bit = 1 << player
        without = masks[(masks & bit) == 0]
        gains = worth[without | bit] - worth[without]
        values[player] = float(weight_by_size[members[without]] @ gains)
    return values


def channel_exposure(paths: PathTable) -> np.ndarray:
    """Journeys (conversions + non-conversions) of the paths on which each channel occurs, summed
    per channel set in ascending order, so the result does not depend on the row order."""
    n = len(paths.channels)
    journeys = paths.conversions + paths.non_conversions
    nonempty = np.flatnonzero(paths.lengths > 0)
    order = nonempty[np.argsort(journeys[nonempty], kind="stable")]
    sets, group = np.unique(channel_sets(paths)[order], return_inverse=True)
    per_set = np.bincount(group.ravel(), weights=journeys[order], minlength=len(sets))
    members = ((sets[:, None] >> np.arange(n)) & 1).astype(np.float64)
    return (per_set[:, None] * members).sum(axis=0)


def simplified_shapley(paths: PathTable) -> np.ndarray:
    """Exact Shapley value of the conversions game for any number of channels (closed form)."""
    masks = channel_sets(paths)
    nonempty = paths.lengths > 0
    sizes = np.bitwise_count(masks).astype(np.float64)
    share = np.divide(paths.conversions, sizes, out=np.zeros(paths.n_paths), where=nonempty)
    values = np.zeros(len(paths.channels))
    for channel in range(len(paths.channels)):
        member = (masks >> channel) & 1 == 1
        values[channel] = share[member].sum()
    return values
