"""score_orders: the asset's logic without Dagster — exclusions, degenerate data, errors."""

from __future__ import annotations

import pandas as pd
import pytest

from orchestration.clv import ClvInputError
from orchestration.clv.orders import OUTPUT_COLUMNS, score_orders


def _orders(rows: list[tuple[str | None, str, float, bool]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["customer_key", "ordered_at", "order_revenue_sek", "is_cancelled"]
    )
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"], utc=True)
    return frame


def test_data_the_models_cannot_fit_keeps_summaries_and_nulls_predictions() -> None:
    scores, metadata = score_orders(
        _orders(
            [
                ("a", "2025-01-01 10:00", 100.0, False),
                ("b", "2025-02-01 10:00", 50.0, False),
                ("b", "2025-02-03 10:00", 70.0, True),  # cancelled: not a repeat purchase
                (None, "2025-02-04 10:00", 70.0, False),
            ]
        )
    )
    assert metadata["model_status"].startswith("not fitted: Gamma-Gamma needs")
    assert list(scores.columns) == ["customer_key", *OUTPUT_COLUMNS]
    assert scores["customer_key"].tolist() == ["a", "b"]
    assert scores["frequency"].tolist() == [0, 0]
    assert scores["tenure_days"].tolist() == [34, 3]  # default end: latest order, 2025-02-04
    assert scores["predicted_clv_365d_sek"].isna().all()
    assert metadata["orders_cancelled_excluded"] == 1
    assert metadata["orders_without_customer_excluded"] == 1
    assert metadata["orders_used"] == 2


def test_missing_order_columns_are_named() -> None:
    with pytest.raises(ClvInputError, match="is_cancelled"):
        score_orders(pd.DataFrame({"customer_key": [], "ordered_at": [], "order_revenue_sek": []}))


def test_null_revenue_on_a_live_order_is_an_error_not_a_silent_zero() -> None:
    with pytest.raises(ClvInputError, match="no valid order_revenue_sek"):
        score_orders(_orders([("a", "2025-01-01", float("nan"), False)]))
