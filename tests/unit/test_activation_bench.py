"""The ``activation`` bench stage: it needs built marts and says so when they are absent."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.benchmarks import activation
from orchestration.benchmarks.command import STAGES
from orchestration.benchmarks.warehouse import model_seconds


def test_activation_is_a_bench_stage() -> None:
    assert "activation" in STAGES
    assert callable(activation.run)


def test_skips_with_a_reason_without_a_marts_warehouse(tmp_path: Path) -> None:
    # a warehouse with raw tables only (what the extract stage leaves) is not enough
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("create schema raw")
        con.execute("create table raw.web__events (event_id varchar)")
    report: dict = {}
    activation.run(1_000, tmp_path, report)
    assert "customer360" in report["skipped"]
    assert not (tmp_path / "outbox").exists()


def test_model_seconds_come_from_dbt_run_results(tmp_path: Path) -> None:
    results = tmp_path / "target" / "run_results.json"
    results.parent.mkdir()
    results.write_text(
        '{"results": ['
        '{"unique_id": "model.kundresa.contact_plan", "execution_time": 1.25},'
        '{"unique_id": "model.kundresa.act_rules", "execution_time": 0.5}]}'
    )
    figures = model_seconds(tmp_path, slowest=5)
    assert figures["models"] == 2
    assert figures["models_seconds"] == 1.8  # rounded to 0.1 s
    assert list(figures["slowest_models_seconds"]) == ["contact_plan", "act_rules"]
