"""Google's Fractribution: per-path leave-one-out ("simplified Shapley") attribution, vectorised.

Paths are first transformed (``unique`` keeps them as they are, ``exposure`` collapses consecutive
repeats, ``first`` keeps each channel's first touch, ``frequency`` keeps one event per channel
with its touch count) and identical transformed paths are merged. Each event of a path gets
max(0, P(conv | path) − P(conv | path without that event)), where P is the observed conversion
rate of a transformed path (0 for a path never observed); contributions are normalised to sum
to 1 and a path whose contributions are all 0 gives its credit to the last event. A one-event
path gets 1. A channel's credit on a path is split equally among its touches in the original path.

Transformed paths are identified by a 64-bit polynomial hash; the hash of a path without event j
follows from prefix sums (removing j shifts the later terms down one power), so every
leave-one-out lookup is a vectorised search. Two different paths share a hash with odds of about
n²/2^64.
"""

from __future__ import annotations

import numpy as np

from orchestration.attribution.paths import PathTable, collapse_repeats, first_occurrences

TRANSFORMS: tuple[str, ...] = ("unique", "exposure", "first", "frequency")

_P = 0x9E3779B97F4A7C15
_P_INVERSE = pow(_P, -1, 1 << 64)


def _events(paths: PathTable, transform: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(offsets, event ids, event channel codes) of the transformed paths."""
    if transform == "unique":
        return paths.offsets, paths.codes.astype(np.int64), paths.codes
    if transform == "exposure":
        collapsed = collapse_repeats(paths)
        return collapsed.offsets, collapsed.codes.astype(np.int64), collapsed.codes
    if transform not in ("first", "frequency"):
        raise ValueError(
            f"unknown fractribution transform {transform!r}; use one of {', '.join(TRANSFORMS)}"
        )
    firsts = first_occurrences(paths)
    if transform == "first":
        return firsts.offsets, firsts.codes.astype(np.int64), firsts.codes
    n_channels = max(len(paths.channels), 1)
    touch_counts = _pair_counts(paths.offsets, paths.codes, n_channels)
    event_path = firsts.path_index()
    counts = touch_counts(event_path, firsts.codes)
    return firsts.offsets, firsts.codes.astype(np.int64) + n_channels * counts, firsts.codes


def _pair_counts(offsets: np.ndarray, codes: np.ndarray, n_channels: int):
    """A lookup (path, channel) → number of the path's touches on that channel."""
    lengths = np.diff(offsets)
    key = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths) * n_channels + codes
    unique_keys, counts = np.unique(key, return_counts=True)

    def lookup(path: np.ndarray, channel: np.ndarray) -> np.ndarray:
        query = path.astype(np.int64) * n_channels + channel
        return counts[np.searchsorted(unique_keys, query)]

    return lookup


def _hashes(offsets: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hash of every path, hash of its path without each event) — uint64, wrapping."""
    lengths = np.diff(offsets)
    n_events = len(ids)
    hashes = np.zeros(len(lengths), dtype=np.uint64)
    if n_events == 0:
        return hashes, np.zeros(0, dtype=np.uint64)
    position = np.arange(n_events, dtype=np.int64) - np.repeat(offsets[:-1], lengths)
    powers = np.cumprod(np.full(int(lengths.max()), np.uint64(_P), dtype=np.uint64))
    with np.errstate(over="ignore"):
        terms = (ids.astype(np.uint64) + np.uint64(1)) * powers[position]
        inclusive = np.cumsum(terms, dtype=np.uint64)
        before = inclusive - terms  # sum of all terms before each event
        segment_start = np.repeat(before[offsets[:-1][lengths > 0]], lengths[lengths > 0])
        prefix = before - segment_start  # this path's terms before the event
        nonempty = lengths > 0
        hashes[nonempty] = np.add.reduceat(terms, offsets[:-1][nonempty])
        total = np.repeat(hashes, lengths)
        without = prefix + (total - prefix - terms) * np.uint64(_P_INVERSE)
    return hashes, without


def fractribution_shares(
    paths: PathTable, transform: str = "exposure", fit: PathTable | None = None
) -> np.ndarray:
    """Share of each touch (in ``paths.codes`` order) in its path's conversion.

    Conversion rates come from ``fit`` (default: ``paths`` itself; both must use the same channel
    encoding).
    """
    fit = paths if fit is None else fit
    if fit.channels != paths.channels:
        raise ValueError("fractribution fit and paths must share one channel encoding")
    n_channels = max(len(paths.channels), 1)
    # observed rate of every transformed fit path
    fit_offsets, fit_ids, _ = _events(fit, transform)
    fit_hashes, _ = _hashes(fit_offsets, fit_ids)
    known, group = np.unique(fit_hashes, return_inverse=True)
    conversions = np.bincount(group.ravel(), weights=fit.conversions, minlength=len(known))
    journeys = conversions + np.bincount(
        group.ravel(), weights=fit.non_conversions, minlength=len(known)
    )
    rate = np.divide(conversions, journeys, out=np.zeros(len(known)), where=journeys > 0)

    def rate_of(hashes: np.ndarray) -> np.ndarray:
        if len(known) == 0:
            return np.zeros(len(hashes))
        at = np.minimum(np.searchsorted(known, hashes), len(known) - 1)
        return np.where(known[at] == hashes, rate[at], 0.0)

    offsets, ids, channel = _events(paths, transform)
    lengths = np.diff(offsets)
    path_hash, without = _hashes(offsets, ids)
    event_path = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    own = rate_of(path_hash)
    contribution = np.maximum(0.0, own[event_path] - rate_of(without))
    total = np.bincount(event_path, weights=contribution, minlength=len(lengths))
    is_last = np.zeros(len(ids), dtype=bool)
    is_last[offsets[1:][lengths > 0] - 1] = True
    credit = np.where(
        total[event_path] > 0,
        np.divide(
            contribution, total[event_path], out=np.zeros(len(ids)), where=total[event_path] > 0
        ),
        is_last.astype(np.float64),
    )
    # credit per (path, channel), then spread over that channel's touches in the original path
    touch_path = paths.path_index()
    key = touch_path * n_channels + paths.codes
    unique_keys, touch_group, touch_count = np.unique(key, return_inverse=True, return_counts=True)
    event_group = np.searchsorted(unique_keys, event_path * n_channels + channel)
    channel_credit = np.bincount(event_group, weights=credit, minlength=len(unique_keys))
    touch_group = touch_group.ravel()
    return channel_credit[touch_group] / touch_count[touch_group]
