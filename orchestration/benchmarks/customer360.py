"""Benchmark stage ``customer360``: the customer-360 and journey marts at scale, and stage accuracy.

Works on the bench warehouse the ``extract`` stage wrote (``<workdir>/**/*.duckdb`` with raw
tables). Missing inputs are produced first and timed separately: the dbt staging layer, the
identity map (``resolve_identities``) and, when the ``clv`` stage has not written it, an empty
``marts.customer_clv`` (CLV is benchmarked by its own stage). Then:

1. every raw row gets the load time of a daily pipeline (02:00 UTC the day after its landing
   day), and the rows of the latest landing day are held back from every raw table;
2. full build: ``dbt run --full-refresh`` of the staging tables (incremental event tables,
   order versions) and the core and journey models (facts, dimensions, customer_360, stage
   history, KPIs; data tests excluded from the timing);
3. one-day increment: the held-back rows are loaded again (new ``_loaded_at``) and the same
   models run incrementally — the daily run;
4. journey stages at the as-of date compared with ``_truth/stages`` per person (the person's main
   customer key through the identity map and ``_truth/person_of_record``; funnel stages count
   as the truth's "prospect"): confusion matrix, and precision / recall of churn (at_risk or
   lapsed) and of lapse detection.
Figures: seconds and peak resident memory of each dbt run, the slowest models' seconds (dbt's
run_results), row counts, increment / full ratio.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from orchestration.benchmarks.warehouse import find_warehouse, has_table, model_seconds, run_dbt

# the timed builds: the staging tables (incremental event tables, the order versions) and the
# core and journey models
STAGING_TABLES = ["path:models/staging,config.materialized:incremental",
                  "path:models/staging,config.materialized:table"]  # fmt: skip
CORE_SELECTION = [*STAGING_TABLES, "path:models/intermediate/core",
                  "path:models/intermediate/journey", "path:models/marts/core",
                  "path:models/marts/journey"]  # fmt: skip
STAGING_SELECTION = ["path:seeds", "path:models/staging", "path:models/intermediate/identity"]
UPSTREAM_SELECTION = [*STAGING_SELECTION, "path:models/marts/identity"]
# each landing day's batch counts as loaded at 02:00 UTC the next day (a daily pipeline)
LOADED_AT = (
    "timezone('UTC', cast(regexp_extract(_source_file, '(\\d{4}-\\d{2}-\\d{2})', 1) as date)"
    " + interval 26 hour)"
)
FUNNEL_STAGES = ("aware", "engaged", "considering")
CHURN_STAGES = ("at_risk", "lapsed")


def run(customers: int, workdir: Path, report: dict[str, Any]) -> None:
    """Build the customer-360/journey marts on the bench warehouse; record the figures."""
    import duckdb

    database = find_warehouse(workdir, [("raw", "web__events")])
    if database is None:
        report["skipped"] = "no warehouse with raw tables under the work folder (run extract)"
        return
    report["warehouse"] = database.name
    dbt_work = workdir / "dbt_customer360"
    if not has_table(database, "marts", "customer_identity_map"):
        report["upstream_dbt"] = run_dbt(database, dbt_work, "run", "--select", *STAGING_SELECTION)
        report["identity_seconds"] = _resolve_identities(database)
    report["seed"] = run_dbt(database, dbt_work, "seed")
    with duckdb.connect(str(database)) as con:
        _ensure_clv_table(con, report)
        _restore_held_back(con)  # left over by an interrupted earlier run
        held_day, held_rows = _hold_back_latest_day(con)
    report["held_back_day"], report["held_back_rows"] = held_day, held_rows
    # staging and dim_customer (tables upstream of the marts) as the pipeline has them, without
    # the held-back day (incremental staging tables are rebuilt from raw)
    report["upstream_dbt_before_full"] = run_dbt(
        database, dbt_work, "run", "--full-refresh", "--select", *UPSTREAM_SELECTION
    )
    core = ["--select", *CORE_SELECTION]
    report["full"] = run_dbt(database, dbt_work, "run", "--full-refresh", *core)
    report["full"]["slowest_models"] = model_seconds(dbt_work)
    with duckdb.connect(str(database)) as con:
        _restore_held_back(con)
    report["increment"] = run_dbt(database, dbt_work, "run", *core)
    report["increment"]["slowest_models"] = model_seconds(dbt_work)
    full, increment = report["full"]["seconds"], report["increment"]["seconds"]
    report["increment_over_full"] = round(increment / full, 3) if full else None
    with duckdb.connect(str(database), read_only=True) as con:
        report["rows"] = _row_counts(con)
        report["stage_accuracy"] = _stage_accuracy(con, workdir)


def _resolve_identities(database: Path) -> float:
    import duckdb

    from orchestration.assets.identity import read_inputs, write_outputs
    from orchestration.identity.resolve import resolve_identities

    started = time.perf_counter()
    with duckdb.connect(str(database)) as con:
        inputs = read_inputs(con)
        result = resolve_identities(inputs["records"], links=inputs["links"])
        write_outputs(con, result)
    return round(time.perf_counter() - started, 1)


def _ensure_clv_table(con: Any, report: dict[str, Any]) -> None:
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'customer_clv'"
    ).fetchall()[0][0]
    report["clv_scores"] = "from the clv stage" if exists else "absent: empty table"
    if not exists:
        con.execute(
            "create table marts.customer_clv (customer_key varchar, frequency integer, "
            "recency_days integer, tenure_days integer, monetary_value_sek double, "
            "probability_alive double, predicted_purchases_365d double, "
            "predicted_clv_365d_sek double, churn_probability double, fitted_at timestamptz)"
        )


def _raw_tables(con: Any) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.columns where table_schema = 'raw' "
        "and column_name = '_source_file' order by table_name"
    ).fetchall()
    return [row[0] for row in rows]


def _hold_back_latest_day(con: Any) -> tuple[str | None, int]:
    """Daily load times; the latest landing day's rows of every raw table to bench_holdback."""
    days = [
        con.execute(
            f"select max(regexp_extract(_source_file, '(\\d{{4}}-\\d{{2}}-\\d{{2}})', 1)) "
            f"from raw.{table}"
        ).fetchall()[0][0]
        for table in _raw_tables(con)
    ]
    days = [day for day in days if day]
    if not days:
        return None, 0
    day = max(days)
    con.execute("create schema if not exists bench_holdback")
    held = 0
    for table in _raw_tables(con):
        con.execute(f"update raw.{table} set _loaded_at = {LOADED_AT}")
        predicate = f"_source_file like '%/{day}.%'"
        con.execute(
            f"create or replace table bench_holdback.{table} as "
            f"select * from raw.{table} where {predicate}"
        )
        held += con.execute(f"select count(*) from bench_holdback.{table}").fetchall()[0][0]
        con.execute(f"delete from raw.{table} where {predicate}")
    return day, held


def _restore_held_back(con: Any) -> None:
    """Load the held-back rows again: the next daily batch."""
    con.execute("create schema if not exists bench_holdback")
    held = {row[0] for row in con.execute(
        "select table_name from information_schema.tables where table_schema = 'bench_holdback'"
    ).fetchall()}  # fmt: skip
    for table in sorted(held):
        con.execute(f"insert into raw.{table} select * from bench_holdback.{table}")
        con.execute(f"drop table bench_holdback.{table}")


def _row_counts(con: Any) -> dict[str, int]:
    tables = ("fct_touchpoints", "fct_web_sessions", "fct_orders", "fct_order_lines",
              "customer_360", "fct_customer_stage_history", "dim_customer_history")  # fmt: skip
    return {
        table: con.execute(f"select count(*) from marts.{table}").fetchall()[0][0]
        for table in tables
    }


def _stage_accuracy(con: Any, workdir: Path) -> dict[str, Any] | str:
    """Truth stage of each person at the as-of date vs the current stage of the person's main
    customer (the customer key holding most of the person's identity records)."""
    stages = sorted(workdir.rglob("_truth/stages.parquet"))
    persons = sorted(workdir.rglob("_truth/person_of_record.parquet"))
    if not stages or not persons:
        return "no _truth/stages.parquet and person_of_record.parquet under the work folder"
    funnel = ", ".join(f"'{stage}'" for stage in FUNNEL_STAGES)
    rows = con.execute(
        f"""
        with
        as_of as (select as_of_date from intermediate.int_as_of_date),
        records as (
            select identity_map.customer_key, truth.person_id, count(*) as record_count
            from marts.customer_identity_map as identity_map
            inner join read_parquet('{persons[0]}') as truth
                on identity_map.source_system = truth.source_system
                and identity_map.source_record_id = truth.source_record_id
            group by 1, 2
        ),
        person_customers as (
            -- each person's main customer: the key holding most of the person's records
            select person_id, arg_max(customer_key, record_count) as customer_key
            from records group by person_id
        ),
        truth_now as (
            select truth.person_id, arg_max(truth.stage, truth.valid_from) as stage
            from read_parquet('{stages[0]}') as truth
            cross join as_of
            where cast(truth.valid_from as date) <= as_of.as_of_date
                and (truth.valid_to is null or cast(truth.valid_to as date) > as_of.as_of_date)
            group by truth.person_id
        ),
        predicted as (
            select
                customer_key,
                case when stage in ({funnel}) then 'prospect' else stage end as stage
            from marts.fct_customer_stage_history
            where is_current
        )
        select truth_now.stage as true_stage, predicted.stage as predicted_stage, count(*)
        from truth_now
        inner join person_customers on truth_now.person_id = person_customers.person_id
        inner join predicted on person_customers.customer_key = predicted.customer_key
        group by 1, 2
        order by 1, 2
        """
    ).fetchall()
    confusion: dict[str, dict[str, int]] = {}
    for true_stage, predicted_stage, count in rows:
        confusion.setdefault(true_stage, {})[predicted_stage] = count
    total = sum(count for *_, count in rows)
    agree = sum(count for true, predicted, count in rows if true == predicted)
    return {
        "persons_compared": total,
        "accuracy": round(agree / total, 4) if total else None,
        "churn": _precision_recall(rows, set(CHURN_STAGES)),
        "lapsed": _precision_recall(rows, {"lapsed"}),
        "confusion_true_by_predicted": confusion,
    }


def _precision_recall(rows: list[tuple[str, str, int]], positive: set[str]) -> dict[str, Any]:
    hits = sum(n for true, pred, n in rows if true in positive and pred in positive)
    predicted = sum(n for _, pred, n in rows if pred in positive)
    actual = sum(n for true, _, n in rows if true in positive)
    return {
        "precision": round(hits / predicted, 4) if predicted else None,
        "recall": round(hits / actual, 4) if actual else None,
        "predicted": predicted,
        "actual": actual,
    }
