"""Fits recover the parameters of a known simulated process; predictions track its future."""

from __future__ import annotations

import numpy as np
import pytest

from orchestration.clv import scoring, simulate
from orchestration.clv.summary import rfm_summary


@pytest.fixture(scope="module")
def history() -> simulate.SimulatedHistory:
    return simulate.simulate(8000, seed=7)


def test_simulation_is_reproducible_from_its_seed() -> None:
    first, second = simulate.simulate(300, seed=3), simulate.simulate(300, seed=3)
    assert first.transactions.equals(second.transactions)
    assert first.future.equals(second.future)
    assert not simulate.simulate(300, seed=4).transactions.equals(first.transactions)


def test_fit_recovers_the_true_parameters_and_forecasts_the_holdout(
    history: simulate.SimulatedHistory,
) -> None:
    summary = rfm_summary(
        history.transactions,
        customer_column="customer_id",
        datetime_column="ordered_at",
        monetary_column="amount",
        observation_end=history.observation_end,
    )
    assert len(summary) == 8000  # every simulated customer made a first purchase
    model = scoring.fit_models(summary)
    true_bgnbd = simulate.DEFAULT_PURCHASES.as_dict()
    for name, value in model.purchases.params.as_dict().items():
        assert value == pytest.approx(true_bgnbd[name], rel=0.25), name
    true_spend = simulate.DEFAULT_SPEND.as_dict()
    for name, value in model.spend.params.as_dict().items():
        assert value == pytest.approx(true_spend[name], rel=0.25), name

    scored = scoring.score(model, summary).join(history.future)
    predicted, actual = scored["predicted_purchases"].sum(), scored["future_purchases"].sum()
    assert predicted == pytest.approx(actual, rel=0.1)
    # ranking: the top predicted decile buys far more in the holdout than the bottom half
    ranked = scored.sort_values("predicted_purchases", ascending=False)
    top = ranked["future_purchases"].iloc[:800].mean()
    bottom = ranked["future_purchases"].iloc[4000:].mean()
    assert top > 5 * bottom
    # P(alive) is calibrated against who truly was alive at the observation end
    assert scored["probability_alive"].mean() == pytest.approx(
        scored["is_alive_at_end"].mean(), abs=0.05
    )


def test_discounting_lowers_clv_and_zero_discount_is_purchases_times_spend(
    history: simulate.SimulatedHistory,
) -> None:
    summary = rfm_summary(
        history.transactions.head(3000),
        customer_column="customer_id",
        datetime_column="ordered_at",
        monetary_column="amount",
        observation_end=history.observation_end,
    )
    model = scoring.fit_models(summary)
    plain = scoring.score(model, summary)
    np.testing.assert_allclose(
        plain["predicted_clv"],
        plain["predicted_purchases"] * plain["predicted_spend_per_purchase"],
        rtol=1e-12,
    )
    discounted = scoring.score(model, summary, annual_discount_rate=0.1)
    assert (discounted["predicted_clv"] <= plain["predicted_clv"] + 1e-9).all()
    assert discounted["predicted_clv"].sum() < plain["predicted_clv"].sum()
    assert discounted["predicted_clv"].sum() > plain["predicted_clv"].sum() / 1.1
    np.testing.assert_allclose(plain["churn_probability"], 1 - plain["probability_alive"])
