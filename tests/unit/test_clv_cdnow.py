"""CDNOW (real data): reproduce the published BG/NBD and Gamma-Gamma parameters within 1 %."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orchestration.clv import bgnbd, gamma_gamma
from orchestration.clv.summary import rfm_summary

pytestmark = pytest.mark.benchdata

# Fader, Hardie & Lee (2005), 2 357-customer CDNOW cohort, weeks; Gamma-Gamma as in `lifetimes`
PUBLISHED_BGNBD = {"r": 0.2426, "alpha": 4.4135, "a": 0.7929, "b": 2.4258}
PUBLISHED_GAMMA_GAMMA = {"p": 6.249, "q": 3.745, "v": 15.448}


@pytest.fixture
def cdnow(benchmark_data: Path) -> Path:
    folder = benchmark_data / "cdnow"
    if not (folder / "cdnow_customers_summary.csv").is_file():
        pytest.skip(f"CDNOW files not found in {folder}")
    return folder


def test_bgnbd_reproduces_the_published_parameters(cdnow: Path) -> None:
    data = pd.read_csv(cdnow / "cdnow_customers_summary.csv")
    fit = bgnbd.fit(data["frequency"], data["recency"], data["T"])
    assert fit.converged
    assert fit.customers == 2357
    for name, published in PUBLISHED_BGNBD.items():
        assert getattr(fit.params, name) == pytest.approx(published, rel=0.01), name
    # the published maximised log-likelihood (FHL 2005, table 1): −9582.4
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.1)


def test_gamma_gamma_reproduces_the_published_parameters(cdnow: Path) -> None:
    data = pd.read_csv(cdnow / "cdnow_customers_summary_with_transactions.csv")
    spenders = data[(data["x"] > 0) & (data["zbar"] > 0)]
    fit = gamma_gamma.fit(spenders["x"], spenders["zbar"])
    assert fit.converged
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert getattr(fit.params, name) == pytest.approx(published, rel=0.01), name


def test_summary_from_raw_transactions_equals_the_published_summary(cdnow: Path) -> None:
    """CDNOW_sample.txt → (x, t_x, T, mean repeat spend) of the 39-week calibration period."""
    transactions = pd.read_csv(
        cdnow / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer", "date", "cds", "spend"],
        dtype={"date": str},
    )
    transactions["purchased_at"] = pd.to_datetime(transactions["date"], format="%Y%m%d")
    calibration = transactions[transactions["purchased_at"] <= "1997-09-30"]
    summary = rfm_summary(
        calibration,
        customer_column="customer",
        datetime_column="purchased_at",
        monetary_column="spend",
        observation_end="1997-09-30",
    )
    published = pd.read_csv(cdnow / "cdnow_customers_summary_with_transactions.csv")
    joined = published.set_index("ID").join(summary, how="outer")
    assert len(joined) == 2357
    assert (joined["x"] == joined["frequency"]).all()
    # published figures are weeks and dollars rounded to 2 decimals
    np.testing.assert_allclose(joined["recency_days"] / 7, joined["t_x"], atol=0.0051)
    np.testing.assert_allclose(joined["tenure_days"] / 7, joined["T"], atol=0.0051)
    np.testing.assert_allclose(joined["monetary_value"], joined["zbar"], atol=0.0051)
