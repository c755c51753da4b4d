"""Rule-based attribution: each function returns every touch's share of its path's conversion.

Paths are given in compressed-row form (``offsets``; path i owns touches
``offsets[i]:offsets[i + 1]``, touches in time order). Every function returns a float64 array
with one share per touch; the shares of each non-empty path are non-negative and sum to 1.
"""

from __future__ import annotations

import numpy as np

_DENSE_PAIRS = 1 << 25  # (path, channel) pairs counted with a table up to this size, else a sort


def _layout(offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(path index, position in path, path length) for every touch."""
    lengths = np.diff(offsets)
    path = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    position = np.arange(int(offsets[-1]), dtype=np.int64) - offsets[:-1][path]
    return path, position, lengths[path]


def _one_hot(n_touches: int, index: np.ndarray) -> np.ndarray:
    shares = np.zeros(n_touches)
    shares[index] = 1.0
    return shares


def first_touch(offsets: np.ndarray) -> np.ndarray:
    """All credit to each path's first touch."""
    lengths = np.diff(offsets)
    return _one_hot(int(offsets[-1]), offsets[:-1][lengths > 0])


def last_touch(offsets: np.ndarray) -> np.ndarray:
    """All credit to each path's last touch."""
    lengths = np.diff(offsets)
    return _one_hot(int(offsets[-1]), offsets[1:][lengths > 0] - 1)


def last_non_direct(offsets: np.ndarray, is_direct: np.ndarray) -> np.ndarray:
    """All credit to the last touch that is not direct; all-direct paths credit the last touch."""
    n_touches = int(offsets[-1])
    lengths = np.diff(offsets)
    nonempty = lengths > 0
    if not nonempty.any():
        return np.zeros(n_touches)
    candidate = np.where(is_direct, -1, np.arange(n_touches, dtype=np.int64))
    best = np.maximum.reduceat(candidate, offsets[:-1][nonempty])
    last = offsets[1:][nonempty] - 1
    return _one_hot(n_touches, np.where(best >= 0, best, last))


def linear(offsets: np.ndarray) -> np.ndarray:
    """Equal credit to every touch."""
    _, _, length = _layout(offsets)
    return 1.0 / length


def position_based(offsets: np.ndarray, first: float = 0.4, last: float = 0.4) -> np.ndarray:
    """U-shaped: ``first`` to the first touch, ``last`` to the last, the rest split between the
    touches in between. A single touch gets 1; two touches split in the ratio first : last
    (equally when both are 0)."""
    if first < 0 or last < 0 or first + last > 1 + 1e-12:
        raise ValueError(
            f"position weights need first, last >= 0 and first + last <= 1, "
            f"got first={first}, last={last}"
        )
    _, position, length = _layout(offsets)
    middle = max(0.0, round(1.0 - first - last, 12))  # 1 - 0.4 - 0.4 is 0.2, not 0.1999…
    ends = first + last
    first_of_two, last_of_two = (first / ends, last / ends) if ends > 0 else (0.5, 0.5)
    is_first = position == 0
    is_last = position == length - 1
    shares = np.where(is_first, first, np.where(is_last, last, middle / np.maximum(length - 2, 1)))
    shares = np.where(length == 2, np.where(is_first, first_of_two, last_of_two), shares)
    return np.where(length == 1, 1.0, shares)


def time_decay(offsets: np.ndarray, ages: np.ndarray, half_life: float) -> np.ndarray:
    """Credit halves every ``half_life`` (same unit as ``ages``: time from touch to conversion).

    Weights are taken relative to the path's youngest touch, so no weight underflows.
    """
    if not half_life > 0:
        raise ValueError(f"half-life must be positive, got {half_life}")
    ages = np.asarray(ages, dtype=np.float64)
    if (ages < 0).any() or not np.isfinite(ages).all():
        raise ValueError("touch ages must be finite and non-negative (touch after conversion?)")
    path, _, _ = _layout(offsets)
    n_paths = len(offsets) - 1
    lengths = np.diff(offsets)
    youngest = np.zeros(n_paths)
    nonempty = lengths > 0
    if nonempty.any():
        youngest[nonempty] = np.minimum.reduceat(ages, offsets[:-1][nonempty])
    weights = np.exp2(-(ages - youngest[path]) / half_life)
    totals = np.bincount(path, weights=weights, minlength=n_paths)
    return weights / totals[path]


def steps_before_conversion(offsets: np.ndarray) -> np.ndarray:
    """Age of each touch counted in touches (last touch 0): time decay on paths without time."""
    _, position, length = _layout(offsets)
    return (length - 1 - position).astype(np.float64)


def by_channel_weight(offsets: np.ndarray, codes: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Split each path among its distinct channels in proportion to ``weights[channel]``, each
    channel's part equally among its touches in the path. Paths whose channels all weigh 0
    fall back to last touch.
    """
    weights = np.asarray(weights, dtype=np.float64)
    if (weights < 0).any() or not np.isfinite(weights).all():
        raise ValueError("channel weights must be finite and non-negative")
    n_touches = int(offsets[-1])
    if n_touches == 0:
        return np.zeros(0)
    n_paths = len(offsets) - 1
    path = np.repeat(np.arange(n_paths, dtype=np.int64), np.diff(offsets))
    n_channels = max(len(weights), int(codes.max()) + 1)
    key = path * n_channels + codes
    if n_paths * n_channels <= _DENSE_PAIRS:
        same_channel = np.bincount(key, minlength=n_paths * n_channels)[key]
    else:
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        same_channel = counts[inverse.ravel()]
    per_touch = weights[codes] / same_channel
    totals = np.bincount(path, weights=per_touch, minlength=n_paths)
    path_totals = totals[path]
    zero = path_totals <= 0
    shares = np.divide(per_touch, path_totals, out=np.zeros(n_touches), where=~zero)
    if zero.any():
        fallback = last_touch(offsets)
        shares[zero] = fallback[zero]
    return shares
