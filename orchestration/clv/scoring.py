"""Fit BG/NBD + Gamma-Gamma on an RFM summary and score every customer's CLV.

CLV over a horizon = Σ over monthly steps of (expected purchases in the step) × (expected spend
per purchase) × discount factor; with no discount this is E[Y(horizon)] × E[M]. The models work
in ``time_unit_days`` (weeks by default: parameters then read like CDNOW's published ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from orchestration.clv import bgnbd, gamma_gamma
from orchestration.clv.errors import ClvInputError
from orchestration.clv.summary import SUMMARY_COLUMNS

SCORE_COLUMNS = (
    "probability_alive",
    "churn_probability",
    "predicted_purchases",
    "predicted_spend_per_purchase",
    "predicted_clv",
)


@dataclass(frozen=True)
class ClvModel:
    """Both fitted models and the time unit their parameters are in."""

    purchases: bgnbd.BgNbdFit
    spend: gamma_gamma.GammaGammaFit
    time_unit_days: float
    frequency_spend_correlation: float

    def as_metadata(self) -> dict[str, Any]:
        return {
            "time_unit_days": self.time_unit_days,
            "bgnbd": self.purchases.as_metadata(),
            "gamma_gamma": self.spend.as_metadata(),
            "frequency_spend_correlation": (
                None
                if np.isnan(self.frequency_spend_correlation)
                else self.frequency_spend_correlation
            ),
        }


def _require_summary(summary: pd.DataFrame) -> None:
    missing = [column for column in SUMMARY_COLUMNS if column not in summary.columns]
    if missing:
        raise ClvInputError(f"RFM summary lacks column(s) {', '.join(missing)}")


def fit_models(summary: pd.DataFrame, *, time_unit_days: float = 7.0) -> ClvModel:
    """Fit BG/NBD on every customer and Gamma-Gamma on repeat customers with spend > 0."""
    _require_summary(summary)
    if time_unit_days <= 0:
        raise ClvInputError(f"time unit must be positive, got {time_unit_days} days")
    x = summary["frequency"].to_numpy(dtype="float64")
    purchases = bgnbd.fit(
        x,
        summary["recency_days"].to_numpy(dtype="float64") / time_unit_days,
        summary["tenure_days"].to_numpy(dtype="float64") / time_unit_days,
    )
    m = summary["monetary_value"].to_numpy(dtype="float64")
    spenders = (x > 0) & (m > 0)
    if not spenders.any():
        raise ClvInputError(
            "Gamma-Gamma needs customers with a repeat purchase and positive spend; none found "
            f"among {len(summary)} customers"
        )
    spend = gamma_gamma.fit(x[spenders], m[spenders])
    correlation = (
        float(np.corrcoef(x[spenders], m[spenders])[0, 1]) if spenders.sum() > 2 else float("nan")
    )
    return ClvModel(
        purchases=purchases,
        spend=spend,
        time_unit_days=time_unit_days,
        frequency_spend_correlation=correlation,
    )


def score(
    model: ClvModel,
    summary: pd.DataFrame,
    *,
    horizon_days: float = 365.0,
    annual_discount_rate: float = 0.0,
    steps: int = 12,
) -> pd.DataFrame:
    """``summary`` with ``SCORE_COLUMNS`` added (predictions over ``horizon_days``)."""
    _require_summary(summary)
    if horizon_days <= 0 or steps < 1:
        raise ClvInputError("horizon must be positive and split into at least one step")
    if not np.isfinite(annual_discount_rate) or annual_discount_rate < 0:
        raise ClvInputError(f"annual discount rate must be ≥ 0, got {annual_discount_rate}")
    unit = model.time_unit_days
    x = summary["frequency"].to_numpy(dtype="float64")
    t_x = summary["recency_days"].to_numpy(dtype="float64") / unit
    T = summary["tenure_days"].to_numpy(dtype="float64") / unit
    params = model.purchases.params

    alive = bgnbd.probability_alive(params, x, t_x, T)
    purchases = bgnbd.conditional_expected_purchases(params, horizon_days / unit, x, t_x, T)
    spend = gamma_gamma.conditional_expected_spend(
        model.spend.params, x, summary["monetary_value"].to_numpy(dtype="float64")
    )
    if annual_discount_rate == 0:
        discounted_purchases = purchases
    else:
        discounted_purchases = np.zeros_like(purchases)
        previous = np.zeros_like(purchases)
        for step in range(1, steps + 1):
            step_days = horizon_days * step / steps
            cumulative = bgnbd.conditional_expected_purchases(params, step_days / unit, x, t_x, T)
            factor = (1.0 + annual_discount_rate) ** (-step_days / 365.0)
            discounted_purchases += (cumulative - previous) * factor
            previous = cumulative

    scored = summary.copy()
    scored["probability_alive"] = alive
    scored["churn_probability"] = 1.0 - alive
    scored["predicted_purchases"] = purchases
    scored["predicted_spend_per_purchase"] = spend
    scored["predicted_clv"] = discounted_purchases * spend
    return scored
