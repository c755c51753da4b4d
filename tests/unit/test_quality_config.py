"""Quality-gate configuration and check wiring, without running Great Expectations."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from expectations import all_suites, dim_customer, staging
from orchestration.checks.quality import check_groups, check_name
from orchestration.quality import config
from orchestration.quality.gx_context import prune_results, results_dir
from orchestration.quality.runner import redact
from orchestration.quality.spec import source_system_of


def test_every_rule_has_a_severity_and_dimension() -> None:
    for spec in all_suites():
        for rule in spec.rules:
            assert config.severity(spec.name, rule.name) in ("ERROR", "WARN")
            assert rule.dimension in config.DIMENSIONS, (spec.name, rule.name)
    with pytest.raises(KeyError, match="no severity"):
        config.severity("no_such_suite", "x")


def test_blocking_rules_are_on_golden_record_and_activation_only() -> None:
    blocking = {
        asset
        for spec in all_suites()
        for (asset, severity) in check_groups(spec)
        if severity == "ERROR"
    }
    assert blocking == {("marts", "dim_customer"), ("activation", "contact_plan")}


def test_dim_customer_checks_split_by_severity() -> None:
    groups = check_groups(dim_customer.spec())
    asset = ("marts", "dim_customer")
    assert set(groups) == {(asset, "ERROR"), (asset, "WARN")}
    assert set(groups[(asset, "WARN")]) == {"greeting_name_present", "postal_address_complete"}
    assert "has_email_consent_present" in groups[(asset, "ERROR")]
    assert check_name("dim_customer", "ERROR") == "dq_dim_customer_error"


def test_source_system_of_assets() -> None:
    assert source_system_of(("raw", "crm__customers")) == "crm"
    assert source_system_of(("staging", "stg_webshop__accounts")) == "webshop"
    assert source_system_of(("marts", "dim_customer")) == "dim_customer"


def test_staging_suites_only_read_their_model() -> None:
    spec = staging.get_master_spec("stg_esp__subscribers")
    sql = spec.batch_sql(None)
    assert "from staging.stg_esp__subscribers" in sql and "phone" not in sql
    assert spec.relations == ("staging.stg_esp__subscribers",)



def test_redact_replaces_personal_values_keeps_keys() -> None:
    result = {
        "partial_unexpected_list": ["a@x.se"],
        "partial_unexpected_counts": [{"value": "a@x.se", "count": 2}],
        "partial_unexpected_index_list": [{"email": "a@x.se", "record_key": "K1"}],
    }
    other = {"partial_unexpected_list": ["ZZ"]}
    suite_result = SimpleNamespace(results=[
        SimpleNamespace(expectation_config=SimpleNamespace(kwargs={"column": "email"}),
                        result=result),
        SimpleNamespace(expectation_config=SimpleNamespace(kwargs={"column": "country"}),
                        result=other),
    ])
    redact(suite_result)
    assert result["partial_unexpected_list"] == [config.REDACTED]
    assert result["partial_unexpected_counts"] == [{"value": config.REDACTED, "count": 2}]
    assert result["partial_unexpected_index_list"] == [
        {"email": config.REDACTED, "record_key": "K1"}
    ]
    assert other["partial_unexpected_list"] == ["ZZ"]


def test_prune_keeps_newest_results(tmp_path: Path) -> None:
    suite_dir = results_dir(tmp_path) / "dim_customer"
    for index in range(5):
        run = suite_dir / f"run{index}"
        run.mkdir(parents=True)
        (run / "result.json").write_text("{}")
        stamp = 1_700_000_000 + index
        os.utime(run, (stamp, stamp))
    prune_results(tmp_path, "dim_customer", keep=2)
    assert sorted(p.name for p in suite_dir.iterdir()) == ["run3", "run4"]
