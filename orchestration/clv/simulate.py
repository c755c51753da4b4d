"""Seeded transactions from a known BG/NBD + Gamma-Gamma process (for tests and benchmarks).

Each customer makes a first purchase at a uniformly drawn acquisition time; while alive they
buy at Poisson rate λ ~ Gamma(r, α) (per ``time_unit_days``) and after every repeat purchase
drop out with probability p ~ Beta(a, b). Spend per purchase is Gamma(p_s, ν) with
ν ~ Gamma(q, v). Purchases after the observation end, up to ``holdout_days`` later, are the
ground truth for predictions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.clv.bgnbd import BgNbdParams
from orchestration.clv.errors import ClvInputError
from orchestration.clv.gamma_gamma import GammaGammaParams

DEFAULT_PURCHASES = BgNbdParams(r=0.25, alpha=4.0, a=0.8, b=2.5)
DEFAULT_SPEND = GammaGammaParams(p=6.0, q=4.0, v=15.0)


@dataclass(frozen=True)
class SimulatedHistory:
    """Transactions up to the observation end, and what happened after it per customer."""

    transactions: pd.DataFrame  # customer_id, ordered_at (UTC), amount
    future: pd.DataFrame  # index customer_id: future_purchases, future_revenue, is_alive_at_end
    observation_end: pd.Timestamp


def simulate(
    customers: int,
    *,
    seed: int,
    purchases: BgNbdParams = DEFAULT_PURCHASES,
    spend: GammaGammaParams = DEFAULT_SPEND,
    observation_days: int = 546,
    acquisition_days: int = 84,
    holdout_days: int = 365,
    time_unit_days: float = 7.0,
    start: str = "2025-01-01",
) -> SimulatedHistory:
    """Simulate ``customers`` histories; the same seed gives the same data."""
    if customers < 1:
        raise ClvInputError(f"customers must be positive, got {customers}")
    if not 0 < acquisition_days <= observation_days or holdout_days < 0:
        raise ClvInputError("need 0 < acquisition_days ≤ observation_days and holdout_days ≥ 0")
    rng = np.random.default_rng(seed)
    rate = rng.gamma(purchases.r, 1.0 / purchases.alpha, customers) / time_unit_days  # per day
    dropout = rng.beta(purchases.a, purchases.b, customers)
    scale = 1.0 / rng.gamma(spend.q, 1.0 / spend.v, customers)  # 1/ν
    birth = rng.uniform(0.0, acquisition_days, customers)
    horizon_end = float(observation_days + holdout_days)

    owners = [np.arange(customers)]
    times = [birth]
    active = np.arange(customers)
    clock = birth.copy()
    dropped_at = np.full(customers, np.inf)
    while active.size:
        gaps = rng.exponential(1.0, active.size) / np.maximum(rate[active], 1e-300)
        clock_next = clock + gaps
        bought = clock_next <= horizon_end
        active, clock = active[bought], clock_next[bought]
        owners.append(active)
        times.append(clock)
        survives = rng.uniform(size=active.size) >= dropout[active]
        dropped_at[active[~survives]] = clock[~survives]
        active, clock = active[survives], clock[survives]

    owner = np.concatenate(owners)
    day = np.concatenate(times)
    amount = rng.gamma(spend.p, scale[owner])
    origin = pd.Timestamp(start, tz="UTC")
    observed = day <= observation_days
    later = pd.DataFrame({"customer_id": owner[~observed], "amount": amount[~observed]})
    future = later.groupby("customer_id").agg(
        future_purchases=("amount", "size"), future_revenue=("amount", "sum")
    )
    future = future.reindex(np.arange(customers), fill_value=0)
    future.index.name = "customer_id"
    future["future_purchases"] = future["future_purchases"].astype("int64")
    future["future_revenue"] = future["future_revenue"].astype("float64")
    future["is_alive_at_end"] = dropped_at > observation_days
    transactions = pd.DataFrame(
        {
            "customer_id": owner[observed],
            "ordered_at": origin + pd.to_timedelta(day[observed], unit="D"),
            "amount": amount[observed],
        }
    ).sort_values(["customer_id", "ordered_at"], ignore_index=True)
    return SimulatedHistory(
        transactions=transactions,
        future=future,
        observation_end=origin + pd.Timedelta(days=observation_days),
    )
