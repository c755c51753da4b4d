"""Decile tables and accuracy summaries: exact figures on hand-made predictions."""

from __future__ import annotations

import pytest

from orchestration.clv import ClvInputError
from orchestration.clv.evaluation import accuracy_summary, decile_table


def test_decile_table_ranks_highest_predictions_first_and_keeps_totals() -> None:
    predicted = [0.1, 5.0, 2.0, 0.5, 3.0]
    actual = [0, 4, 3, 1, 2]
    table = decile_table(predicted, actual, groups=2)
    assert table == [
        {
            "group": 1,
            "customers": 3,
            "predicted_mean": pytest.approx(10 / 3, abs=1e-4),
            "actual_mean": 3.0,
            "predicted_total": 10.0,
            "actual_total": 9.0,
        },
        {
            "group": 2,
            "customers": 2,
            "predicted_mean": 0.3,
            "actual_mean": 0.5,
            "predicted_total": 0.6,
            "actual_total": 1.0,
        },
    ]
    assert sum(row["customers"] for row in decile_table(predicted, actual)) == 5


def test_accuracy_summary_figures() -> None:
    summary = accuracy_summary([1.0, 2.0, 3.0, 4.0], [1, 2, 4, 5])
    assert summary["predicted_total"] == 10.0
    assert summary["actual_total"] == 12.0
    assert summary["total_relative_error"] == pytest.approx(10 / 12 - 1, abs=1e-4)
    assert summary["mean_absolute_error"] == 0.5
    assert summary["spearman"] == 1.0


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ClvInputError, match="one length"):
        decile_table([1.0, 2.0], [1.0])
    with pytest.raises(ClvInputError, match="finite"):
        decile_table([1.0, float("nan")], [1.0, 2.0])
    with pytest.raises(ClvInputError, match="non-empty"):
        accuracy_summary([], [])
