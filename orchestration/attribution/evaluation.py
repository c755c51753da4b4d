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


def compare_with_truth(workdir: Path) -> dict[str, Any] | None:
    """Every model on ``intermediate.int_conversion_paths`` of the warehouse in ``workdir``,
    scored against ``<landing>/_truth/channel_effects.parquet``; None when either is absent.
    Scored twice: on the paths as they are, and with the channels the truth does not cover
    (direct, organic search, referral, ...) dropped from the paths first."""
    import duckdb
    import pyarrow.parquet as pq

    from orchestration.attribution.engine import MODELS, attribute_paths
    from orchestration.attribution.paths import drop_channels, parse_paths

    warehouse = next(iter(sorted(workdir.glob("**/*.duckdb"))), None)
    truth_file = next(iter(sorted(workdir.glob("**/_truth/channel_effects.parquet"))), None)
    if warehouse is None or truth_file is None:
        return None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'intermediate' and table_name = 'int_conversion_paths'"
        ).fetchall()[0][0]
        if not exists:
            return None
        summary = con.sql(
            """
            with paths as (
                select
                    path_id,
                    bool_or(is_converting) as is_converting,
                    string_agg(channel, ' > ' order by touch_number) as path,
                from intermediate.int_conversion_paths
                group by path_id
            )
            select
                path,
                sum(case when is_converting then 1 else 0 end)::double as conversions,
                sum(case when is_converting then 0 else 1 end)::double as non_conversions,
            from paths
            group by path
            """
        ).to_arrow_table()
    truth = pq.read_table(truth_file).to_pylist()
    true_effect = {row["channel"]: float(row["true_incremental_conversions"]) for row in truth}
    table = parse_paths(
        summary["path"], summary["conversions"].to_numpy(), summary["non_conversions"].to_numpy()
    )
    only_truth = drop_channels(table, [c for c in table.channels if c not in true_effect])
    scores: dict[str, Any] = {"path_rows": table.n_paths}
    for variant, paths in (("all_channels", table), ("truth_channels_only", only_truth)):
        result = attribute_paths(paths, list(MODELS)).to_pylist()
        scores[variant] = {
            model: share_accuracy(
                {r["channel"]: r["conversions"] for r in result if r["model"] == model},
                true_effect,
            )
            for model in MODELS
        }
    return scores
