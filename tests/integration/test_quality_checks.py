"""The quality gate as Dagster asset checks: ERROR checks block downstream assets, WARN checks
report only; every run appends to quality.dq_results and writes Data Docs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from expectations import dim_customer
from orchestration.checks.quality import build_quality_checks, check_name
from orchestration.resources import WarehouseResource
from tests.unit.test_quality_suites import CLEAN_CUSTOMERS, make_dim_customer

DIM = dg.AssetKey(["marts", "dim_customer"])
PLAN = dg.AssetKey(["activation", "contact_plan"])


def _assets(rows: list[tuple[Any, ...]]) -> list[Any]:
    @dg.asset(key=DIM, group_name="identity")
    def golden_record(duckdb: WarehouseResource) -> None:
        with duckdb.get_connection() as connection:
            make_dim_customer(connection, rows)

    @dg.asset(key=PLAN, deps=[DIM], group_name="activation")
    def contact_plan(duckdb: WarehouseResource) -> None:
        with duckdb.get_connection() as connection:
            connection.execute("create schema if not exists activation")
            connection.execute(
                "create or replace table activation.contact_plan as "
                "select customer_key from marts.dim_customer where has_email_consent"
            )

    checks = build_quality_checks([DIM, PLAN], specs=[dim_customer.spec()])
    return [golden_record, contact_plan, *checks]


def _materialize(rows: list[tuple[Any, ...]], database: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        _assets(rows),
        resources={"duckdb": WarehouseResource(database=str(database))},
        raise_on_error=False,
    )


def _evaluations(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def _materialized(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {e.asset_key for e in result.get_asset_materialization_events()}


def test_error_check_blocks_downstream_and_records_results(
    warehouse_env: dict[str, Path],
) -> None:
    rows = [*CLEAN_CUSTOMERS]
    rows[1] = ("C2", "patrick@example.se", "Patrick Olof", "Stig", *rows[1][4:])
    result = _materialize(rows, warehouse_env["KUNDRESA_DUCKDB"])
    evaluations = _evaluations(result)
    error = evaluations[check_name("dim_customer", "error")]
    assert not error.passed and error.severity == dg.AssetCheckSeverity.ERROR
    assert "greeting_name_is_given_name" in error.description
    metadata = error.metadata
    assert metadata["rules_failed"].value == 1
    assert metadata["failed_rules"].value[0]["sample_keys"] == ["C2"]
    assert evaluations[check_name("dim_customer", "warn")].passed
    # the blocking ERROR check stopped the activation asset
    assert _materialized(result) == {DIM}
    with duckdb.connect(str(warehouse_env["KUNDRESA_DUCKDB"])) as con:
        counts = con.execute(
            "select count(*), count(*) filter (where not success), count(distinct run_id) "
            "from quality.dq_results"
        ).fetchall()
    assert counts == [(len(dim_customer.spec().rules), 1, 1)]
    assert (warehouse_env["KUNDRESA_QUALITY"] / "docs" / "index.html").exists()
    assert Path(metadata["data_docs"].value).exists()


def test_warn_check_does_not_block(warehouse_env: dict[str, Path]) -> None:
    rows = [*CLEAN_CUSTOMERS]
    rows[0] = ("C1", "anna@example.se", "Anna Karin", "Karin", None, *rows[0][5:])  # no street
    result = _materialize(rows, warehouse_env["KUNDRESA_DUCKDB"])
    evaluations = _evaluations(result)
    warn = evaluations[check_name("dim_customer", "warn")]
    assert not warn.passed and warn.severity == dg.AssetCheckSeverity.WARN
    assert "postal_address_complete" in warn.description
    assert evaluations[check_name("dim_customer", "error")].passed
    assert _materialized(result) == {DIM, PLAN}


def test_clean_data_passes_and_results_accumulate(warehouse_env: dict[str, Path]) -> None:
    for _ in range(2):
        result = _materialize(CLEAN_CUSTOMERS, warehouse_env["KUNDRESA_DUCKDB"])
        assert result.success
        assert all(e.passed for e in result.get_asset_check_evaluations())
        assert _materialized(result) == {DIM, PLAN}
    with duckdb.connect(str(warehouse_env["KUNDRESA_DUCKDB"])) as con:
        runs = con.execute("select count(distinct run_id) from quality.dq_results").fetchall()
    assert runs == [(2,)]


def test_checks_only_target_defined_assets() -> None:
    checks = build_quality_checks([DIM])
    keys = {key for c in checks for key in c.check_keys}
    assert dg.AssetCheckKey(DIM, check_name("dim_customer", "error")) in keys
    assert all(key.asset_key == DIM for key in keys)
