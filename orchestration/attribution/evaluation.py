"""Attribution accuracy against the simulator's truth (true incremental conversions per channel).

Per model: Spearman rank correlation between attributed and true channel totals, and the total
absolute error between attributed and true channel *shares* (0 = identical split, 2 = disjoint),
both over the channels the truth covers.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np


def _ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks (ties share their mean rank), 1-based."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and sorted_values[j + 1] == sorted_values[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def share_accuracy(attributed: Mapping[str, float], truth: Mapping[str, float]) -> dict[str, float]:
    """Rank correlation and total absolute share error over the channels the truth covers (the
    simulator knows the effect of marketing channels only; direct, organic etc. are baseline).
    Attributed shares are renormalised among those channels; ``other_share`` is the part of the
    attributed conversions that went to channels without truth. Negative values count as 0."""
    channels = sorted(truth)
    got = np.array([max(attributed.get(c, 0.0), 0.0) for c in channels])
    true = np.array([max(truth[c], 0.0) for c in channels])
    everything = sum(max(value, 0.0) for value in attributed.values())
    got_share = got / got.sum() if got.sum() > 0 else got
    true_share = true / true.sum() if true.sum() > 0 else true
    rank_got, rank_true = _ranks(got), _ranks(true)
    if len(channels) > 1 and rank_got.std() > 0 and rank_true.std() > 0:
        correlation = float(np.corrcoef(rank_got, rank_true)[0, 1])
    else:
        correlation = float("nan")
    return {
        "rank_correlation": round(correlation, 4),
        "share_abs_error": round(float(np.abs(got_share - true_share).sum()), 4),
        "other_share": round(max(0.0, 1 - float(got.sum()) / everything), 4)
        if everything > 0
        else 0.0,
    }


def incremental_accuracy(
    result: list[dict[str, Any]], truth: Mapping[str, float]
) -> dict[str, dict[str, float]]:
    """Per model with an incremental estimate (rows of ``attribute_paths``): rank correlation and
    share error of its estimated incremental conversions, and estimated / true total."""
    scored: dict[str, dict[str, float]] = {}
    true_total = sum(max(value, 0.0) for value in truth.values())
    for model in dict.fromkeys(row["model"] for row in result):
        estimate = {
            row["channel"]: row["incremental_conversions"]
            for row in result
            if row["model"] == model and row["incremental_conversions"] is not None
        }
        if not estimate:
            continue
        total = sum(value for channel, value in estimate.items() if channel in truth)
        scored[model] = {
            **share_accuracy(estimate, truth),
            "estimated_over_true_total": round(total / true_total, 4) if true_total else 0.0,
        }
    return scored


def find_truth_inputs(workdir: Path) -> tuple[Path, Path] | None:
    """(warehouse with ``intermediate.int_conversion_paths``, ``_truth/channel_effects.parquet``)
    under ``workdir``; None when either is absent."""
    truth_file = next(iter(sorted(workdir.rglob("_truth/channel_effects.parquet"))), None)
    if truth_file is None:
        return None
    for database in sorted(workdir.rglob("*.duckdb")):
        if _has_paths_table(database):
            return database, truth_file
    return None


def _has_paths_table(database: Path) -> bool:
    import duckdb

    try:
        with duckdb.connect(str(database), read_only=True) as con:
            found = con.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = 'intermediate' and table_name = 'int_conversion_paths'"
            ).fetchall()
    except duckdb.Error:
        return False
    return found[0][0] > 0


def compare_with_truth(workdir: Path) -> dict[str, Any] | None:
    """:func:`score_warehouse` on the warehouse and truth found under ``workdir``; None when
    either is absent."""
    found = find_truth_inputs(workdir)
    return None if found is None else score_warehouse(*found)


def score_warehouse(database: Path, truth_file: Path) -> dict[str, Any]:
    """Every model on ``intermediate.int_conversion_paths`` of ``database``, scored against the
    simulator's true incremental conversions per channel. Scored twice: on the paths as they are,
    and with the channels the truth does not cover (direct, organic search, ... when web
    sessions are on the paths) dropped from the paths first. ``last_touch`` and
    ``best_data_driven`` summarise how far the data-driven models get beyond last touch;
    ``incremental`` scores the models' incremental-conversion estimates (on the second
    variant), which is what the truth measures."""
    import duckdb
    import pyarrow.parquet as pq

    from orchestration.attribution.engine import DATA_DRIVEN, MODELS, attribute_paths
    from orchestration.attribution.paths import drop_channels
    from orchestration.attribution.warehouse import read_path_summary

    with duckdb.connect(str(database), read_only=True) as con:
        table = read_path_summary(con)
    truth = pq.read_table(truth_file).to_pylist()
    true_effect = {row["channel"]: float(row["true_incremental_conversions"]) for row in truth}
    only_truth = drop_channels(table, [c for c in table.channels if c not in true_effect])
    scores: dict[str, Any] = {
        "path_rows": table.n_paths,
        "conversions": float(table.conversions.sum()),
        "non_converting_journeys": float(table.non_conversions.sum()),
        "channels": list(table.channels),
        "true_incremental_conversions": true_effect,
    }
    for variant, paths in (("all_channels", table), ("truth_channels_only", only_truth)):
        result = attribute_paths(paths, list(MODELS)).to_pylist()
        scored = {
            model: share_accuracy(
                {r["channel"]: r["conversions"] for r in result if r["model"] == model},
                true_effect,
            )
            for model in MODELS
        }
        scores[variant] = scored
    scores["incremental"] = incremental_accuracy(result, true_effect)
    ranked = scores["truth_channels_only"]
    best = min(sorted(DATA_DRIVEN), key=lambda model: ranked[model]["share_abs_error"])
    scores["best_data_driven"] = {"model": best, **ranked[best]}
    scores["last_touch"] = ranked["last_touch"]
    return scores
