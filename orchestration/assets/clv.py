"""Dagster asset ``marts.customer_clv``: BG/NBD + Gamma-Gamma CLV and churn per customer.

Reads ``marts.fct_orders`` through the ``duckdb`` resource, summarises each customer's orders
(cancelled orders and orders without a customer are left out and counted in the metadata),
fits both models and writes one row per customer to ``marts.customer_clv``. The observation
end defaults to the latest order; set it earlier to back-test (later orders are then left out
and counted).
"""

# no `from __future__ import annotations`: Dagster reads the config class from the signature
import time
from typing import TYPE_CHECKING, Any

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import Field

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

CLV_KEY = dg.AssetKey(["marts", "customer_clv"])
ORDERS_KEY = dg.AssetKey(["marts", "fct_orders"])


class CustomerClvConfig(dg.Config):
    """Run settings of the CLV fit."""

    observation_end: str | None = Field(
        default=None,
        description="ISO date or timestamp (UTC when no zone) ending the observed window; "
        "default: the latest ordered_at in marts.fct_orders.",
    )
    annual_discount_rate: float = Field(
        default=0.0, ge=0.0, description="Yearly discount rate applied to the 365-day CLV."
    )


@dg.asset(
    key=CLV_KEY,
    group_name="core",
    deps=[ORDERS_KEY],
    pool="duckdb_writer",
    kinds={"python", "duckdb"},
    description=(
        "Predicted 365-day purchases, CLV (SEK) and churn probability per customer from a "
        "BG/NBD purchase model and a Gamma-Gamma spend model fitted on marts.fct_orders. "
        "frequency = repeat purchase days; recency_days = days from first to last purchase "
        "(BG/NBD t_x); tenure_days = days from first purchase to the observation end (T); "
        "monetary_value_sek = mean revenue per repeat purchase day; churn_probability = "
        "1 − P(alive at the observation end)."
    ),
)
def customer_clv(
    context: dg.AssetExecutionContext, config: CustomerClvConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    from orchestration.clv.orders import score_orders

    started = time.perf_counter()
    with duckdb.get_connection() as con:
        orders, key_type = _read_orders(con)
        scores, metadata = score_orders(
            orders,
            observation_end=config.observation_end,
            annual_discount_rate=config.annual_discount_rate,
        )
        if metadata.get("model_status") != "fitted":
            context.log.warning(f"customer_clv: {metadata['model_status']}")
        elif not metadata.get("converged", True):
            context.log.warning("customer_clv: a model fit stopped before converging")
        _write_scores(con, scores, key_type)
    metadata["seconds"] = round(time.perf_counter() - started, 2)
    metadata["dagster/row_count"] = len(scores)
    return dg.MaterializeResult(metadata=_dagster_metadata(metadata))


def _read_orders(con: "duckdb.DuckDBPyConnection") -> "tuple[pd.DataFrame, str]":
    import duckdb as duckdb_module

    try:
        described = con.execute("describe marts.fct_orders").fetchall()
    except duckdb_module.CatalogException as error:
        raise dg.Failure(
            "marts.fct_orders does not exist in the warehouse; materialise the dbt core layer first"
        ) from error
    types = {row[0]: row[1] for row in described}
    needed = ("customer_key", "ordered_at", "order_revenue_sek", "is_cancelled")
    missing = [column for column in needed if column not in types]
    if missing:
        raise dg.Failure(f"marts.fct_orders lacks column(s) {', '.join(missing)}")
    orders = con.execute(
        "select customer_key, ordered_at, order_revenue_sek, is_cancelled from marts.fct_orders"
    ).df()
    return orders, types["customer_key"]


def _write_scores(con: "duckdb.DuckDBPyConnection", scores: "pd.DataFrame", key_type: str) -> None:
    """Replace marts.customer_clv in one transaction; customer_key keeps fct_orders' type."""
    from orchestration.clv.orders import OUTPUT_COLUMNS

    casts = ",\n    ".join(
        [f"cast(customer_key as {key_type}) as customer_key"]
        + [f"cast({name} as {sql_type}) as {name}" for name, sql_type in OUTPUT_COLUMNS.items()]
    )
    con.execute("create schema if not exists marts")
    con.register("clv_scores_frame", scores)
    try:
        con.execute("begin transaction")
        con.execute(
            f"create or replace table marts.customer_clv as\nselect\n    {casts}\n"
            "from clv_scores_frame\norder by customer_key"
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("clv_scores_frame")


def _dagster_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in metadata.items():
        if isinstance(value, dict):
            out[name] = dg.MetadataValue.json(value)
        elif value is None:
            out[name] = dg.MetadataValue.text("")
        else:
            out[name] = value
    return out
