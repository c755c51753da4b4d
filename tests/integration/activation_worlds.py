"""Small generated retailers ("worlds") with activation built and exported, for property tests.

Run as a child process (dbt runs in-process here, once parsed, and keeps global state):
``python -m tests.integration.activation_worlds ROOT SEED [SEED ...]``. Per seed, in
``ROOT/seed-<seed>/``:

1. ``generate`` a tiny population, then append a hand-made landing batch (:data:`PERSONS`):
   customers built to satisfy the complaint trigger (more than 3 complaint calls in 90 days,
   fewer than 5 web visits in 30 days, open orders over 1 000 SEK) and near-misses on each of
   the three conditions, sitting exactly on the boundary;
2. the extract (every landing file into raw), dbt staging and identity inputs, identity
   resolution, then dbt of the marts and every activation model (as-of date fixed to the
   simulator's last day; no CLV scores: an empty ``marts.customer_clv``);
3. every audience × channel published to ``outbox/`` (sync 1).

For the first seed three consecutive syncs: after sync 1 a new landing batch erases one exported
customer and opts another out of e-mail; extract, dbt, sync 2; then dbt again with nothing new,
sync 3. What was changed is written to ``ROOT/seed-<seed>/changes.json``.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO_ROOT / "dbt_project"
CUSTOMERS = 120
DAYS = 45
RUN_ID = "property-test"
SCENARIO_DAY = "2026-11-01"  # the hand-made batch lands the day after the simulated window
CHANGE_DAY = "2026-11-02"
UPSTREAM = ["path:seeds", "path:models/staging", "path:models/intermediate/identity"]

# label → complaint calls (days before the as-of date), other calls, web sessions (days ago;
# the first is the login that ties the cookie to the account), orders (status, SEK, days ago)
PERSONS: dict[str, dict[str, Any]] = {
    "hit": {
        "complaints": [20, 35, 50, 80], "other_calls": [],
        "sessions": [25, 17, 10, 3],
        "orders": [("placed", 1500, 12)],
        "selected": True,
    },
    "hit_at_edges": {  # 89 days ago is inside the window, 90 and 30 days ago are outside
        "complaints": [15, 40, 60, 89, 90, 95], "other_calls": [("question", 5)],
        "sessions": [45, 30, 29, 12, 5, 2],
        "orders": [("placed", 600, 20), ("shipped", 500, 8), ("delivered", 5000, 40),
                   ("cancelled", 2000, 6)],
        "selected": True,
    },
    "miss_complaints": {  # exactly 3 complaints in the window
        "complaints": [20, 30, 40, 90, 120], "other_calls": [("question", 25), ("return", 26)],
        "sessions": [45],
        "orders": [("placed", 2000, 10)],
        "selected": False,
    },
    "miss_visits": {  # exactly 5 visits in the window
        "complaints": [20, 30, 40, 50], "other_calls": [],
        "sessions": [28, 21, 14, 8, 2],
        "orders": [("shipped", 2000, 9)],
        "selected": False,
    },
    "erased_hit": {  # satisfies the trigger but asked to be erased: a candidate, never sent
        "complaints": [20, 30, 40, 50], "other_calls": [],
        "sessions": [40],
        "orders": [("placed", 3000, 10)],
        "selected": True,
        "erased": True,
    },
    "miss_open_value": {  # open orders worth exactly 1 000 SEK
        "complaints": [20, 30, 40, 50, 60], "other_calls": [],
        "sessions": [45],
        "orders": [("placed", 400, 15), ("shipped", 600, 11), ("cancelled", 3000, 5),
                   ("delivered", 2500, 30)],
        "selected": False,
    },
}  # fmt: skip

_NAMES = {
    "hit": ("Quintus Ambrosius", "Quintus", "Zebrafors", "Ekbacksvägen 11", "74141", "Knivsta"),
    "hit_at_edges": ("Xerxes", "Xerxes", "Nordqvarn", "Lingonstigen 3", "98132", "Kiruna"),
    "miss_complaints": ("Ottilia", "Ottilia", "Bergsbrink", "Hagtornsgatan 8", "26134",
                        "Landskrona"),
    "miss_visits": ("Leopoldina Maj", "Maj", "Fjällgren", "Stationsvägen 40", "83146",
                    "Östersund"),
    "miss_open_value": ("Evander", "Evander", "Tallqvist", "Kvarngatan 2", "57131", "Nässjö"),
    "erased_hit": ("Ingeborg Wilma", "Wilma", "Dahlquist", "Skolgatan 9", "45131",
                   "Uddevalla"),
}  # fmt: skip


def as_of_date() -> date:
    from orchestration.sources.simulator.config import END_DATE

    return END_DATE


def customer_number(label: str) -> str:
    return f"990{list(PERSONS).index(label) + 1:05d}"


def _at(days_ago: int, hour: int = 10) -> str:
    moment = datetime.combine(as_of_date(), datetime.min.time(), UTC) + timedelta(hours=hour)
    return (moment - timedelta(days=days_ago)).isoformat().replace("+00:00", "Z")


def scenario_rows() -> dict[str, list[dict[str, Any]]]:
    """Raw-table name → landing rows of the hand-made complaint-trigger persons."""
    rows: dict[str, list[dict[str, Any]]] = {}

    def add(table: str, row: dict[str, Any]) -> None:
        rows.setdefault(table, []).append(row)

    for index, (label, person) in enumerate(PERSONS.items(), start=1):
        given, preferred, surname, street, postal_code, city = _NAMES[label]
        number = customer_number(label)
        account, cookie = f"A-99{index}", f"ck99000{index}"
        email = f"{preferred.lower()}.{surname.lower()}.{index}@exempel.se"
        phone = f"+467099100{index:02d}"
        add("crm__customers", {
            "customer_number": number, "given_names": given, "preferred_name": preferred,
            "surname": surname, "birth_date": "1970-03-0" + str(index), "email": email,
            "phone": phone, "street": street, "postal_code": postal_code, "city": city,
            "country": "SE", "customer_type": "private", "created_at": _at(400),
            "updated_at": _at(400),
        })
        add("webshop__accounts", {
            "account_id": account, "customer_number": number, "email": email,
            "email_verified": True, "first_name": preferred, "last_name": surname,
            "phone": phone, "created_at": _at(390), "updated_at": _at(390),
        })
        add("consent__events", {
            "consent_event_id": f"CE-99{index}", "subject_type": "customer_number",
            "subject_value": number, "channel": "postal", "action": "opt_in",
            "collected_via": "crm", "recorded_at": _at(380),
        })
        calls = [("complaint", days) for days in person["complaints"]] + person["other_calls"]
        for call_index, (reason, days) in enumerate(calls, start=1):
            add("callcenter__contacts", {
                "contact_id": f"CC-99{index}-{call_index}", "phone": phone,
                "caller_name": f"{preferred} {surname}", "direction": "inbound",
                "reason": reason, "outcome": "resolved", "duration_seconds": 300,
                "started_at": _at(days, hour=9),
            })
        for session_index, days in enumerate(person["sessions"], start=1):
            add("web__events", {
                "event_id": f"W-99{index}-{session_index}", "cookie_id": cookie,
                "event_type": "login" if session_index == 1 else "page_view",
                "page_path": "/mina-sidor" if session_index == 1 else "/",
                "account_id": account if session_index == 1 else None,
                "occurred_at": _at(days, hour=18),
            })
        if person.get("erased"):
            add("consent__erasure_requests", {
                "request_id": f"ER-99{index}", "customer_number": number,
                "requested_at": _at(3, hour=8),
            })
        for order_index, (status, total, days) in enumerate(person["orders"], start=1):
            add("webshop__orders", {
                "order_id": f"O-99{index}-{order_index}", "account_id": account,
                "status": status, "currency": "SEK", "order_total": total,
                "shipping_country": "SE", "ordered_at": _at(days, hour=12),
                "updated_at": _at(max(days - 1, 0), hour=12),
            })
    return rows  # fmt: skip


def write_batch(landing: Path, raw_table: str, day: str, rows: list[dict[str, Any]]) -> Path:
    """Write ``rows`` as the entity's daily batch file ``day`` in its own format."""
    from orchestration.sources.catalog import get_entity
    from orchestration.sources.simulator.output import arrow_type

    entity = get_entity(raw_table)
    path = landing / entity.source / entity.name / f"{day}.{entity.extension}"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        raise FileExistsError(f"{path} exists: a hand-made batch must not overwrite landing data")
    if entity.file_format == "jsonl":
        names = [column.name for column in entity.columns]
        lines = [json.dumps({n: row.get(n) for n in names}, ensure_ascii=False) for row in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path
    columns = {}
    for column in entity.columns:
        values = [row.get(column.name) for row in rows]
        kind = arrow_type(entity, column.type)
        if pa.types.is_timestamp(kind):
            values = [None if v is None else datetime.fromisoformat(v) for v in values]
        elif pa.types.is_date32(kind):
            values = [None if v is None else date.fromisoformat(v) for v in values]
        columns[column.name] = pa.array(values, type=kind)
    table = pa.table(columns)
    if entity.file_format == "csv":
        pacsv.write_csv(table, path, pacsv.WriteOptions(delimiter=entity.csv_delimiter))
    else:
        pq.write_table(table, path)
    return path


class Dbt:
    """dbt in this process: parsed once, then every command reuses the manifest."""

    def __init__(self, work: Path) -> None:
        from dbt.cli.main import dbtRunner

        self._runner = dbtRunner
        self._common = [
            "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
            "--target-path", str(work / "target"), "--log-path", str(work / "logs"), "--quiet",
            "--vars", json.dumps({"as_of_date": as_of_date().isoformat()}),
        ]  # fmt: skip
        os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "0"
        self._manifest = self._invoke(None, "parse")

    def __call__(self, database: Path, *args: str) -> None:
        self._invoke(database, *args)

    def _invoke(self, database: Path | None, *args: str) -> Any:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        if database is not None:
            os.environ["KUNDRESA_DUCKDB"] = str(database)
        runner = self._runner(manifest=getattr(self, "_manifest", None))
        try:
            result = runner.invoke([*args, *self._common])
        finally:
            # dbt-duckdb keeps the database open after a command; close it so that this
            # process (and the tests) can open the file again
            environment = DuckDBConnectionManager._ENV
            if environment is not None:
                environment.close()
            DuckDBConnectionManager.close_all_connections()
            gc.collect()
        if not result.success:
            raise RuntimeError(f"dbt {' '.join(args)} failed: {_dbt_errors(result)}")
        return result.result


def _dbt_errors(result: Any) -> str:
    if result.exception is not None:
        return str(result.exception)
    messages = [
        f"{node.node.name}: {node.message}"
        for node in getattr(result.result, "results", [])
        if str(node.status) in {"error", "fail"}
    ]
    return "\n".join(messages) or "unknown error"


def extract(landing: Path, database: Path) -> None:
    from orchestration.sources.catalog import ENTITIES
    from orchestration.sources.extract import load_entity

    with duckdb.connect(str(database)) as con:
        for entity in ENTITIES:
            load_entity(con, landing, entity)


def resolve_identities(database: Path) -> None:
    from orchestration.assets.identity import read_inputs, write_outputs
    from orchestration.identity.resolve import resolve_identities as resolve

    with duckdb.connect(str(database)) as con:
        inputs = read_inputs(con)
        write_outputs(con, resolve(inputs["records"], links=inputs["links"]))
        con.execute(
            "create table if not exists marts.customer_clv (customer_key varchar, "
            "frequency integer, recency_days integer, tenure_days integer, "
            "monetary_value_sek double, probability_alive double, "
            "predicted_purchases_365d double, predicted_clv_365d_sek double, "
            "churn_probability double, fitted_at timestamptz)"
        )


def publish_all(database: Path, outbox: Path) -> dict[str, int]:
    """Publish every audience × channel; export folder → rows."""
    from orchestration.activation.audiences import load_config
    from orchestration.activation.compile import customer_360_columns
    from orchestration.activation.exports import destination, publish_audience

    config = load_config(columns=customer_360_columns())
    rows = {}
    with duckdb.connect(str(database), read_only=True) as con:
        for audience in config.audiences:
            for channel in audience.channels:
                result, _ = publish_audience(con, audience, channel, outbox=outbox,
                                             run_id=RUN_ID)
                rows[f"{destination(channel)}/{audience.name}"] = result.rows
    return rows


def build_world(folder: Path, seed: int, dbt: Dbt) -> dict[str, Any]:
    from orchestration.sources.simulator import generate

    timings: dict[str, float] = {}
    started = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal started
        timings[step] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()

    landing, database = folder / "landing", folder / "warehouse.duckdb"
    generate(landing, CUSTOMERS, seed=seed, days=DAYS)
    for raw_table, rows in scenario_rows().items():
        write_batch(landing, raw_table, SCENARIO_DAY, rows)
    lap("generate")
    extract(landing, database)
    lap("extract")
    dbt(database, "build", "--select", *UPSTREAM, "--resource-type", "seed",
        "--resource-type", "model")
    lap("dbt_upstream")
    resolve_identities(database)
    lap("identity")
    dbt(database, "run", "--select", "+path:models/activation", "--exclude", *UPSTREAM)
    lap("dbt_marts_and_activation")
    rows = publish_all(database, folder / "outbox")
    lap("sync_1")
    return {"seed": seed, "timings": timings, "sync_1_rows": rows}


def change_and_resync(folder: Path, dbt: Dbt) -> dict[str, Any]:
    """Erase one exported customer, opt another out of e-mail; sync 2; unchanged rerun, sync 3."""
    database = folder / "warehouse.duckdb"
    with duckdb.connect(str(database), read_only=True) as con:
        erased = con.execute(
            "select plan.customer_key from activation.contact_plan as plan "
            "inner join marts.customer_identity_map as map using (customer_key) "
            "where plan.audience = 'complaint_letter' and map.source_system = 'crm' "
            "and map.source_record_id = ?",
            [customer_number("hit")],
        ).fetchall()
        opted_out = con.execute(
            "select plan.customer_key, customer.email from activation.contact_plan as plan "
            "inner join marts.dim_customer as customer using (customer_key) "
            "where plan.channel = 'email' and customer.email is not null "
            "order by plan.customer_key limit 1"
        ).fetchall()
    if not erased or not opted_out:
        raise RuntimeError("sync 1 lacks the complaint letter or any e-mail contact to change")
    erased_key, (opted_out_key, email) = erased[0][0], opted_out[0]
    landing = folder / "landing"
    write_batch(landing, "consent__erasure_requests", CHANGE_DAY, [{
        "request_id": "ER-99-HIT", "customer_number": customer_number("hit"),
        "requested_at": _at(0, hour=8),
    }])  # fmt: skip
    write_batch(landing, "consent__events", CHANGE_DAY, [{
        "consent_event_id": "CE-99-OUT", "subject_type": "email", "subject_value": email,
        "channel": "email", "action": "opt_out", "collected_via": "preference_center",
        "recorded_at": _at(0, hour=8),
    }])  # fmt: skip
    extract(landing, database)
    # what the new consent and erasure rows flow into, up to every activation model
    dbt(database, "run", "--select", *(f"{model}+,+path:models/activation" for model in
                                       ("stg_consent__events", "stg_consent__erasure_requests")))
    sync_2 = publish_all(database, folder / "outbox")
    dbt(database, "run", "--select", "path:models/activation")
    sync_3 = publish_all(database, folder / "outbox")
    changes = {
        "erased_customer_key": erased_key,
        "opted_out_customer_key": opted_out_key,
        "sync_2_rows": sync_2,
        "sync_3_rows": sync_3,
    }
    (folder / "changes.json").write_text(json.dumps(changes, indent=2))
    return changes


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    root, seeds = Path(args[0]), [int(s) for s in args[1:]]
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    dbt = Dbt(root / "dbt")
    report: dict[str, Any] = {"dbt_parse_seconds": round(time.perf_counter() - started, 1)}
    for index, seed in enumerate(seeds):
        folder = root / f"seed-{seed}"
        report[str(seed)] = build_world(folder, seed, dbt)
        if index == 0:
            started = time.perf_counter()
            report[str(seed)]["changes"] = change_and_resync(folder, dbt)
            report[str(seed)]["timings"]["syncs_2_and_3"] = round(
                time.perf_counter() - started, 1
            )
    (root / "worlds.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
