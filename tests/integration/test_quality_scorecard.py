"""dbt's dq_scorecard on hand-made quality.dq_results rows and staging tables (one dbt call)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.quality.results import write_outcomes
from orchestration.quality.spec import Outcome
from orchestration.settings import DBT_PROJECT_DIR

# staging model → its columns (as in the staging contract) that the scorecard reads
STAGING_TABLES = {
    "stg_crm__customers": "email varchar, is_email_valid boolean, phone varchar, "
    "is_phone_valid boolean, postal_code varchar, is_postal_code_valid boolean, "
    "is_current_version boolean",
    "stg_webshop__accounts": "email varchar, is_email_valid boolean, phone varchar, "
    "is_phone_valid boolean, postal_code varchar, is_postal_code_valid boolean, "
    "is_current_version boolean",
    "stg_esp__subscribers": "email varchar, is_email_valid boolean",
    "stg_app__users": "email varchar, is_email_valid boolean, is_current_version boolean",
    "stg_postal__recipients": "postal_code varchar, is_postal_code_valid boolean, "
    "is_current_version boolean",
    "stg_callcenter__contacts": "phone varchar, is_phone_valid boolean",
    "stg_sms__events": "msisdn varchar, is_phone_valid boolean",
    "stg_survey__responses": "respondent_email varchar, is_email_valid boolean",
    "stg_consent__erasure_requests": "email varchar, is_email_valid boolean, phone varchar, "
    "is_phone_valid boolean",
}


def _outcome(suite: str, rule: str, asset: tuple[str, str], dimension: str, severity: str,
             success: bool, elements: int | None, unexpected: int | None) -> Outcome:
    return Outcome(
        suite=suite, rule=rule, expectation="expect_x", asset=asset,
        source_system=asset[1].removeprefix("stg_").split("__")[0], dimension=dimension,
        column="c", severity=severity, success=success, element_count=elements,
        unexpected_count=unexpected,
        unexpected_percent=None if not elements else 100.0 * (unexpected or 0) / elements,
        sample_keys=(), message="m",
    )


@pytest.fixture
def scorecard(warehouse_env: dict[str, Path], tmp_path: Path) -> dict[tuple[str, str], dict]:
    database = warehouse_env["KUNDRESA_DUCKDB"]
    with duckdb.connect(str(database)) as con:
        con.execute("create schema staging")
        for table, columns in STAGING_TABLES.items():
            con.execute(f"create table staging.{table} ({columns})")
        con.execute(
            """insert into staging.stg_crm__customers values
            ('a@x.se', true, '070', true, '111 22', true, true),
            ('b@x.se', true, null, false, '111 23', true, true),
            ('bad', false, 'x', false, '111 24', true, true),
            ('old', false, 'y', false, 'zz', false, false)"""  # not current: ignored
        )
        crm = ("staging", "stg_crm__customers")
        older = datetime(2025, 1, 1, tzinfo=UTC)
        write_outcomes(con, [_outcome("staging_master_data", "email_syntax", crm, "validity",
                                      "WARN", False, 10, 9)], "old-run", older)
        write_outcomes(
            con,
            [
                _outcome("staging_master_data", "email_syntax", crm, "validity", "WARN", False,
                         10, 1),
                _outcome("staging_master_data", "phone_e164_format", crm, "validity", "WARN",
                         True, 10, 0),
                _outcome("dim_customer", "customer_key_unique", ("marts", "dim_customer"),
                         "uniqueness", "ERROR", False, 5, 2),
            ],
            "new-run",
            datetime(2025, 2, 1, tzinfo=UTC),
        )
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = Path(sys.executable).with_name("dbt")
    completed = subprocess.run(
        [str(dbt), "build", "--select", "dq_scorecard", "--profiles-dir", str(DBT_PROJECT_DIR),
         "--project-dir", str(DBT_PROJECT_DIR), "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs")],
        env=env, capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    with duckdb.connect(str(database)) as con:
        frame = con.execute("select * from marts.dq_scorecard").df()
    return {(r["source_system"], r["dimension"]): r for r in frame.to_dict("records")}


def test_scorecard_combines_latest_results_and_staging_flags(
    scorecard: dict[tuple[str, str], dict],
) -> None:
    crm = scorecard[("crm", "validity")]
    # latest validation only (the old run's 9 failures are ignored)
    assert (crm["rules_evaluated"], crm["rules_passed"]) == (2, 1)
    assert (crm["rows_checked"], crm["rows_failed"]) == (20, 1)
    # current crm rows with a value: e-mail 3 (2 valid), phone 2 (1 valid), postal 3 (3 valid)
    assert (crm["flag_rows_checked"], crm["flag_rows_valid"]) == (8, 6)
    assert crm["score"] == pytest.approx(round(100 * (20 - 1 + 6) / (20 + 8), 2))
    assert crm["is_fit_for_activation"]
    golden = scorecard[("dim_customer", "uniqueness")]
    assert golden["error_rules_failed"] == 1 and not golden["is_fit_for_activation"]
    assert golden["score"] == pytest.approx(60.0)
    # staging models without rows still appear, with nothing checked
    assert scorecard[("esp", "validity")]["flag_rows_checked"] == 0
    assert pd.isna(scorecard[("esp", "validity")]["score"])
