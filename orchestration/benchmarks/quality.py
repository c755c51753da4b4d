"""Benchmark stage ``quality``: the whole quality gate on generated-size tables.

The tables the suites read are synthesised directly in a DuckDB file in the work folder, sized
from the number of customers like the simulator's output (golden records, identity records,
staging master data and events, raw tables with a load ledger, a contact plan), with a small
share of deliberately bad values so failing rules and their samples are exercised too. Then
every suite runs as in a pipeline run: batch query, GX validation, ``quality.dq_results``,
Data Docs (built once). Figures, wall and CPU seconds each: GX import, the gate, its parts summed
over suites (``fetch``: DuckDB query → pandas; ``validate``: GX; ``samples``: failing keys;
``store``: the GX result on disk; ``dq_results``; ``docs``), each suite; load average before and
after, rows validated, peak RSS.
"""

from __future__ import annotations

import os
import resource
import shutil
import time
from pathlib import Path
from typing import Any

from orchestration.quality import config

# rows per customer of each synthesised table (roughly the simulator's proportions)
SCALE: dict[str, float] = {
    "identity_records": 3.0,
    "contact_plan": 0.3,
    "stg_crm__customers": 1.0,
    "stg_webshop__accounts": 0.7,
    "stg_esp__subscribers": 0.6,
    "stg_app__users": 0.3,
    "stg_postal__recipients": 0.5,
    "stg_callcenter__contacts": 0.5,
    "stg_survey__responses": 0.2,
    "stg_consent__erasure_requests": 0.01,
    "stg_consent__events": 2.0,
    "stg_sms__events": 2.0,
    "stg_web__events": 10.0,
    "raw_crm__customers": 1.0,
}


def run(customers: int, workdir: Path, report: dict[str, Any]) -> None:
    """Synthesise the checked tables for ``customers`` and time the gate on them."""
    import duckdb

    from expectations import all_suites
    from orchestration.quality.gate import run_gate
    from orchestration.quality.runner import build_data_docs
    from orchestration.quality.timing import Stopwatch

    database = workdir / "quality_bench.duckdb"
    database.unlink(missing_ok=True)
    quality_dir = workdir / "quality"
    shutil.rmtree(quality_dir, ignore_errors=True)
    with duckdb.connect(str(database)) as connection:
        started = time.perf_counter()
        synthesise(connection, customers)
        report["synthesise_seconds"] = round(time.perf_counter() - started, 2)
        report["load_average_before"] = [round(x, 2) for x in os.getloadavg()]

        watch = Stopwatch()
        with watch.part("gx_import"):  # paid once per process
            from orchestration.quality.gx_context import gx

            gx()
        with watch.part("gate"):
            runs = run_gate(
                connection, all_suites(), run_id="bench", quality_dir=quality_dir,
                build_docs=False,
            )
            with watch.part("docs"):
                build_data_docs(quality_dir, [r.result_identifier for r in runs])
        report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        parts = Stopwatch()
        for suite_run in runs:
            for name, totals in suite_run.timings.parts.items():
                parts.add(name, totals["wall"], totals["cpu"])
        parts.parts["docs"] = watch.parts["docs"]
        gate, gx_import = watch.parts["gate"], watch.parts["gx_import"]
        report["gx_import_seconds"] = round(gx_import["wall"], 2)
        report["gx_import_cpu_seconds"] = round(gx_import["cpu"], 2)
        # the gate after GX is imported: wall time on a shared machine is inflated by other
        # work, CPU time (this process, DuckDB's threads included) is not
        report["gate_seconds"] = round(gate["wall"], 2)
        report["gate_cpu_seconds"] = round(gate["cpu"], 2)
        report["gate_with_import_seconds"] = round(gate["wall"] + gx_import["wall"], 2)
        report["gate_with_import_cpu_seconds"] = round(gate["cpu"] + gx_import["cpu"], 2)
        report["data_docs_seconds"] = round(watch.parts["docs"]["wall"], 2)
        report["parts"] = parts.rounded()
        report["suites"] = {
            r.suite: {
                "seconds": round(sum(t["wall"] for t in r.timings.parts.values()), 2),
                "cpu_seconds": round(sum(t["cpu"] for t in r.timings.parts.values()), 2),
                "batch_rows": r.rows,
                "rules": len(r.outcomes),
                "rules_failed": len(r.failed()),
            }
            for r in runs
        }
        report["rows_validated"] = sum(r.rows for r in runs)
        report["dq_results_rows"] = connection.execute(
            "select count(*) from quality.dq_results"
        ).fetchall()[0][0]
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report["target_seconds"] = 120


def synthesise(connection: Any, customers: int) -> None:
    """Create every table the suites read, sized from ``customers`` (deterministic)."""
    from orchestration.sources.extract.tables import ensure_tables
    from orchestration.sources.raw_schema import create_raw_tables

    n = customers

    def rows(name: str) -> int:
        return max(1, int(n * SCALE[name]))

    con = connection
    for schema in ("staging", "intermediate", "marts", "activation"):
        con.execute(f"create schema if not exists {schema}")
    consent = ", ".join(
        f"hash(i, {k}) % 3 = 0 and not (i % 97 = 0) as {c}"
        for k, c in enumerate(config.CONSENT_COLUMNS)
    )
    con.execute(
        f"""create table marts.dim_customer as
        select
            'C' || i as customer_key,
            case when i % 5 = 0 then null else 'p' || i || '@example.se' end as email,
            'Anna Karin' as given_names,
            case when i % 1000 = 7 then 'Stig' else 'Karin' end as greeting_name,
            case when i % 200 = 0 then null else 'Storgatan ' || (i % 90) end as street,
            lpad(cast(10000 + i % 89999 as varchar), 5, '0') as postal_code,
            'Stockholm' as city,
            'SE' as country,
            i % 97 = 0 as is_erased,
            i % 1009 = 0 as is_test_record,
            1 + i % 5 as source_record_count,
            {consent}
        from range({n}) t(i)"""
    )
    records = rows("identity_records")
    con.execute(
        f"""create table intermediate.int_identity_records as
        select
            (['crm', 'webshop', 'esp', 'sms', 'app', 'web'])[1 + i % 6] as source_system,
            'R' || i as source_record_id
        from range({records}) t(i)"""
    )
    con.execute(
        f"""create table marts.customer_identity_map as
        select
            source_system, source_record_id,
            'C' || (hash(source_record_id) % {n}) as customer_key,
            'email' as match_rule, 1.0 as match_probability, false as is_identity_weak,
            count(*) over (partition by 'C' || (hash(source_record_id) % {n})) as cluster_size
        from intermediate.int_identity_records"""
    )
    con.execute(
        f"""create table activation.contact_plan as
        select 'C' || (i * 7 % {n}) as customer_key,
            (['winback', 'welcome', 'loyalty'])[1 + i % 3] as audience,
            (['email', 'sms', 'postal', 'push'])[1 + i % 4] as channel,
            timestamptz '2026-01-05 08:00:00+00' as planned_at, 'bench' as reason
        from range({rows("contact_plan")}) t(i)"""
    )
    _synthesise_staging(con, rows)
    create_raw_tables(con)
    ensure_tables(con)
    raw_rows = rows("raw_crm__customers")
    con.execute(
        f"""insert into raw.crm__customers (customer_number, given_names, surname, created_at,
            updated_at, _source_file, _row_number, _loaded_at)
        select i::varchar, 'Anna', 'Svensson', now(), now(),
            'crm/customers/' || strftime(date '2024-01-01' + (i % 730)::int, '%Y-%m-%d') || '.csv',
            i, now()
        from range({raw_rows}) t(i)"""
    )
    con.execute(
        """insert into raw._load_ledger
        select _source_file, 'crm', 'customers', 1000, 0, 'sha', count(*), count(*), 0,
            'loaded', null, now(), 'bench'
        from raw.crm__customers group by _source_file"""
    )


def _synthesise_staging(con: Any, rows: Any) -> None:
    email = "case when i % 50 = 0 then 'broken-at-example' else 'p' || i || '@example.se' end"
    phone = (
        "case when i % 40 = 0 then null "
        "else '+4670' || lpad((i % 9999999)::varchar, 7, '0') end"
    )
    address = (
        "lpad(cast(10000 + i % 89999 as varchar), 5, '0') as postal_code, 'SE' as country, "
        "true as is_postal_code_valid"
    )
    updated = "timestamptz '2025-06-01 00:00:00+00' - to_minutes(i % 500000) "
    tables = {
        "stg_crm__customers": f"'K' || i as customer_number, {email} as email, "
        f"i % 50 <> 0 as is_email_valid, 'x' as phone, {phone} as phone_e164, "
        f"i % 40 <> 0 as is_phone_valid, {address}, "
        f"date '1950-01-01' + (i % 20000)::int as birth_date, {updated} as updated_at, "
        "true as is_current_version",
        "stg_webshop__accounts": f"'A' || i as account_id, {email} as email, "
        f"i % 50 <> 0 as is_email_valid, 'x' as phone, {phone} as phone_e164, "
        f"i % 40 <> 0 as is_phone_valid, {address}, {updated} as updated_at, "
        "true as is_current_version",
        "stg_esp__subscribers": f"'S' || i as subscriber_id, {email} as email, "
        f"i % 50 <> 0 as is_email_valid, {updated} as subscribed_at",
        "stg_app__users": f"'U' || i as app_user_id, {email} as email, "
        f"i % 50 <> 0 as is_email_valid, {updated} as created_at, true as is_current_version",
        "stg_postal__recipients": f"'P' || i as recipient_id, {address}, "
        f"{updated} as updated_at, true as is_current_version",
        "stg_callcenter__contacts": f"'CC' || i as contact_id, 'x' as phone, "
        f"{phone} as phone_e164, i % 40 <> 0 as is_phone_valid, {updated} as started_at",
        "stg_survey__responses": f"'SR' || i as response_id, {email} as respondent_email, "
        f"i % 50 <> 0 as is_email_valid, {updated} as answered_at",
        "stg_consent__erasure_requests": f"'E' || i as request_id, {email} as email, "
        f"i % 50 <> 0 as is_email_valid, 'x' as phone, {phone} as phone_e164, "
        f"i % 40 <> 0 as is_phone_valid, {updated} as requested_at",
        "stg_consent__events": "'CE' || i as consent_event_id, "
        "(['email', 'sms', 'postal', 'phone', 'push'])[1 + i % 5] as channel, "
        f"case when i % 3 = 0 then 'opt_out' else 'opt_in' end as action, {updated} as recorded_at",
        "stg_sms__events": f"'M' || i as event_id, {updated} as occurred_at",
        "stg_web__events": f"'W' || i as event_id, {updated} as occurred_at",
    }
    for table, select in tables.items():
        con.execute(
            f"create table staging.{table} as select {select} from range({rows(table)}) t(i)"
        )
