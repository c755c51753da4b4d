"""BG/NBD and Gamma-Gamma: hand-checkable formulas, invariants, errors, parameter recovery."""

from __future__ import annotations

import math

import numpy as np
import pytest

from orchestration.clv import ClvInputError, ClvModelError, bgnbd, gamma_gamma
from orchestration.clv.bgnbd import BgNbdParams
from orchestration.clv.gamma_gamma import GammaGammaParams

CDNOW = BgNbdParams(r=0.2426, alpha=4.4135, a=0.7929, b=2.4258)


def _likelihood_direct(p: BgNbdParams, x: int, t_x: float, T: float) -> float:
    """Eq. (6) of Fader, Hardie & Lee (2005) in plain (non-log) arithmetic."""
    r, alpha, a, b = p.r, p.alpha, p.a, p.b
    beta = math.gamma(a) * math.gamma(b) / math.gamma(a + b)
    gamma_part = math.gamma(r + x) * alpha**r / math.gamma(r)
    alive = (
        math.gamma(a)
        * math.gamma(b + x)
        / math.gamma(a + b + x)
        / beta
        * gamma_part
        / (alpha + T) ** (r + x)
    )
    if x == 0:
        return alive
    dropped = (
        math.gamma(a + 1)
        * math.gamma(b + x - 1)
        / math.gamma(a + b + x)
        / beta
        * gamma_part
        / (alpha + t_x) ** (r + x)
    )
    return alive + dropped


def _hyp2f1_series(a: float, b: float, c: float, z: float, terms: int = 5000) -> float:
    total, term = 0.0, 1.0
    for k in range(terms):
        total += term
        term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
    return total


def _expected_direct(p: BgNbdParams, t: float, x: int, t_x: float, T: float) -> float:
    """Eq. (10) untransformed, with a plain hypergeometric series."""
    r, alpha, a, b = p.r, p.alpha, p.a, p.b
    z = t / (alpha + T + t)
    tail = ((alpha + T) / (alpha + T + t)) ** (r + x) * _hyp2f1_series(
        r + x, b + x, a + b + x - 1, z
    )
    numerator = (a + b + x - 1) / (a - 1) * (1 - tail)
    odds = a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x) if x > 0 else 0.0
    return numerator / (1 + odds)


@pytest.mark.parametrize(("x", "t_x", "T"), [(0, 0.0, 38.86), (1, 1.71, 38.86), (7, 30.0, 35.0)])
def test_log_likelihood_equals_the_published_formula(x: int, t_x: float, T: float) -> None:
    got = bgnbd.log_likelihood(CDNOW, [x], [t_x], [T])[0]
    assert got == pytest.approx(math.log(_likelihood_direct(CDNOW, x, t_x, T)), rel=1e-10)


@pytest.mark.parametrize(
    ("t", "x", "t_x", "T"),
    [(52.0, 0, 0.0, 38.86), (52.0, 1, 5.0, 38.86), (39.0, 10, 30.0, 38.86), (10.0, 3, 1.0, 5.0)],
)
def test_conditional_expectation_equals_the_published_formula(
    t: float, x: int, t_x: float, T: float
) -> None:
    got = bgnbd.conditional_expected_purchases(CDNOW, t, [x], [t_x], [T])[0]
    assert got == pytest.approx(_expected_direct(CDNOW, t, x, t_x, T), rel=1e-9)


def test_heavy_buyers_stay_finite_and_scale_with_their_rate() -> None:
    """The untransformed eq. (10) overflows here (inf·0); the Euler form must not."""
    x = np.array([50, 200, 1000, 5000, 20000])
    T = np.full(5, 38.86)
    expected = bgnbd.conditional_expected_purchases(CDNOW, 52.0, x, T, T)
    assert np.all(np.isfinite(expected))
    assert expected[0] == pytest.approx(_expected_direct(CDNOW, 52.0, 50, 38.86, 38.86), rel=1e-9)
    # for large x both the purchase rate (∝ x) and the dropout chance per purchase (∝ 1/x)
    # scale, so expected purchases per unit of the posterior rate tend to a constant below 1
    per_rate = expected / ((CDNOW.r + x) * 52.0 / (CDNOW.alpha + T))
    assert np.all((per_rate > 0) & (per_rate < 1))
    assert per_rate[-1] == pytest.approx(per_rate[-2], rel=0.01)


def test_no_repeat_purchase_means_alive_with_certainty() -> None:
    alive = bgnbd.probability_alive(CDNOW, [0, 0], [0.0, 0.0], [1.0, 78.0])
    assert alive.tolist() == [1.0, 1.0]


def test_more_recent_buyers_are_more_likely_alive_and_buy_more() -> None:
    recency = np.array([1.0, 10.0, 20.0, 30.0, 38.0])
    x, T = np.full(5, 3), np.full(5, 38.86)
    alive = bgnbd.probability_alive(CDNOW, x, recency, T)
    expected = bgnbd.conditional_expected_purchases(CDNOW, 52.0, x, recency, T)
    assert np.all(np.diff(alive) > 0)
    assert np.all(np.diff(expected) > 0)
    assert np.all((alive > 0) & (alive <= 1))


def test_expectation_is_zero_at_zero_horizon_and_grows_with_it() -> None:
    horizons = np.array([0.0, 1.0, 10.0, 52.0, 520.0])
    expected = bgnbd.conditional_expected_purchases(CDNOW, horizons, 2, 20.0, 30.0)
    assert expected[0] == 0.0
    assert np.all(np.diff(expected) > 0)


def test_new_customer_expectation_matches_the_conditional_one_at_time_zero() -> None:
    unconditional = bgnbd.expected_purchases(CDNOW, [10.0, 52.0])
    conditional = bgnbd.conditional_expected_purchases(CDNOW, np.array([10.0, 52.0]), 0, 0.0, 0.0)
    np.testing.assert_allclose(unconditional, conditional, rtol=1e-12)
    # published CDNOW figure: a new customer makes ~1.4 repeat purchases in 52 weeks (FHL fig. 3)
    assert 1.2 < unconditional[1] < 1.6


@pytest.mark.parametrize(
    ("x", "t_x", "T", "message"),
    [
        ([-1], [0.0], [1.0], "frequency is negative"),
        ([1.5], [1.0], [2.0], "whole number"),
        ([2], [5.0], [4.0], "recency exceeds tenure"),
        ([2], [0.0], [4.0], "recency 0"),
        ([0], [1.0], [4.0], "without repeat purchases has recency"),
        ([1], [float("nan")], [4.0], "recency is negative or missing"),
        ([0], [0.0], [float("nan")], "tenure is negative or missing"),
    ],
)
def test_bgnbd_rejects_impossible_summaries(
    x: list[float], t_x: list[float], T: list[float], message: str
) -> None:
    with pytest.raises(ClvInputError, match=message):
        bgnbd.fit(x, t_x, T)


def test_bgnbd_fit_is_deterministic_and_weights_equal_repeated_rows() -> None:
    x, t_x, T = [0, 1, 3, 0, 2], [0.0, 2.0, 10.0, 0.0, 6.0], [12.0, 12.0, 11.0, 3.0, 7.0]
    first, second = bgnbd.fit(x, t_x, T), bgnbd.fit(x, t_x, T)
    assert first.params == second.params
    repeated = bgnbd.fit(x * 3, t_x * 3, T * 3)
    weighted = bgnbd.fit(x, t_x, T, weights=[3] * 5)
    assert repeated.log_likelihood == pytest.approx(weighted.log_likelihood, rel=1e-9)


def test_gamma_gamma_expected_spend_is_the_published_weighted_mean() -> None:
    params = GammaGammaParams(p=6.249, q=3.745, v=15.448)
    population = 6.249 * 15.448 / (3.745 - 1)
    got = gamma_gamma.conditional_expected_spend(params, [0, 1, 4], [0.0, 20.0, 50.0])
    weight = np.array([0.0, 6.249, 4 * 6.249]) / (np.array([0.0, 6.249, 4 * 6.249]) + 2.745)
    np.testing.assert_allclose(
        got, (1 - weight) * population + weight * np.array([0.0, 20.0, 50.0]), rtol=1e-12
    )
    assert got[0] == pytest.approx(population)


def test_gamma_gamma_log_likelihood_equals_the_published_formula() -> None:
    p, q, v, x, m = 6.249, 3.745, 15.448, 3, 25.0
    direct = (
        math.gamma(p * x + q)
        / (math.gamma(p * x) * math.gamma(q))
        * v**q
        * m ** (p * x - 1)
        * x ** (p * x)
        / (v + m * x) ** (p * x + q)
    )
    got = gamma_gamma.log_likelihood(GammaGammaParams(p, q, v), [x], [m])[0]
    assert got == pytest.approx(math.log(direct), rel=1e-10)


def test_gamma_gamma_refuses_non_repeat_or_zero_spend_and_infinite_mean() -> None:
    with pytest.raises(ClvInputError, match="frequency is 0"):
        gamma_gamma.fit([0, 2], [10.0, 5.0])
    with pytest.raises(ClvInputError, match="filter monetary > 0"):
        gamma_gamma.fit([1, 2], [0.0, 5.0])
    with pytest.raises(ClvInputError, match="negative"):
        gamma_gamma.conditional_expected_spend(GammaGammaParams(6, 4, 15), [1], [-1.0])
    with pytest.raises(ClvModelError, match="infinite"):
        gamma_gamma.conditional_expected_spend(GammaGammaParams(6, 0.9, 15), [1], [10.0])


def test_analytic_gradients_match_finite_differences() -> None:
    """The fits use analytic gradients; a wrong one would stop the optimiser short."""
    from orchestration.clv.bgnbd import _log_likelihood_and_gradient
    from orchestration.clv.gamma_gamma import _gradient
    from orchestration.clv.gamma_gamma import _log_likelihood as gg_log_likelihood

    x, t_x, T = np.array([0.0, 1.0, 4.0]), np.array([0.0, 3.0, 20.0]), np.array([30.0, 25.0, 22.0])
    theta = np.array([0.3, 5.0, 0.9, 2.2])
    _, gradient = _log_likelihood_and_gradient(*theta, x, t_x, T)
    for i in range(4):
        step = np.zeros(4)
        step[i] = 1e-6 * theta[i]
        upper = _log_likelihood_and_gradient(*(theta + step), x, t_x, T)[0]
        lower = _log_likelihood_and_gradient(*(theta - step), x, t_x, T)[0]
        np.testing.assert_allclose(gradient[i], (upper - lower) / (2 * step[i]), rtol=1e-5)

    freq, spend = np.array([1.0, 3.0, 10.0]), np.array([20.0, 35.0, 12.5])
    theta_gg = np.array([6.0, 3.5, 15.0])
    gradient_gg = _gradient(*theta_gg, freq, spend)
    for i in range(3):
        step = np.zeros(3)
        step[i] = 1e-6 * theta_gg[i]
        upper = gg_log_likelihood(*(theta_gg + step), freq, spend)
        lower = gg_log_likelihood(*(theta_gg - step), freq, spend)
        np.testing.assert_allclose(gradient_gg[i], (upper - lower) / (2 * step[i]), rtol=1e-5)
