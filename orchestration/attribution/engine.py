"""The attribution engine: every model on path summaries and on individual conversions.

Both entry points run the same per-touch share functions, so the analyst's path file and the
pipeline's ``marts.fct_attribution_credits`` agree. Shares of each conversion's touches are
non-negative and sum to 1; revenue credits are share × the conversion's revenue. Permuting the
input rows gives identical output (see ``paths.order_free`` and ``paths.summation_order``).

Data-driven models are *fitted* on a path summary that includes non-converting paths, then
*applied* to each conversion. Markov: a conversion's credit is split among the distinct channels
on its path in proportion to their removal effects, each channel's part equally among its
touches. Shapley: the same split by each channel's exact Shapley value in the conversion-rate
game (worth of a coalition = conversion rate of the journeys whose channels all belong to it;
2^n coalitions, n ≤ 20 channels; negative values count as 0); above 20 channels the exact closed
form of the conversions game is used instead, which splits each conversion equally among the
distinct channels on its path (see ``shapley.py``). Fractribution: leave-one-out on the path's
observed conversion rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.attribution import rules
from orchestration.attribution.fractribution import TRANSFORMS, fractribution_shares
from orchestration.attribution.markov import build_chain, removal_effects
from orchestration.attribution.paths import PathTable, canonical, order_free, with_channels
from orchestration.attribution.shapley import (
    MAX_EXACT_CHANNELS,
    MAX_SET_CHANNELS,
    channel_exposure,
    channel_sets,
    coalition_worth,
    shapley_values,
)

MODELS: tuple[str, ...] = (
    "first_touch",
    "last_touch",
    "last_non_direct",
    "linear",
    "time_decay",
    "position_based",
    "markov",
    "shapley",
    "fractribution",
)
DATA_DRIVEN: frozenset[str] = frozenset({"markov", "shapley", "fractribution"})


@dataclass(frozen=True)
class AttributionConfig:
    """Model parameters.

    direct_channels: channels skipped by last non-direct touch.
    half_life_days: time-decay half-life for touches with timestamps (touch level).
    half_life_touches: time-decay half-life in touches, for path summaries without time.
    position_first, position_last: position-based shares of first and last touch (40/20/40).
    markov_order: order k of the Markov chain (1 = first order).
    fractribution_transform: path transform of Fractribution (unique, exposure, first, frequency).
    """

    direct_channels: tuple[str, ...] = ("direct",)
    half_life_days: float = 7.0
    half_life_touches: float = 1.0
    position_first: float = 0.4
    position_last: float = 0.4
    markov_order: int = 1
    fractribution_transform: str = "exposure"

    def validate(self) -> None:
        """Raise ValueError naming the first bad parameter."""
        if not self.half_life_days > 0 or not self.half_life_touches > 0:
            raise ValueError("half-life must be positive")
        first, last = self.position_first, self.position_last
        if first < 0 or last < 0 or first + last > 1 + 1e-12:
            raise ValueError(
                f"position weights need first, last >= 0 and first + last <= 1, "
                f"got {first} and {last}"
            )
        if self.markov_order < 1:
            raise ValueError(f"Markov order must be at least 1, got {self.markov_order}")
        if self.fractribution_transform not in TRANSFORMS:
            raise ValueError(
                f"unknown fractribution transform {self.fractribution_transform!r}; "
                f"use one of {', '.join(TRANSFORMS)}"
            )


@dataclass(frozen=True)
class Fit:
    """Data-driven model parameters fitted on a path summary (channel codes of ``paths``)."""

    paths: PathTable
    markov_conversion_probability: float
    markov_removal_effect: np.ndarray
    shapley_value: np.ndarray
    shapley_game: str


def check_models(models: Sequence[str] | None) -> tuple[str, ...]:
    """The requested models in canonical order (all when None); ValueError for unknown names."""
    if models is None:
        return MODELS
    unknown = sorted(set(models) - set(MODELS))
    if unknown:
        raise ValueError(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
    return tuple(name for name in MODELS if name in set(models))


def fit(paths: PathTable, models: Sequence[str], config: AttributionConfig) -> Fit:
    """Fit the data-driven models among ``models`` on a path summary (``paths.order_free``)."""
    n = len(paths.channels)
    effect = np.zeros(n)
    probability = 0.0
    if "markov" in models:
        effects = removal_effects(build_chain(paths, config.markov_order))
        effect, probability = effects.removal_effect, effects.conversion_probability
    value, game = np.zeros(n), "none"
    if "shapley" in models:
        if n <= MAX_EXACT_CHANNELS:
            value = shapley_values(coalition_worth(paths, "conversion_rate"))
            game = "conversion_rate"
        else:
            value, game = np.ones(n), "conversions"
    return Fit(paths, probability, effect, value, game)


def touch_shares(
    model: str,
    paths: PathTable,
    config: AttributionConfig,
    fitted: Fit | None = None,
    ages: np.ndarray | None = None,
) -> np.ndarray:
    """Each touch's share of its path's conversion under ``model`` (per path: ≥ 0, sum 1).

    ``ages`` (time from touch to conversion, days) drive time decay; without them a touch's age
    is its number of steps before the conversion and ``half_life_touches`` applies. Data-driven
    models need ``fitted`` on the same channel encoding as ``paths``.
    """
    offsets = paths.offsets
    if model == "first_touch":
        return rules.first_touch(offsets)
    if model == "last_touch":
        return rules.last_touch(offsets)
    if model == "last_non_direct":
        direct = np.array([name in config.direct_channels for name in paths.channels], dtype=bool)
        return rules.last_non_direct(offsets, direct[paths.codes])
    if model == "linear":
        return rules.linear(offsets)
    if model == "time_decay":
        if ages is None:
            return rules.time_decay(
                offsets, rules.steps_before_conversion(offsets), config.half_life_touches
            )
        return rules.time_decay(offsets, ages, config.half_life_days)
    if model == "position_based":
        return rules.position_based(offsets, config.position_first, config.position_last)
    if fitted is None:
        raise ValueError(f"model {model} needs a fit")
    if model == "shapley":
        return rules.by_channel_weight(offsets, paths.codes, np.maximum(fitted.shapley_value, 0))
    if model == "markov":
        return rules.by_channel_weight(offsets, paths.codes, fitted.markov_removal_effect)
    if model == "fractribution":
        return fractribution_shares(paths, config.fractribution_transform, fitted.paths)
    raise ValueError(f"unknown model {model!r}; known: {', '.join(MODELS)}")


def attribute_paths(
    paths: PathTable,
    models: Sequence[str] | None = None,
    config: AttributionConfig | None = None,
) -> pa.Table:
    """Channel credits of every model on a path summary (the same table fits the data-driven
    models).

    Returns one row per model and channel (every channel, 0 when it earned nothing): model,
    channel, conversions (attributed), value (attributed conversion value), share of the model's
    attributed conversions, removal_effect (Markov rows only) and incremental_conversions: the
    conversions the model says the channel caused — Markov: removal effect × conversions (lost
    when the channel is removed); Shapley in the conversion-rate game: value × journeys exposed
    to the channel; null for the other models, which only split conversions. Conversions of
    paths without touches are not attributable and appear nowhere.

    Permuted input rows give identical output: touch-level sums run over the
    :func:`~orchestration.attribution.paths.canonical` table; Markov and Shapley totals, which
    depend on each path's channel set only, are summed per set without reordering any touch.
    """
    config = config or AttributionConfig()
    config.validate()
    chosen = check_models(models)
    table = order_free(paths)
    fitted = fit(table, chosen, config) if DATA_DRIVEN & set(chosen) else None
    if fitted is not None:
        table = with_channels(table, fitted.paths.channels)
    n = len(table.channels)
    by_set = n <= MAX_SET_CHANNELS and fitted is not None
    if table is paths and any(_channel_weights(model, fitted) is None or not by_set
                              for model in chosen):  # fmt: skip
        table = canonical(table)  # touch-level sums run in canonical touch order
    totals = _ChannelTotals(table)
    columns: dict[str, list] = {
        "model": [],
        "channel": [],
        "conversions": [],
        "value": [],
        "share": [],
        "removal_effect": [],
        "incremental_conversions": [],
    }
    attributable = float(table.conversions[table.lengths > 0].sum())
    for model in chosen:
        weights = _channel_weights(model, fitted)
        if weights is not None and by_set:
            conversions, value = totals.by_channel_weight(weights)
        else:
            shares = touch_shares(model, table, config, fitted)
            conversions, value = totals.from_touch_shares(shares)
        total = conversions.sum()
        columns["model"] += [model] * n
        columns["channel"] += list(table.channels)
        columns["conversions"] += conversions.tolist()
        columns["value"] += value.tolist()
        columns["share"] += (conversions / total if total > 0 else np.zeros(n)).tolist()
        columns["removal_effect"] += (
            fitted.markov_removal_effect.tolist()
            if model == "markov" and fitted is not None
            else [None] * n
        )
        columns["incremental_conversions"] += _incremental(model, table, fitted, attributable)
    return pa.table(
        columns,
        schema=pa.schema(
            [
                ("model", pa.string()),
                ("channel", pa.string()),
                ("conversions", pa.float64()),
                ("value", pa.float64()),
                ("share", pa.float64()),
                ("removal_effect", pa.float64()),
                ("incremental_conversions", pa.float64()),
            ]
        ),
    )


def _incremental(
    model: str, table: PathTable, fitted: Fit | None, attributable: float
) -> list[float | None]:
    """The model's estimate of each channel's incremental conversions (None where it has none)."""
    n = len(table.channels)
    if fitted is None or model not in ("markov", "shapley"):
        return [None] * n
    if model == "markov":
        return (fitted.markov_removal_effect * attributable).tolist()
    if fitted.shapley_game != "conversion_rate":
        return [None] * n
    return (np.maximum(fitted.shapley_value, 0) * channel_exposure(table)).tolist()


def _channel_weights(model: str, fitted: Fit | None) -> np.ndarray | None:
    """Channel weights of the models that split a path by its distinct channels, else None."""
    if fitted is None:
        return None
    if model == "markov":
        return fitted.markov_removal_effect
    if model == "shapley":
        return np.maximum(fitted.shapley_value, 0)
    return None


class _ChannelTotals:
    """Attributed conversions and value per channel of one path table."""

    def __init__(self, table: PathTable) -> None:
        self.table = table
        self._path: np.ndarray | None = None

    def from_touch_shares(self, shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Totals of per-touch shares, summed touch by touch (in the table's touch order)."""
        table, n = self.table, len(self.table.channels)
        if self._path is None:
            self._path = table.path_index()
        path = self._path
        conversions = np.bincount(
            table.codes, weights=shares * table.conversions[path], minlength=n
        )
        value = np.bincount(table.codes, weights=shares * table.value[path], minlength=n)
        return conversions, value

    def by_channel_weight(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Totals of :func:`rules.by_channel_weight` without per-touch work: a path's split
        depends on its channel set only (channel c gets w_c / Σ w of the set), so conversions
        and value are summed per channel set, in (conversions, value) order within each; paths
        whose set weighs 0 credit their last touch."""
        table, n = self.table, len(self.table.channels)
        weights = np.asarray(weights, dtype=np.float64)
        nonempty = np.flatnonzero(table.lengths > 0)
        order = nonempty[np.lexsort((table.value[nonempty], table.conversions[nonempty]))]
        sets, group = np.unique(channel_sets(table)[order], return_inverse=True)
        group = group.ravel()
        members = ((sets[:, None] >> np.arange(n)) & 1).astype(np.float64)
        cells = members * weights[None, :]
        set_total = cells.sum(axis=1)
        np.divide(cells, set_total[:, None], out=cells, where=set_total[:, None] > 0)
        totals = []
        for outcome in (table.conversions[order], table.value[order]):
            per_set = np.bincount(group, weights=outcome, minlength=len(sets))
            total = (per_set[:, None] * cells).sum(axis=0)
            unweighted = set_total[group] <= 0
            if unweighted.any():
                last = table.codes[table.offsets[1:][order[unweighted]] - 1]
                total += np.bincount(last, weights=outcome[unweighted], minlength=n)
            totals.append(total)
        return totals[0], totals[1]


TOUCH_COLUMNS: tuple[str, ...] = (
    "conversion_id",
    "touchpoint_id",
    "channel",
    "occurred_at",
    "converted_at",
    "revenue",
)


def credit_touches(
    touches: pa.Table,
    fit_paths: PathTable | None = None,
    models: Sequence[str] | None = None,
    config: AttributionConfig | None = None,
    fitted: Fit | None = None,
) -> pa.Table:
    """Credit of every touch of every conversion under each model.

    ``touches``: one row per touch of a conversion with columns conversion_id, touchpoint_id,
    channel, occurred_at and converted_at (timestamps), revenue (the conversion's revenue, the
    same on all its touches). ``fit_paths``: the path summary (converting and non-converting
    paths) the data-driven models are fitted on; default: the conversions' own paths. ``fitted``:
    that fit when the caller already has it (used when its channels are the touches' and the
    fit paths' channels, else the models are fitted again).

    Returns conversion_id, touchpoint_id, model, credit, revenue_credit; per conversion and model
    the credits sum to 1 and the revenue credits to its revenue. Raises ValueError naming the
    first bad row (1-based, input order).
    """
    config = config or AttributionConfig()
    config.validate()
    chosen = check_models(models)
    touches = _validated(touches)
    order = pc.sort_indices(
        touches,
        sort_keys=[
            ("conversion_id", "ascending"),
            ("occurred_at", "ascending"),
            ("touchpoint_id", "ascending"),
        ],
    )
    touches = touches.take(order)
    conversion_ids = touches["conversion_id"]
    n_touches = touches.num_rows
    if n_touches:
        starts = np.flatnonzero(
            np.concatenate(
                [
                    [True],
                    pc.not_equal(conversion_ids[1:], conversion_ids[:-1]).to_numpy(
                        zero_copy_only=False
                    ),
                ]
            )
        )
    else:
        starts = np.zeros(0, dtype=np.int64)
    offsets = np.append(starts, n_touches).astype(np.int64)
    revenue = touches["revenue"].to_numpy(zero_copy_only=False).astype(np.float64)
    first_revenue = revenue[starts]
    path = np.repeat(np.arange(len(starts), dtype=np.int64), np.diff(offsets))
    differs = revenue != first_revenue[path]
    if differs.any():
        bad = touches["conversion_id"][int(np.argmax(differs))].as_py()
        raise ValueError(f"conversion {bad!r}: revenue differs between its touches")
    encoded = pc.dictionary_encode(touches["channel"]).combine_chunks()
    names = encoded.dictionary.to_pylist()
    fit_table = None
    channels = sorted(set(names))
    if fit_paths is not None:
        channels = sorted(set(channels) | set(fit_paths.channels))
        fit_table = with_channels(fit_paths, channels)
    index = {name: code for code, name in enumerate(channels)}
    remap = np.array([index[name] for name in names], dtype=np.int32)
    codes = (
        remap[encoded.indices.to_numpy(zero_copy_only=False)]
        if n_touches
        else np.zeros(0, dtype=np.int32)
    )
    conversions = PathTable(
        tuple(channels),
        offsets,
        codes,
        np.ones(len(starts)),
        np.zeros(len(starts)),
        first_revenue,
    )
    if DATA_DRIVEN & set(chosen):
        if fitted is None or fitted.paths.channels != tuple(channels):
            fitted = fit(order_free(fit_table if fit_table is not None else conversions), chosen,
                         config)  # fmt: skip
    else:
        fitted = None
    ages = _age_days(touches["occurred_at"], touches["converted_at"])
    tables = []
    for model in chosen:
        shares = touch_shares(model, conversions, config, fitted, ages)
        tables.append(
            pa.table(
                {
                    "conversion_id": conversion_ids,
                    "touchpoint_id": touches["touchpoint_id"],
                    "model": pa.repeat(pa.scalar(model, pa.string()), n_touches),
                    "credit": pa.array(shares, type=pa.float64()),
                    "revenue_credit": pa.array(shares * revenue, type=pa.float64()),
                }
            )
        )
    if not tables:
        return pa.table({})
    return pa.concat_tables(tables)


def _utc_microseconds(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Timestamps as int64 microseconds since the epoch (naive timestamps are taken as UTC)."""
    utc = pc.cast(column, pa.timestamp("us", tz="UTC"))
    return pc.cast(utc, pa.int64()).to_numpy(zero_copy_only=False)


def _age_days(occurred_at: pa.ChunkedArray, converted_at: pa.ChunkedArray) -> np.ndarray:
    return (_utc_microseconds(converted_at) - _utc_microseconds(occurred_at)) / 86_400e6


def _validated(touches: pa.Table) -> pa.Table:
    missing = [name for name in TOUCH_COLUMNS if name not in touches.column_names]
    if missing:
        raise ValueError(f"touches lack column(s) {', '.join(missing)}")
    touches = touches.select(list(TOUCH_COLUMNS)).combine_chunks()
    for name in TOUCH_COLUMNS:
        column = touches[name]
        if column.null_count:
            row = int(np.argmax(pc.is_null(column).to_numpy(zero_copy_only=False)))
            raise ValueError(f"touch row {row + 1}: {name} is missing")
    for name in ("occurred_at", "converted_at"):
        if not pa.types.is_timestamp(touches[name].type):
            raise ValueError(f"touches column {name} must be a timestamp, got {touches[name].type}")
    late = _age_days(touches["occurred_at"], touches["converted_at"]) < 0
    if late.any():
        raise ValueError(
            f"touch row {int(np.argmax(late)) + 1}: touch occurred after its conversion"
        )
    revenue = pc.cast(touches["revenue"], pa.float64()).to_numpy(zero_copy_only=False)
    bad = ~np.isfinite(revenue) | (revenue < 0)
    if bad.any():
        raise ValueError(
            f"touch row {int(np.argmax(bad)) + 1}: revenue must be a non-negative number"
        )
    return touches.set_column(
        TOUCH_COLUMNS.index("revenue"), "revenue", pa.array(revenue, type=pa.float64())
    )
