"""Bench stage ``clv``: fit + predict BG/NBD and Gamma-Gamma at the bench scale.

Three measurements, each reported on its own (a part that cannot run says why):

- ``synthetic``: ``customers`` histories from a seeded BG/NBD + Gamma-Gamma process with known
  parameters — seconds per step, parameters recovered vs. true, predicted vs. actual purchases
  in the year after the window, per decile.
- ``simulator_true_identity``: the simulator's web-shop orders in ``workdir/landing`` mapped to
  persons through ``_truth/person_of_record`` (perfect identity), scored and compared with
  ``_truth/future_value`` per decile — the model's accuracy on the simulator's own process.
- ``pipeline``: ``marts.fct_orders`` of a warehouse in ``workdir`` (when an earlier stage built
  it), scored as the Dagster asset does, customer keys mapped to persons through
  ``marts.customer_identity_map`` and the truth, compared with ``_truth/future_value``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

SEED = 20_261_122
HORIZON_DAYS = 365


def run(customers: int, workdir: Path, report: dict[str, Any]) -> None:
    """Record the figures of all three measurements into ``report``."""
    report["synthetic"] = _synthetic(customers)
    landing = workdir / "landing"
    report["simulator_true_identity"] = _guarded(lambda: _simulator_true_identity(landing))
    report["pipeline"] = _guarded(lambda: _pipeline(workdir, landing))


def _guarded(measure: Any) -> dict[str, Any]:
    try:
        return measure()
    except _Skip as skip:
        return {"skipped": str(skip)}


class _Skip(Exception):
    """A measurement whose inputs are not there."""


def _future(frame: pd.DataFrame) -> pd.DataFrame:
    """_truth/future_value as person_id, future_orders, future_revenue (SEK)."""
    frame = frame.rename(columns={"future_revenue_sek": "future_revenue"})
    missing = {"person_id", "future_orders", "future_revenue"} - set(frame.columns)
    if missing:
        raise _Skip(f"_truth/future_value lacks {', '.join(sorted(missing))}")
    return frame[["person_id", "future_orders", "future_revenue"]]


def _synthetic(customers: int) -> dict[str, Any]:
    from orchestration.clv import evaluation, scoring, simulate
    from orchestration.clv.summary import rfm_summary

    timings: dict[str, float] = {}
    cpu_started = time.process_time()
    started = time.perf_counter()
    history = simulate.simulate(customers, seed=SEED, holdout_days=HORIZON_DAYS)
    timings["simulate"] = time.perf_counter() - started

    started = time.perf_counter()
    summary = rfm_summary(
        history.transactions,
        customer_column="customer_id",
        datetime_column="ordered_at",
        monetary_column="amount",
        observation_end=history.observation_end,
    )
    timings["summary"] = time.perf_counter() - started

    started = time.perf_counter()
    model = scoring.fit_models(summary)
    timings["fit"] = time.perf_counter() - started

    started = time.perf_counter()
    scored = scoring.score(model, summary, horizon_days=HORIZON_DAYS)
    timings["predict"] = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    scored = scored.join(history.future)

    true_params = {
        **simulate.DEFAULT_PURCHASES.as_dict(),
        **simulate.DEFAULT_SPEND.as_dict(),
    }
    fitted = {**model.purchases.params.as_dict(), **model.spend.params.as_dict()}
    return {
        "customers": customers,
        "transactions": len(history.transactions),
        "seconds": {name: round(value, 2) for name, value in timings.items()},
        "fit_plus_predict_seconds": round(timings["fit"] + timings["predict"], 2),
        "cpu_seconds_all_steps": round(cpu_seconds, 2),
        "parameters": {
            name: {
                "true": true_params[name],
                "fitted": round(fitted[name], 4),
                "relative_error": round(fitted[name] / true_params[name] - 1.0, 4),
            }
            for name in true_params
        },
        "converged": model.purchases.converged and model.spend.converged,
        "purchases_next_365d": evaluation.accuracy_summary(
            scored["predicted_purchases"], scored["future_purchases"]
        ),
        "purchases_by_decile": evaluation.decile_table(
            scored["predicted_purchases"], scored["future_purchases"]
        ),
        "revenue_next_365d": evaluation.accuracy_summary(
            scored["predicted_clv"], scored["future_revenue"]
        ),
        "mean_probability_alive": round(float(scored["probability_alive"].mean()), 4),
        "share_truly_alive": round(float(scored["is_alive_at_end"].mean()), 4),
    }


def _simulator_true_identity(landing: Path) -> dict[str, Any]:
    import duckdb

    orders_glob = landing / "webshop" / "orders" / "*.parquet"
    truth = landing / "_truth"
    if not list((landing / "webshop" / "orders").glob("*.parquet")):
        raise _Skip(f"no simulator web-shop orders under {landing}")
    if not (truth / "person_of_record.parquet").is_file():
        raise _Skip(f"no {truth / 'person_of_record.parquet'}")
    if not (truth / "future_value.parquet").is_file():
        raise _Skip(f"no {truth / 'future_value.parquet'}")
    try:
        from orchestration.sources.simulator.config import END_DATE
        from orchestration.sources.simulator.nordic import SEK_PER_UNIT
    except ImportError as error:
        raise _Skip(f"simulator constants unavailable: {error}") from error

    rates = ", ".join(f"('{code}', {rate})" for code, rate in SEK_PER_UNIT.items())
    with duckdb.connect() as con:
        orders = con.execute(
            f"""
            with versions as (
                select *, row_number() over (
                    partition by order_id order by updated_at desc
                ) as version_rank
                from read_parquet('{orders_glob}')
            ),
            current_orders as (
                select * from versions where version_rank = 1
            ),
            rates (currency, sek_per_unit) as (values {rates}),
            persons as (
                select source_record_id, person_id
                from read_parquet('{truth / "person_of_record.parquet"}')
                where source_system = 'webshop'
            ),
            final as (
                select
                    persons.person_id as customer_key,
                    current_orders.ordered_at,
                    cast(current_orders.order_total as double) * rates.sek_per_unit
                        as order_revenue_sek,
                    current_orders.status = 'cancelled' as is_cancelled
                from current_orders
                left join persons on persons.source_record_id = current_orders.account_id
                left join rates on rates.currency = current_orders.currency
            )
            select * from final
            """
        ).df()
        future = con.execute(f"select * from read_parquet('{truth / 'future_value.parquet'}')").df()
    unmapped = int(orders["customer_key"].isna().sum())
    figures = _score_against_truth(orders, future, observation_end=END_DATE.isoformat())
    figures["orders_without_true_person"] = unmapped
    return figures


def _pipeline(workdir: Path, landing: Path) -> dict[str, Any]:
    import duckdb

    truth = landing / "_truth"
    if not (truth / "future_value.parquet").is_file():
        raise _Skip(f"no {truth / 'future_value.parquet'}")
    for database in sorted(workdir.glob("*.duckdb")) + sorted(workdir.glob("*/*.duckdb")):
        with duckdb.connect(str(database), read_only=True) as con:
            tables = {
                row[0]
                for row in con.execute(
                    "select table_name from information_schema.tables where table_schema = 'marts'"
                ).fetchall()
            }
            if not {"fct_orders", "customer_identity_map"} <= tables:
                continue
            orders = con.execute(
                "select customer_key, ordered_at, order_revenue_sek, is_cancelled "
                "from marts.fct_orders"
            ).df()
            key_person = con.execute(
                f"""
                with votes as (
                    select
                        identity_map.customer_key,
                        truth.person_id,
                        count(*) as records
                    from marts.customer_identity_map as identity_map
                    inner join read_parquet('{truth / "person_of_record.parquet"}') as truth
                        on truth.source_system = identity_map.source_system
                        and truth.source_record_id = identity_map.source_record_id
                    group by all
                ),
                final as (
                    select
                        customer_key,
                        arg_max(person_id, records) as person_id,
                        max(records) / sum(records) as purity
                    from votes
                    group by customer_key
                )
                select * from final
                """
            ).df()
            future = con.execute(
                f"select * from read_parquet('{truth / 'future_value.parquet'}')"
            ).df()
        return _score_pipeline(orders, key_person, future, database)
    raise _Skip(f"no warehouse with marts.fct_orders and marts.customer_identity_map in {workdir}")


def _score_against_truth(
    orders: pd.DataFrame, future: pd.DataFrame, *, observation_end: str | None
) -> dict[str, Any]:
    from orchestration.clv import evaluation
    from orchestration.clv.orders import score_orders

    started = time.perf_counter()
    scores, metadata = score_orders(orders, observation_end=observation_end)
    seconds = time.perf_counter() - started
    truth = _future(future).set_index("person_id")
    joined = scores.set_index("customer_key").join(truth, how="left")
    joined[["future_orders", "future_revenue"]] = joined[
        ["future_orders", "future_revenue"]
    ].fillna(0)
    fitted = joined["predicted_purchases_365d"].notna()
    unscored = truth.loc[~truth.index.isin(scores["customer_key"])]
    result: dict[str, Any] = {
        "customers_scored": len(scores),
        "fit_plus_predict_seconds": round(seconds, 2),
        "model_status": metadata["model_status"],
        "model": metadata.get("model"),
        "orders_used": metadata["orders_used"],
        "future_orders_of_persons_without_window_orders": int(unscored["future_orders"].sum()),
    }
    if fitted.any():
        result["purchases_next_365d"] = evaluation.accuracy_summary(
            joined.loc[fitted, "predicted_purchases_365d"], joined.loc[fitted, "future_orders"]
        )
        result["purchases_by_decile"] = evaluation.decile_table(
            joined.loc[fitted, "predicted_purchases_365d"], joined.loc[fitted, "future_orders"]
        )
        result["revenue_next_365d_sek"] = evaluation.accuracy_summary(
            joined.loc[fitted, "predicted_clv_365d_sek"], joined.loc[fitted, "future_revenue"]
        )
    return result


def _score_pipeline(
    orders: pd.DataFrame, key_person: pd.DataFrame, future: pd.DataFrame, database: Path
) -> dict[str, Any]:
    """Score the pipeline's customer keys, sum predictions per majority true person."""
    from orchestration.clv import evaluation
    from orchestration.clv.orders import score_orders

    started = time.perf_counter()
    scores, metadata = score_orders(orders)
    seconds = time.perf_counter() - started
    mapping = key_person.set_index("customer_key")
    scores["person_id"] = scores["customer_key"].map(mapping["person_id"])
    result: dict[str, Any] = {
        "warehouse": str(database),
        "customers_scored": len(scores),
        "fit_plus_predict_seconds": round(seconds, 2),
        "model_status": metadata["model_status"],
        "model": metadata.get("model"),
        "orders_used": metadata["orders_used"],
        "customer_keys_in_identity_map": len(mapping),
        "share_of_keys_with_one_true_person": round(float((mapping["purity"] == 1).mean()), 4),
        "scored_keys_without_true_person": int(scores["person_id"].isna().sum()),
    }
    fitted = scores.dropna(subset=["person_id", "predicted_purchases_365d"])
    if fitted.empty:
        return result
    per_person = fitted.groupby("person_id")[
        ["predicted_purchases_365d", "predicted_clv_365d_sek"]
    ].sum()
    joined = per_person.join(_future(future).set_index("person_id"), how="left").fillna(0)
    result["persons_compared"] = len(joined)
    result["purchases_next_365d"] = evaluation.accuracy_summary(
        joined["predicted_purchases_365d"], joined["future_orders"]
    )
    result["purchases_by_decile"] = evaluation.decile_table(
        joined["predicted_purchases_365d"], joined["future_orders"]
    )
    result["revenue_next_365d_sek"] = evaluation.accuracy_summary(
        joined["predicted_clv_365d_sek"], joined["future_revenue"]
    )
    return result
