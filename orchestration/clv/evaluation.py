"""Compare predictions with what happened: decile tables and totals (benchmarks, back-tests)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from orchestration.clv.errors import ClvInputError


def decile_table(
    predicted: ArrayLike, actual: ArrayLike, *, groups: int = 10
) -> list[dict[str, Any]]:
    """Customers ranked by prediction (highest first) in ``groups`` near-equal groups.

    Each row: group (1 = highest predictions), customers, mean and total predicted and actual.
    Ties are broken by position, so the table is deterministic.
    """
    pred = np.asarray(predicted, dtype="float64")
    act = np.asarray(actual, dtype="float64")
    if pred.shape != act.shape or pred.ndim != 1:
        raise ClvInputError(
            f"predicted and actual must be 1-d of one length: {pred.shape}, {act.shape}"
        )
    if np.any(~np.isfinite(pred)) or np.any(~np.isfinite(act)):
        raise ClvInputError("predicted and actual values must be finite")
    if groups < 1:
        raise ClvInputError(f"groups must be ≥ 1, got {groups}")
    order = np.argsort(-pred, kind="stable")
    rows = []
    for number, members in enumerate(np.array_split(order, groups), start=1):
        if members.size == 0:
            continue
        rows.append(
            {
                "group": number,
                "customers": int(members.size),
                "predicted_mean": round(float(pred[members].mean()), 4),
                "actual_mean": round(float(act[members].mean()), 4),
                "predicted_total": round(float(pred[members].sum()), 2),
                "actual_total": round(float(act[members].sum()), 2),
            }
        )
    return rows


def accuracy_summary(predicted: ArrayLike, actual: ArrayLike) -> dict[str, Any]:
    """Totals, relative error of the total, mean absolute error, and rank correlation."""
    pred = np.asarray(predicted, dtype="float64")
    act = np.asarray(actual, dtype="float64")
    if pred.shape != act.shape or pred.size == 0:
        raise ClvInputError("predicted and actual must be non-empty and of one length")
    total_actual = float(act.sum())
    return {
        "customers": int(pred.size),
        "predicted_total": round(float(pred.sum()), 2),
        "actual_total": round(total_actual, 2),
        "total_relative_error": (
            round(float(pred.sum() / total_actual - 1.0), 4) if total_actual else None
        ),
        "mean_absolute_error": round(float(np.abs(pred - act).mean()), 4),
        "spearman": _spearman(pred, act),
    }


def _spearman(pred: np.ndarray, act: np.ndarray) -> float | None:
    if pred.size < 3:
        return None
    from scipy import stats

    value = stats.spearmanr(pred, act).statistic
    return None if not np.isfinite(value) else round(float(value), 4)
