"""Google's Fractribution: per-path leave-one-out ("simplified Shapley") attribution.

Paths are first transformed (``unique`` keeps them as they are, ``exposure`` collapses consecutive
repeats, ``first`` keeps each channel's first touch, ``frequency`` keeps one event per channel
with its touch count) and identical transformed paths are merged. Each event of a path gets
max(0, P(conv | path) − P(conv | path without that event)), where P is the observed conversion
rate of a path (0 for a path never observed); contributions are normalised to sum to 1 and a
path whose contributions are all 0 gives its credit to the last event. A one-event path gets 1.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from orchestration.attribution.paths import PathTable

Event = tuple[int, int]  # (channel code, touch count or 0)


def _unique(path: tuple[int, ...]) -> tuple[Event, ...]:
    return tuple((code, 0) for code in path)


def _exposure(path: tuple[int, ...]) -> tuple[Event, ...]:
    return tuple((code, 0) for i, code in enumerate(path) if i == 0 or code != path[i - 1])


def _first(path: tuple[int, ...]) -> tuple[Event, ...]:
    return tuple((code, 0) for code in dict.fromkeys(path))


def _frequency(path: tuple[int, ...]) -> tuple[Event, ...]:
    counts: dict[int, int] = {}
    for code in path:
        counts[code] = counts.get(code, 0) + 1
    return tuple(counts.items())


TRANSFORMS: dict[str, Callable[[tuple[int, ...]], tuple[Event, ...]]] = {
    "unique": _unique,
    "exposure": _exposure,
    "first": _first,
    "frequency": _frequency,
}


def event_credits(
    summary: dict[tuple[Event, ...], tuple[float, float]],
) -> dict[tuple[Event, ...], list[float]]:
    """Normalised leave-one-out credit of each event of each transformed path."""
    rate = {
        path: (conv / (conv + non) if conv + non > 0 else 0.0)
        for path, (conv, non) in summary.items()
    }
    credits: dict[tuple[Event, ...], list[float]] = {}
    for path in sorted(summary):
        if not path:
            continue
        if len(path) == 1:
            credits[path] = [1.0]
            continue
        own = rate[path]
        contributions = [
            max(0.0, own - rate.get(path[:i] + path[i + 1 :], 0.0)) for i in range(len(path))
        ]
        total = sum(contributions)
        if total > 0:
            credits[path] = [c / total for c in contributions]
        else:
            credits[path] = [0.0] * (len(path) - 1) + [1.0]
    return credits


def fractribution_shares(paths: PathTable, transform: str = "unique") -> np.ndarray:
    """Share of each touch (in ``paths.codes`` order) in its path's conversions.

    A channel's credit on a path is split equally among its touches in the original path.
    """
    if transform not in TRANSFORMS:
        raise ValueError(f"unknown fractribution transform {transform!r}; use one of "
                         f"{', '.join(TRANSFORMS)}")
    apply = TRANSFORMS[transform]
    offsets = paths.offsets.tolist()
    codes = paths.codes.tolist()
    transformed = [apply(tuple(codes[offsets[i] : offsets[i + 1]])) for i in range(paths.n_paths)]
    summary: dict[tuple[Event, ...], tuple[float, float]] = {}
    for path, conv, non in zip(
        transformed, paths.conversions.tolist(), paths.non_conversions.tolist(), strict=True
    ):
        seen = summary.get(path, (0.0, 0.0))
        summary[path] = (seen[0] + conv, seen[1] + non)
    credits = event_credits(summary)
    by_channel: dict[tuple[Event, ...], dict[int, float]] = {}
    for path, values in credits.items():
        channel_credit: dict[int, float] = {}
        for (code, _), value in zip(path, values, strict=True):
            channel_credit[code] = channel_credit.get(code, 0.0) + value
        by_channel[path] = channel_credit
    shares = np.zeros(len(codes))
    for i, path in enumerate(transformed):
        if not path:
            continue
        start, stop = offsets[i], offsets[i + 1]
        touches = codes[start:stop]
        counts: dict[int, int] = {}
        for code in touches:
            counts[code] = counts.get(code, 0) + 1
        channel_credit = by_channel[path]
        shares[start:stop] = [channel_credit.get(code, 0.0) / counts[code] for code in touches]
    return shares
