"""The Gamma-Gamma spend model (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value").

A customer's spend per purchase is Gamma(p, ν) with ν ~ Gamma(q, v) across customers, so the
mean spend m_x of a customer's x repeat purchases carries the likelihood below. Fitted on
customers with at least one repeat purchase and positive mean spend; assumes spend is
independent of purchase frequency (check the correlation before trusting it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

from orchestration.clv.errors import ClvInputError, ClvModelError

_LOG_BOUNDS = (np.log(1e-6), np.log(1e8))
_START = (1.0, 1.0, 1.0)


@dataclass(frozen=True)
class GammaGammaParams:
    """Spend shape p; the customer-level scale ν ~ Gamma(q, v)."""

    p: float
    q: float
    v: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)

    def population_mean_spend(self) -> float:
        """E[M] = p·v/(q−1); defined for q > 1 only."""
        if self.q <= 1.0:
            raise ClvModelError(f"Gamma-Gamma mean spend is infinite for q = {self.q:.4g} ≤ 1")
        return self.p * self.v / (self.q - 1.0)


@dataclass(frozen=True)
class GammaGammaFit:
    """A maximum-likelihood fit and how it went."""

    params: GammaGammaParams
    log_likelihood: float
    customers: int
    converged: bool
    iterations: int
    message: str

    def as_metadata(self) -> dict[str, Any]:
        return {
            **self.params.as_dict(),
            "log_likelihood": self.log_likelihood,
            "customers": self.customers,
            "converged": self.converged,
            "iterations": self.iterations,
        }


def _validated(
    frequency: ArrayLike, monetary_value: ArrayLike, *, for_fit: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    x = np.asarray(frequency, dtype="float64")
    m = np.asarray(monetary_value, dtype="float64")
    if x.shape != m.shape:
        raise ClvInputError(f"frequency and monetary value differ in shape: {x.shape}, {m.shape}")
    checks = {
        "frequency is negative or missing": ~np.isfinite(x) | (x < 0),
        "monetary value is negative or missing": ~np.isfinite(m) | (m < 0),
    }
    if for_fit:
        checks["frequency is 0 (fit on repeat customers only)"] = x == 0
        checks["monetary value is 0 (filter monetary > 0 before the fit)"] = m == 0
    for problem, bad in checks.items():
        if np.any(bad):
            first = int(np.flatnonzero(bad)[0])
            raise ClvInputError(
                f"{int(bad.sum())} customer(s): {problem} (first at position {first})"
            )
    return x, m


def log_likelihood(
    params: GammaGammaParams, frequency: ArrayLike, monetary_value: ArrayLike
) -> NDArray[np.float64]:
    """Per-customer log-likelihood of the mean repeat spend (x > 0, m_x > 0)."""
    x, m = _validated(frequency, monetary_value, for_fit=True)
    return _log_likelihood(params.p, params.q, params.v, x, m)


def _log_likelihood(
    p: float, q: float, v: float, x: NDArray[np.float64], m: NDArray[np.float64]
) -> NDArray[np.float64]:
    px = p * x
    return (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(v)
        + (px - 1.0) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(x * m + v)
    )


def _gradient(
    p: float, q: float, v: float, x: NDArray[np.float64], m: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Gradient (3 × n) of the per-customer log-likelihood in (p, q, v)."""
    px = p * x
    psi_total = special.digamma(px + q)
    log_total = np.log(x * m + v)
    return np.vstack(
        [
            x * (psi_total - special.digamma(px) + np.log(m) + np.log(x) - log_total),
            psi_total - special.digamma(q) + np.log(v) - log_total,
            q / v - (px + q) / (x * m + v),
        ]
    )


def fit(
    frequency: ArrayLike, monetary_value: ArrayLike, *, weights: ArrayLike | None = None
) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma fit (L-BFGS-B on log-parameters, fixed start values).

    Every customer must have frequency > 0 and monetary value > 0; filter before calling.
    """
    x, m = _validated(frequency, monetary_value, for_fit=True)
    if x.size == 0:
        raise ClvInputError("Gamma-Gamma needs at least one repeat customer with spend; got none")
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype="float64")
    if w.shape != x.shape or np.any(~np.isfinite(w) | (w < 0)):
        raise ClvInputError("weights must be finite, non-negative and one per customer")
    total = float(w.sum())
    # scale spend to order 1 for the optimiser; v scales with it, p and q do not
    scale = float(np.average(m, weights=w)) if total > 0 else 1.0
    m_scaled = m / scale

    def objective(log_params: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        p, q, v = np.exp(log_params)
        value = -float(np.dot(w, _log_likelihood(p, q, v, x, m_scaled))) / total
        if not np.isfinite(value):
            return 1e300, np.zeros(3)
        gradient = _gradient(p, q, v, x, m_scaled) @ w
        return value, -gradient * np.exp(log_params) / total

    result = optimize.minimize(
        objective,
        x0=np.log(np.asarray(_START)),
        jac=True,
        method="L-BFGS-B",
        bounds=[_LOG_BOUNDS] * 3,
        options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9},
    )
    if not np.isfinite(result.fun) or result.fun >= 1e300:
        raise ClvModelError(f"Gamma-Gamma fit found no finite likelihood: {result.message}")
    p, q, v_scaled = (float(value) for value in np.exp(result.x))
    params = GammaGammaParams(p=p, q=q, v=v_scaled * scale)
    return GammaGammaFit(
        params=params,
        log_likelihood=float(np.dot(w, _log_likelihood(p, q, params.v, x, m))),
        customers=round(total),
        converged=bool(result.success),
        iterations=int(result.nit),
        message=str(result.message),
    )


def conditional_expected_spend(
    params: GammaGammaParams, frequency: ArrayLike, monetary_value: ArrayLike
) -> NDArray[np.float64]:
    """E[M | x, m_x] = (q−1)/(px+q−1)·E[M] + px/(px+q−1)·m_x, eq. (5) of Fader & Hardie 2013.

    A weighted mean of the population mean spend and the customer's own mean; customers
    without repeat purchases get the population mean.
    """
    x, m = _validated(frequency, monetary_value, for_fit=False)
    population = params.population_mean_spend()
    px = params.p * x
    weight_own = px / (px + params.q - 1.0)
    return (1.0 - weight_own) * population + weight_own * m
