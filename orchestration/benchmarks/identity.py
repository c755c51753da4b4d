"""Benchmark stage ``identity``: identity resolution at scale, with accuracy where truth exists.

Records come from the bench warehouse the ``extract`` stage wrote (``<workdir>/**/*.duckdb``;
the dbt staging layer and ``intermediate.int_identity_records`` are built first when missing,
timed apart) with the simulator's ``_truth/person_of_record.parquet``, and the identity map is
written back for later stages. Without a warehouse, records come from the synthetic identity
generator (orchestration/identity/synthetic.py, ~4 records per customer, with truth).
Figures: records, seconds per phase, peak RSS, pairwise precision / recall / F1.

Recall is reported over all records and over *linkable* records (evaluation.linkable_records,
defined on the input alone): a record is linkable when it carries a valid e-mail, a valid
phone, an explicit link in int_identity_links (either end), or a name together with a birth
date, street or postal code. A web cookie that never logged in carries none of these: nothing
in the data ties it to anyone, so no resolver can place it; it counts in the all-records recall
only. Sharper still, ``accuracy_evidenced_pairs`` is the recall over the true pairs that the
data connects at all (evaluation.evidenced_recall): two records of one person joined by a chain
of that person's records sharing an e-mail, a phone, an explicit link, or a surname with a
postal code, birth date or street, or a first name with a birth date. A newsletter subscriber
of an old address that no other system ever held, or an SMS number no other record carries, is
tied to its person by nothing but a common first name — no resolver may merge on that.
``accuracy_records_with_identifier`` scores the records the resolver itself did not flag
``is_identity_weak`` (kept for comparison with earlier reports). Precision is always over all
records: refusing to merge cannot buy it, over-merging shows in it.

With a warehouse, the golden record ``marts.dim_customer`` is then built by dbt on the written
identity map and scored against ``_truth/persons.parquet``: greeting-name accuracy (greeting
name = the person's preferred given name) and current-address accuracy (street and postal code
= the person's current address), each customer scored against the true person most of its
records belong to (evaluation.golden_record_accuracy).
"""

from __future__ import annotations

import resource
import time
from pathlib import Path
from typing import Any

import pandas as pd

from orchestration.benchmarks.warehouse import run_dbt, table_names

STAGING_SELECTION = ("path:seeds", "path:models/staging", "path:models/intermediate/identity")
GOLDEN_RECORD_SELECTION = ("dim_customer",)


def _find_warehouse(workdir: Path) -> Path | None:
    """The bench warehouse: a DuckDB file with raw tables or identity records."""
    for path in sorted(workdir.rglob("*.duckdb")):
        tables = table_names(path)
        if ("intermediate", "int_identity_records") in tables or any(
            schema == "raw" for schema, _ in tables
        ):
            return path
    return None


def _dbt_run(database: Path, workdir: Path, selection: tuple[str, ...]) -> float:
    """dbt run of `selection` on the bench warehouse; returns seconds."""
    return run_dbt(database, workdir / "dbt_identity", "run", "--select", *selection)["seconds"]


def _build_staging(database: Path, workdir: Path) -> float:
    """dbt run of the staging layer and the identity inputs; returns seconds."""
    return _dbt_run(database, workdir, STAGING_SELECTION)


def _golden_record_accuracy(database: Path, workdir: Path, records: Any,
                            identity_map: pd.DataFrame, truth: pd.DataFrame,
                            report: dict[str, Any]) -> None:
    """Build dim_customer on the written identity map and score it against the truth."""
    import duckdb

    from orchestration.identity.evaluation import golden_record_accuracy

    persons_files = sorted(workdir.rglob("_truth/persons.parquet"))
    if not persons_files:
        return
    report["golden_record_dbt_seconds"] = _dbt_run(database, workdir, GOLDEN_RECORD_SELECTION)
    with duckdb.connect(str(database), read_only=True) as con:
        customers = con.execute(
            "select customer_key, greeting_name, street, postal_code, is_erased, is_test_record "
            "from marts.dim_customer"
        ).fetch_df()
    persons = pd.read_parquet(persons_files[0])
    if not isinstance(records, pd.DataFrame):
        records = records.to_pandas()
    report["golden_record"] = golden_record_accuracy(
        customers, identity_map, truth, persons, records
    )


def _warehouse_inputs(database: Path, workdir: Path, report: dict[str, Any]) -> dict[str, Any]:
    import duckdb

    from orchestration.assets.identity import read_inputs

    if ("intermediate", "int_identity_records") not in table_names(database):
        report["staging_dbt_seconds"] = _build_staging(database, workdir)
    with duckdb.connect(str(database)) as con:
        inputs = read_inputs(con)
    truth_files = sorted(workdir.rglob("_truth/person_of_record.parquet"))
    inputs["truth"] = pd.read_parquet(truth_files[0]) if truth_files else None
    return inputs


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(customers: int, workdir: Path, report: dict[str, Any]) -> None:
    """Resolve identities for `customers` customers' records and record the figures."""
    from orchestration.identity.evaluation import (
        evidenced_recall,
        linkable_records,
        pairwise_scores,
    )
    from orchestration.identity.resolve import resolve_identities
    from orchestration.identity.synthetic import generate_identities

    started = time.perf_counter()
    database = _find_warehouse(workdir)
    if database is None:
        synthetic = generate_identities(customers, seed=42)
        records, links, truth = synthetic.records, synthetic.links, synthetic.truth
        report["source"] = "synthetic identity generator (orchestration/identity/synthetic.py)"
    else:
        inputs = _warehouse_inputs(database, workdir, report)
        records, links, truth = inputs["records"], inputs["links"], inputs["truth"]
        report["source"] = f"warehouse {database.name} (intermediate.int_identity_records)"
    report["input_seconds"] = round(time.perf_counter() - started, 2)

    started, cpu_started = time.perf_counter(), _cpu_seconds()
    result = resolve_identities(records, links=links)
    report["resolve_seconds"] = round(time.perf_counter() - started, 2)
    # CPU time (all threads) shows the work when other processes share the cores
    report["resolve_cpu_seconds"] = round(_cpu_seconds() - cpu_started, 2)
    report["peak_rss_mb_after_resolve"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    stats = result.stats
    for name in ("records_in", "links_in", "clusters_out", "merge_rate", "largest_cluster",
                 "capped_key_values", "weak_records", "probabilistic_records",
                 "probabilistic_edges", "probabilistic_name_vetoes",
                 "probabilistic_birth_date_vetoes", "birth_dates_reliable",
                 "birth_date_reliability_pairs", "deterministic_edges",
                 "validate_seconds", "deterministic_seconds", "probabilistic_seconds",
                 "clustering_seconds", "keys_seconds", "match_rules"):
        if name in stats:
            report[name] = stats[name]
    if truth is not None:
        identity_map = result.identity_map
        report["accuracy_all_records"] = pairwise_scores(identity_map, truth)
        linkable = linkable_records(records, links)
        report["linkable_records"] = int(linkable["is_linkable"].sum())
        report["unlinkable_records_by_source"] = (
            linkable[~linkable["is_linkable"]]["source_system"].value_counts().sort_index()
            .to_dict()
        )
        on_linkable = identity_map.astype({"source_record_id": str}).merge(
            linkable[linkable["is_linkable"]][["source_system", "source_record_id"]],
            on=["source_system", "source_record_id"],
        )
        report["accuracy_linkable_records"] = pairwise_scores(on_linkable, truth)
        report["accuracy_evidenced_pairs"] = evidenced_recall(identity_map, records, links, truth)
        usable = identity_map[~identity_map["is_identity_weak"]]
        report["accuracy_records_with_identifier"] = pairwise_scores(usable, truth)

    if database is not None:  # later stages (customer360) build on the identity map
        import duckdb

        from orchestration.assets.identity import write_outputs

        with duckdb.connect(str(database)) as con:
            write_outputs(con, result)
        if truth is not None:
            _golden_record_accuracy(database, workdir, records, result.identity_map, truth,
                                    report)

    # a second run on the same records with the first map as previous: keys must all stay
    started = time.perf_counter()
    again = resolve_identities(records, links=links, previous=result.identity_map)
    report["rerun_seconds"] = round(time.perf_counter() - started, 2)
    report["rerun_keys_kept"] = float(
        (again.identity_map["customer_key"] == result.identity_map["customer_key"]).mean()
    )
