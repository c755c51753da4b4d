"""Score a table of orders: RFM summary, both model fits and one CLV row per customer.

The logic behind the ``marts.customer_clv`` asset, free of Dagster so benchmarks and back-tests
can run it on any orders frame with customer_key, ordered_at, order_revenue_sek, is_cancelled.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from orchestration.clv import scoring, summary
from orchestration.clv.errors import ClvInputError, ClvModelError

HORIZON_DAYS = 365
TIME_UNIT_DAYS = 7.0

# output columns in order: name → duckdb type (customer_key keeps the type of fct_orders)
OUTPUT_COLUMNS: dict[str, str] = {
    "frequency": "integer",
    "recency_days": "integer",
    "tenure_days": "integer",
    "monetary_value_sek": "double",
    "probability_alive": "double",
    "predicted_purchases_365d": "double",
    "predicted_order_value_sek": "double",
    "predicted_clv_365d_sek": "double",
    "churn_probability": "double",
    "observation_end_at": "timestamptz",
    "fitted_at": "timestamptz",
}


def score_orders(
    orders: pd.DataFrame,
    *,
    observation_end: str | None = None,
    annual_discount_rate: float = 0.0,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-customer CLV rows (``OUTPUT_COLUMNS`` plus customer_key) and run metadata.

    Data errors (negative revenue, missing timestamps) raise ``ClvInputError``; a data set the
    models cannot be fitted on (e.g. no repeat buyer) yields rows with null predictions and
    ``model_status`` saying why.
    """
    missing = {"customer_key", "ordered_at", "order_revenue_sek", "is_cancelled"} - set(
        orders.columns
    )
    if missing:
        raise ClvInputError(f"orders lack column(s) {', '.join(sorted(missing))}")
    cancelled = orders["is_cancelled"].fillna(False).astype(bool)
    no_customer = orders["customer_key"].isna()
    stamps = pd.to_datetime(orders["ordered_at"], utc=True)
    if observation_end is not None:
        end = summary.to_utc_timestamp(observation_end)
    else:
        end = stamps.max() if stamps.notna().any() else None
    after_end = (stamps > end) if end is not None else pd.Series(False, index=orders.index)
    used = orders.loc[~cancelled & ~no_customer & ~after_end.fillna(False)]
    metadata: dict[str, Any] = {
        "orders_read": len(orders),
        "orders_used": len(used),
        "orders_cancelled_excluded": int(cancelled.sum()),
        "orders_without_customer_excluded": int((no_customer & ~cancelled).sum()),
        "orders_after_observation_end_excluded": int(
            (after_end.fillna(False) & ~cancelled & ~no_customer).sum()
        ),
        "observation_end": end.isoformat() if end is not None else None,
        "horizon_days": HORIZON_DAYS,
        "annual_discount_rate": annual_discount_rate,
    }
    rfm = summary.rfm_summary(
        used,
        customer_column="customer_key",
        datetime_column="ordered_at",
        monetary_column="order_revenue_sek",
        observation_end=end,
    )
    metadata["customers"] = len(rfm)
    metadata["repeat_customers"] = int((rfm["frequency"] > 0).sum())

    predictions = dict.fromkeys(
        (
            "probability_alive",
            "churn_probability",
            "predicted_purchases",
            "predicted_spend_per_purchase",
            "predicted_clv",
        ),
        np.full(len(rfm), np.nan),
    )
    if len(rfm) == 0:
        metadata["model_status"] = "not fitted: no orders"
    else:
        try:
            model = scoring.fit_models(rfm, time_unit_days=TIME_UNIT_DAYS)
            scored = scoring.score(
                model, rfm, horizon_days=HORIZON_DAYS, annual_discount_rate=annual_discount_rate
            )
        except (ClvInputError, ClvModelError) as error:
            metadata["model_status"] = f"not fitted: {error}"
        else:
            predictions = {column: scored[column].to_numpy() for column in predictions}
            metadata["model_status"] = "fitted"
            metadata["model"] = model.as_metadata()
            metadata["converged"] = model.purchases.converged and model.spend.converged
            metadata["predicted_clv_365d_sek_total"] = round(
                float(scored["predicted_clv"].sum()), 2
            )
            metadata["mean_probability_alive"] = round(float(scored["probability_alive"].mean()), 4)

    fitted_at = pd.Timestamp(datetime.now(UTC))
    frame = pd.DataFrame(
        {
            "customer_key": rfm.index.to_numpy(),
            "frequency": rfm["frequency"].to_numpy(),
            "recency_days": rfm["recency_days"].to_numpy(),
            "tenure_days": rfm["tenure_days"].to_numpy(),
            "monetary_value_sek": rfm["monetary_value"].to_numpy(),
            "probability_alive": predictions["probability_alive"],
            "predicted_purchases_365d": predictions["predicted_purchases"],
            "predicted_order_value_sek": predictions["predicted_spend_per_purchase"],
            "predicted_clv_365d_sek": predictions["predicted_clv"],
            "churn_probability": predictions["churn_probability"],
            "observation_end_at": end,
            "fitted_at": fitted_at,
        }
    )
    return frame, metadata
