"""RFM summary from transactions: exact figures on hand-made data, clear errors on bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from orchestration.clv import ClvInputError
from orchestration.clv.summary import rfm_summary


def _transactions(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer", "at", "amount"])


def _summary(frame: pd.DataFrame, end: str | None = "2024-01-31") -> pd.DataFrame:
    return rfm_summary(
        frame,
        customer_column="customer",
        datetime_column="at",
        monetary_column="amount",
        observation_end=end,
    )


def test_exact_frequency_recency_tenure_and_repeat_spend() -> None:
    frame = _transactions(
        [
            ("a", "2024-01-01 09:00", 100.0),
            ("a", "2024-01-01 18:00", 50.0),  # same day: one purchase occasion of 150
            ("a", "2024-01-11 10:00", 30.0),
            ("a", "2024-01-21 10:00", 10.0),
            ("b", "2024-01-15 12:00", 80.0),  # one purchase only
            ("c", "2024-01-30 23:59", 5.0),
            ("c", "2024-01-31 00:01", 7.0),
        ]
    )
    summary = _summary(frame)
    assert summary.to_dict("index") == {
        "a": {"frequency": 2, "recency_days": 20, "tenure_days": 30, "monetary_value": 20.0},
        "b": {"frequency": 0, "recency_days": 0, "tenure_days": 16, "monetary_value": 0.0},
        "c": {"frequency": 1, "recency_days": 1, "tenure_days": 1, "monetary_value": 7.0},
    }


def test_default_observation_end_is_latest_transaction_and_days_are_utc() -> None:
    frame = _transactions(
        [
            # 23:30 in Stockholm on the 1st is 22:30 UTC the same day; 01:00+01 is the 2nd 00:00 UTC
            ("a", "2024-01-01T23:30:00+01:00", 10.0),
            ("a", "2024-01-03T01:00:00+01:00", 10.0),
            ("b", "2024-01-05T12:00:00+00:00", 10.0),
        ]
    )
    summary = _summary(frame, end=None)
    assert summary.loc["a", "recency_days"] == 2
    assert summary.loc["a", "tenure_days"] == 4
    assert summary.loc["b", "tenure_days"] == 0


def test_every_customer_appears_once_and_purchase_days_add_up() -> None:
    frame = _transactions([(f"c{i % 7}", f"2024-01-{1 + i % 28:02d}", float(i)) for i in range(60)])
    summary = _summary(frame)
    assert sorted(summary.index) == sorted(frame["customer"].unique())
    days = frame.assign(day=pd.to_datetime(frame["at"]).dt.date).drop_duplicates(
        ["customer", "day"]
    )
    assert int((summary["frequency"] + 1).sum()) == len(days)
    assert (summary["recency_days"] <= summary["tenure_days"]).all()


def test_empty_input_gives_empty_summary() -> None:
    summary = _summary(_transactions([]))
    assert summary.empty
    assert list(summary.columns) == ["frequency", "recency_days", "tenure_days", "monetary_value"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("a", "2024-01-01", -5.0)], "negative amount"),
        ([("a", "2024-02-01", 5.0)], "after the observation end"),
        ([(None, "2024-01-01", 5.0)], "no valid customer"),
        ([("a", None, 5.0)], "no valid at"),
        ([("a", "2024-01-01", float("nan"))], "no valid amount"),
    ],
)
def test_bad_transactions_raise_naming_the_problem(
    rows: list[tuple[str | None, str | None, float]], message: str
) -> None:
    with pytest.raises(ClvInputError, match=message):
        _summary(_transactions(rows))  # type: ignore[arg-type]


def test_missing_column_is_named() -> None:
    with pytest.raises(ClvInputError, match="lack column"):
        rfm_summary(
            pd.DataFrame({"customer": ["a"]}),
            customer_column="customer",
            datetime_column="at",
            monetary_column="amount",
        )


def test_unparseable_observation_end_is_an_input_error() -> None:
    with pytest.raises(ClvInputError, match="observation end"):
        _summary(_transactions([("a", "2024-01-01", 1.0)]), end="not a date")


def test_a_bare_date_as_observation_end_includes_that_whole_day() -> None:
    frame = _transactions([("a", "2024-01-01 08:00", 1.0), ("a", "2024-01-31 23:00", 2.0)])
    summary = _summary(frame, end="2024-01-31")
    assert summary.loc["a", "tenure_days"] == 30
    with pytest.raises(ClvInputError, match="after the observation end"):
        _summary(frame, end="2024-01-31T22:00:00")
