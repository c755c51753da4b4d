"""Per-customer RFM summary from transactions, in the form BG/NBD and Gamma-Gamma expect.

Transactions are grouped into calendar days (UTC): several purchases on the same day count as
one purchase occasion with their spend summed, as in Fader, Hardie & Lee (2005) and `lifetimes`.
For each customer:

- ``frequency``: number of *repeat* purchase days (purchase days − 1);
- ``recency_days``: days between the first and the last purchase day (the model's t_x — the
  customer's age at the last purchase, not the days since it);
- ``tenure_days``: days between the first purchase day and the observation end (the model's T);
- ``monetary_value``: mean spend per repeat purchase day (0 when there is no repeat purchase);
  the first purchase is left out, as the Gamma-Gamma model prescribes.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import numpy as np
import pandas as pd

from orchestration.clv.errors import ClvInputError

_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
SUMMARY_COLUMNS = ("frequency", "recency_days", "tenure_days", "monetary_value")


def to_utc_timestamp(value: str | date | datetime | pd.Timestamp) -> pd.Timestamp:
    """An observation end as a tz-aware UTC timestamp (naive inputs are taken as UTC).

    A bare date (``date`` object or ``"YYYY-MM-DD"``) means the end of that day, so purchases
    made on it are inside the window.
    """
    whole_day = (isinstance(value, date) and not isinstance(value, datetime)) or (
        isinstance(value, str) and _DATE_ONLY.fullmatch(value.strip()) is not None
    )
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as error:
        raise ClvInputError(f"observation end {value!r} is not a date or timestamp") from error
    if pd.isna(stamp):
        raise ClvInputError("observation end is missing (NaT)")
    if whole_day:
        stamp = stamp + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def rfm_summary(
    transactions: pd.DataFrame,
    *,
    customer_column: str,
    datetime_column: str,
    monetary_column: str,
    observation_end: str | date | datetime | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """One row per customer (index = customer id) with ``SUMMARY_COLUMNS``.

    ``observation_end`` defaults to the latest transaction. Raises :class:`ClvInputError` for
    missing columns, missing ids/dates/amounts, negative spend, or transactions after the
    observation end — nothing is dropped silently.
    """
    missing = [
        column
        for column in (customer_column, datetime_column, monetary_column)
        if column not in transactions.columns
    ]
    if missing:
        raise ClvInputError(
            f"transactions lack column(s) {', '.join(missing)}; "
            f"have {', '.join(map(str, transactions.columns))}"
        )
    customers = transactions[customer_column]
    stamps = _utc_stamps(transactions[datetime_column], datetime_column)
    amounts = pd.to_numeric(transactions[monetary_column], errors="coerce").astype("float64")
    _require_complete(customers.isna(), customer_column, transactions.index)
    _require_complete(stamps.isna(), datetime_column, transactions.index)
    _require_complete(
        amounts.isna() | ~np.isfinite(amounts.to_numpy()), monetary_column, transactions.index
    )
    negative = amounts < 0
    if negative.any():
        raise ClvInputError(
            f"{int(negative.sum())} transaction(s) have negative {monetary_column} "
            f"(first at row {transactions.index[negative.to_numpy()][0]!r}); "
            "refunds must be netted before the CLV summary"
        )

    if len(transactions) == 0:
        empty = pd.DataFrame(
            {
                "frequency": pd.Series(dtype="int64"),
                "recency_days": pd.Series(dtype="int64"),
                "tenure_days": pd.Series(dtype="int64"),
                "monetary_value": pd.Series(dtype="float64"),
            }
        )
        empty.index.name = customer_column
        return empty

    end = stamps.max() if observation_end is None else to_utc_timestamp(observation_end)
    late = stamps > end
    if late.any():
        raise ClvInputError(
            f"{int(late.sum())} transaction(s) in {datetime_column} are after the observation "
            f"end {end.isoformat()} (first at row {transactions.index[late.to_numpy()][0]!r})"
        )

    days = stamps.dt.floor("D").dt.tz_localize(None)
    frame = pd.DataFrame(
        {"customer": customers.to_numpy(), "day": days.to_numpy(), "amount": amounts.to_numpy()}
    )
    per_day = frame.groupby(["customer", "day"], sort=True, observed=True)["amount"].sum()
    per_day = per_day.reset_index()
    grouped = per_day.groupby("customer", sort=True)["day"]
    first_day = grouped.min()
    last_day = grouped.max()
    purchase_days = grouped.size()

    is_repeat = per_day["day"].to_numpy() > first_day.reindex(per_day["customer"]).to_numpy()
    repeat_spend = per_day.loc[is_repeat].groupby("customer", sort=True)["amount"].mean()

    end_day = end.floor("D").tz_localize(None)
    summary = pd.DataFrame(
        {
            "frequency": (purchase_days - 1).astype("int64"),
            "recency_days": (last_day - first_day).dt.days.astype("int64"),
            "tenure_days": (end_day - first_day).dt.days.astype("int64"),
            "monetary_value": repeat_spend.reindex(first_day.index, fill_value=0.0).astype(
                "float64"
            ),
        }
    )
    summary.index.name = customer_column
    return summary


def _utc_stamps(column: pd.Series, name: str) -> pd.Series:
    try:
        stamps = pd.to_datetime(column, utc=True)
    except (ValueError, TypeError) as error:
        raise ClvInputError(f"column {name} holds values that are not timestamps") from error
    return stamps


def _require_complete(missing: pd.Series, name: str, index: pd.Index) -> None:
    if missing.any():
        raise ClvInputError(
            f"{int(missing.sum())} transaction(s) have no valid {name} "
            f"(first at row {index[missing.to_numpy()][0]!r})"
        )
