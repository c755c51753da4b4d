"""The BG/NBD purchase model (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

While alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each
purchase they drop out with probability p ~ Beta(a, b). Per customer the data are
x (repeat purchases), t_x (time of the last purchase since the first) and T (time since the
first purchase), all in one time unit of the caller's choosing (CDNOW's published fit is in
weeks). Parameters are fitted by maximum likelihood on the log scale from fixed start values,
so a fit is deterministic.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

from orchestration.clv.errors import ClvInputError, ClvModelError

# log-parameter box: keeps the optimiser away from overflow on degenerate data
_LOG_BOUNDS = (np.log(1e-6), np.log(1e6))
_START = (1.0, 1.0, 1.0, 1.0)


@dataclass(frozen=True)
class BgNbdParams:
    """Fitted BG/NBD parameters: purchase rate Gamma(r, alpha), dropout Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class BgNbdFit:
    """A maximum-likelihood fit and how it went."""

    params: BgNbdParams
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
    frequency: ArrayLike, recency: ArrayLike, tenure: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    x = np.asarray(frequency, dtype="float64")
    t_x = np.asarray(recency, dtype="float64")
    T = np.asarray(tenure, dtype="float64")
    if not (x.shape == t_x.shape == T.shape):
        raise ClvInputError(
            f"frequency, recency and tenure differ in shape: {x.shape}, {t_x.shape}, {T.shape}"
        )
    checks = {
        "frequency is negative, missing or not a whole number": ~np.isfinite(x)
        | (x < 0)
        | (x != np.round(x)),
        "recency is negative or missing": ~np.isfinite(t_x) | (t_x < 0),
        "tenure is negative or missing": ~np.isfinite(T) | (T < 0),
        "recency exceeds tenure": t_x > T,
        "a customer with repeat purchases has recency 0": (x > 0) & (t_x <= 0),
        "a customer without repeat purchases has recency > 0": (x == 0) & (t_x > 0),
    }
    for problem, bad in checks.items():
        if np.any(bad):
            first = int(np.flatnonzero(bad)[0])
            raise ClvInputError(
                f"{int(bad.sum())} customer(s): {problem} (first at position {first})"
            )
    return x, t_x, T


def log_likelihood(
    params: BgNbdParams, frequency: ArrayLike, recency: ArrayLike, tenure: ArrayLike
) -> NDArray[np.float64]:
    """Per-customer log-likelihood, eq. (6) of Fader, Hardie & Lee (2005), in log space."""
    x, t_x, T = _validated(frequency, recency, tenure)
    return _log_likelihood_and_gradient(params.r, params.alpha, params.a, params.b, x, t_x, T)[0]


def _log_likelihood_and_gradient(
    r: float,
    alpha: float,
    a: float,
    b: float,
    x: NDArray[np.float64],
    t_x: NDArray[np.float64],
    T: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-customer log-likelihood and its gradient (4 × n) in (r, alpha, a, b)."""
    repeat = x > 0
    x_safe = np.where(repeat, x, 1.0)
    still_alive = -(r + x) * np.log(alpha + T)
    dropped = np.log(a) - np.log(b + x_safe - 1.0) - (r + x) * np.log(alpha + t_x)
    combined = np.where(repeat, np.logaddexp(still_alive, dropped), still_alive)
    w_alive = np.exp(still_alive - combined)
    w_dropped = np.where(repeat, np.exp(dropped - combined), 0.0)
    values = (
        special.gammaln(r + x)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.betaln(a, b + x)
        - special.betaln(a, b)
        + combined
    )
    psi_ab, psi_abx = special.digamma(a + b), special.digamma(a + b + x)
    gradient = np.vstack(
        [
            special.digamma(r + x)
            - special.digamma(r)
            + np.log(alpha)
            - w_alive * np.log(alpha + T)
            - w_dropped * np.log(alpha + t_x),
            r / alpha - (r + x) * (w_alive / (alpha + T) + w_dropped / (alpha + t_x)),
            psi_ab - psi_abx + w_dropped / a,
            special.digamma(b + x)
            - special.digamma(b)
            + psi_ab
            - psi_abx
            - w_dropped / (b + x_safe - 1.0),
        ]
    )
    return values, gradient


def fit(
    frequency: ArrayLike,
    recency: ArrayLike,
    tenure: ArrayLike,
    *,
    weights: ArrayLike | None = None,
) -> BgNbdFit:
    """Maximum-likelihood BG/NBD fit (L-BFGS-B on log-parameters, fixed start values).

    ``weights`` counts identical customers (rows of a compressed summary). Raises
    :class:`ClvInputError` on invalid data and :class:`ClvModelError` when the optimiser ends
    without a finite likelihood.
    """
    x, t_x, T = _validated(frequency, recency, tenure)
    if x.size == 0:
        raise ClvInputError("BG/NBD needs at least one customer; got none")
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype="float64")
    if w.shape != x.shape or np.any(~np.isfinite(w) | (w < 0)):
        raise ClvInputError("weights must be finite, non-negative and one per customer")
    x, t_x, T, w = _compress(x, t_x, T, w)
    total = float(w.sum())

    def objective(log_params: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        values, gradient = _log_likelihood_and_gradient(*np.exp(log_params), x, t_x, T)
        value = -float(np.dot(w, values)) / total
        if not np.isfinite(value):
            return 1e300, np.zeros(4)
        # chain rule for the log-parameterisation: d/d log θ = θ · d/dθ
        return value, -(gradient @ w) * np.exp(log_params) / total

    result = optimize.minimize(
        objective,
        x0=np.log(np.asarray(_START)),
        jac=True,
        method="L-BFGS-B",
        bounds=[_LOG_BOUNDS] * 4,
        options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9},
    )
    if not np.isfinite(result.fun) or result.fun >= 1e300:
        raise ClvModelError(f"BG/NBD fit found no finite likelihood: {result.message}")
    r, alpha, a, b = (float(v) for v in np.exp(result.x))
    return BgNbdFit(
        params=BgNbdParams(r=r, alpha=alpha, a=a, b=b),
        log_likelihood=-float(result.fun) * total,
        customers=round(total),
        converged=bool(result.success),
        iterations=int(result.nit),
        message=str(result.message),
    )


def _compress(
    x: NDArray[np.float64],
    t_x: NDArray[np.float64],
    T: NDArray[np.float64],
    w: NDArray[np.float64],
) -> tuple[NDArray[np.float64], ...]:
    """Identical (x, t_x, T) rows merged into one weighted row: same likelihood, less work."""
    stacked = np.column_stack([x, t_x, T])
    unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=w, minlength=len(unique))
    return unique[:, 0], unique[:, 1], unique[:, 2], merged


def probability_alive(
    params: BgNbdParams, frequency: ArrayLike, recency: ArrayLike, tenure: ArrayLike
) -> NDArray[np.float64]:
    """P(alive at T | x, t_x, T), eq. (A12) of Fader, Hardie & Lee; 1 when x = 0."""
    x, t_x, T = _validated(frequency, recency, tenure)
    return np.exp(-_log_dropout_odds_term(params, x, t_x, T))


def _log_dropout_odds_term(
    params: BgNbdParams, x: NDArray[np.float64], t_x: NDArray[np.float64], T: NDArray[np.float64]
) -> NDArray[np.float64]:
    """log(1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)), computed without overflow."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    repeat = x > 0
    x_safe = np.where(repeat, x, 1.0)
    log_odds = (
        np.log(a) - np.log(b + x_safe - 1.0) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    )
    return np.where(repeat, np.logaddexp(0.0, log_odds), 0.0)


def conditional_expected_purchases(
    params: BgNbdParams,
    horizon: float | ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    tenure: ArrayLike,
) -> NDArray[np.float64]:
    """E[Y(t) | x, t_x, T]: expected purchases in the next ``horizon`` time units, eq. (10)."""
    x, t_x, T = _validated(frequency, recency, tenure)
    t = np.asarray(horizon, dtype="float64")
    if np.any(~np.isfinite(t) | (t < 0)):
        raise ClvInputError("the prediction horizon must be finite and non-negative")
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    if np.isclose(a, 1.0, rtol=0.0, atol=1e-9):
        raise ClvModelError("BG/NBD expectation is undefined at a = 1 exactly")
    # Euler's transformation of eq. (10): ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z)
    # = (1−z)^(a−1) · 2F1(a+b−1−r, a−1; a+b+x−1; z), whose small upper parameters keep the
    # series accurate for heavy buyers (the untransformed form overflows to inf·0).
    z = t / (alpha + T + t)
    tail = np.exp((a - 1.0) * np.log1p(-z)) * special.hyp2f1(
        a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z
    )
    expected = (a + b + x - 1.0) / (a - 1.0) * (1.0 - tail)
    result = expected * np.exp(-_log_dropout_odds_term(params, x, t_x, T))
    if np.any(~np.isfinite(result)):
        bad = int(np.flatnonzero(~np.isfinite(result))[0])
        raise ClvModelError(
            f"conditional expected purchases not finite (first at position {bad}); "
            f"parameters {params.as_dict()}"
        )
    return np.maximum(result, 0.0)


def expected_purchases(params: BgNbdParams, horizon: float | ArrayLike) -> NDArray[np.float64]:
    """E[X(t)] for a customer just acquired: expected purchases in ``horizon``, eq. (9)."""
    t = np.asarray(horizon, dtype="float64")
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    if np.isclose(a, 1.0, rtol=0.0, atol=1e-9):
        raise ClvModelError("BG/NBD expectation is undefined at a = 1 exactly")
    z = t / (alpha + t)
    # Euler's transformation as in conditional_expected_purchases (x = 0, T = 0)
    tail = (1.0 - z) ** (a - 1.0) * special.hyp2f1(a + b - 1.0 - r, a - 1.0, a + b - 1.0, z)
    return (a + b - 1.0) / (a - 1.0) * (1.0 - tail)
