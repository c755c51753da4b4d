"""Quality suites on tiny hand-made tables: clean data passes, each kind of bad data fails the
right rule with a useful message, and no personal data leaves the warehouse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from expectations import (
    all_suites,
    contact_plan,
    customer_identity_map,
    dim_customer,
    raw_sources,
    staging,
)
from orchestration.quality import config
from orchestration.quality.gate import run_gate
from orchestration.quality.runner import SuiteRun, run_suite
from orchestration.sources.catalog import get_entity
from orchestration.sources.extract.tables import ensure_tables
from orchestration.sources.raw_schema import create_raw_tables

CONSENT = ", ".join(config.CONSENT_COLUMNS)

# customer_key, email, given_names, greeting_name, street, postal_code, city, country,
# is_erased, is_test_record, email/sms/postal/phone/push consent (source_record_count: 2)
CLEAN_CUSTOMERS: list[tuple[Any, ...]] = [
    ("C1", "anna@example.se", "Anna Karin", "Karin", "Storgatan 1", "111 22", "Stockholm", "SE",
     False, False, True, False, True, False, False),
    ("C2", "patrick@example.se", "Stig Patrick", "Patrick", "Lillgatan 2", "411 01", "Göteborg",
     "SE", False, False, True, True, True, False, True),
    ("C3", "ola@example.no", "Ola", "Ola", "Gata 3", "0150", "Oslo", "NO",
     False, False, False, False, False, False, False),
    # erased and test customers may share an e-mail with an active one
    ("C4", "anna@example.se", "Anna", "Anna", None, None, None, None,
     True, False, False, False, False, False, False),
    ("C5", "test@example.se", "Test", "Test", "Testv 1", "111 11", "Stockholm", "SE",
     False, True, True, False, False, False, False),
]


def make_dim_customer(con: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]]) -> None:
    con.execute("create schema if not exists marts")
    con.execute(
        f"""create or replace table marts.dim_customer (
        customer_key varchar, email varchar, given_names varchar, greeting_name varchar,
        street varchar, postal_code varchar, city varchar, country varchar,
        is_erased boolean, is_test_record boolean, {" boolean, ".join(config.CONSENT_COLUMNS)}
        boolean, source_record_count bigint default 2)"""
    )
    con.executemany(
        f"insert into marts.dim_customer by position values ({', '.join(['?'] * 15)}, 2)",
        [row[:15] for row in rows],
    )
    for row in rows:
        if len(row) > 15:
            con.execute(
                "update marts.dim_customer set source_record_count = ? where customer_key = ?",
                [row[15], row[0]],
            )


def make_identity(
    con: duckdb.DuckDBPyConnection, records: list[tuple[str, str, str]], extra_map: int = 0
) -> None:
    """Identity input + a map of (source_system, source_record_id, customer_key)."""
    con.execute("create schema if not exists intermediate")
    con.execute("create schema if not exists marts")
    con.execute(
        "create or replace table intermediate.int_identity_records "
        "(source_system varchar, source_record_id varchar, email varchar)"
    )
    con.executemany(
        "insert into intermediate.int_identity_records values (?, ?, null)",
        [(s, r) for s, r, _ in records],
    )
    con.execute(
        """create or replace table marts.customer_identity_map as
        select source_system, source_record_id, customer_key, 'email' as match_rule,
            1.0::double as match_probability, false as is_identity_weak,
            count(*) over (partition by customer_key) as cluster_size
        from (select unnest(?) as r)
        cross join lateral (select r[1] as source_system, r[2] as source_record_id,
            r[3] as customer_key)""",
        [[list(r) for r in records]],
    )


CLEAN_RECORDS = [
    ("crm", "100", "C1"),
    ("webshop", "A1", "C1"),
    ("sms", "+46701234567", "C1"),
    ("crm", "101", "C2"),
    ("esp", "S9", "C3"),
]


def make_contact_plan(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str]]) -> None:
    con.execute("create schema if not exists activation")
    con.execute(
        "create or replace table activation.contact_plan (customer_key varchar, audience varchar,"
        " channel varchar, planned_at timestamptz, reason varchar)"
    )
    con.executemany(
        "insert into activation.contact_plan values "
        "(?, ?, ?, timestamptz '2026-01-05 08:00:00+00', 'test')",
        rows,
    )


CLEAN_PLAN = [("C1", "winback", "email"), ("C2", "winback", "sms"), ("C2", "welcome", "push")]


def make_staging(con: duckdb.DuckDBPyConnection, customers: list[tuple[Any, ...]]) -> None:
    """stg_crm__customers (current versions) + stg_consent__events + one event model."""
    con.execute("create schema if not exists staging")
    con.execute(
        """create or replace table staging.stg_crm__customers (
        customer_number varchar, email varchar, is_email_valid boolean, phone varchar,
        phone_e164 varchar, is_phone_valid boolean, postal_code varchar, country varchar,
        is_postal_code_valid boolean, birth_date date, updated_at timestamptz,
        is_current_version boolean)"""
    )
    con.executemany(
        "insert into staging.stg_crm__customers values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true)",
        customers,
    )
    con.execute(
        """create or replace table staging.stg_consent__events as
        select * from (values
            ('E1', 'customer_number', '100', 'email', 'opt_in',
                timestamptz '2025-03-01 10:00:00+00'),
            ('E2', 'email', 'anna@example.se', 'sms', 'opt_out',
                timestamptz '2025-03-02 10:00:00+00')
        ) t(consent_event_id, subject_type, subject_value, channel, action, recorded_at)"""
    )
    con.execute(
        """create or replace table staging.stg_sms__events as
        select * from (values
            ('M1', '+46701234567', 'sent', timestamptz '2025-03-01 10:00:00+00'),
            ('M2', '+46701234567', 'delivered', timestamptz '2025-03-01 10:01:00+00')
        ) t(event_id, msisdn, event_type, occurred_at)"""
    )


CLEAN_STAGING_CUSTOMERS = [
    ("100", "anna@example.se", True, "070-123 45 67", "+46701234567", True, "111 22", "SE", True,
     "1980-05-01", "2025-01-01 10:00:00+00"),
    ("101", "ola@example.no", True, None, None, False, "0150", "NO", True, "1975-01-31",
     "2025-01-02 10:00:00+00"),
]


def make_raw(con: duckdb.DuckDBPyConnection, ledger_rows: int = 2) -> None:
    """raw.crm__customers with 2 rows from one file, and a ledger saying ``ledger_rows``."""
    entity = get_entity("crm__customers")
    create_raw_tables(con, (entity,))
    ensure_tables(con)
    con.execute(
        """insert into raw.crm__customers (customer_number, given_names, surname, created_at,
        updated_at, _source_file, _row_number, _loaded_at)
        select n::varchar, 'Anna', 'Svensson', now(), now(), 'crm/customers/2025-01-01.csv', n,
            now() from range(1, 3) t(n)"""
    )
    con.execute(
        """insert into raw._load_ledger values ('crm/customers/2025-01-01.csv', 'crm',
        'customers', 10, 0, 'abc', ?, ?, 0, 'loaded', null, now(), 'r1')""",
        [ledger_rows, ledger_rows],
    )


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    yield connection
    connection.close()


def _run(con: duckdb.DuckDBPyConnection, spec: Any, tmp_path: Path) -> SuiteRun:
    return run_suite(con, spec, run_id="test-run", quality_dir=tmp_path / "quality",
                     build_docs=False)


def _failed_rules(run: SuiteRun) -> dict[str, Any]:
    return {o.rule: o for o in run.outcomes if not o.success}


# ---- clean data -------------------------------------------------------------------------------

def test_clean_data_passes_every_suite(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    make_dim_customer(con, CLEAN_CUSTOMERS)
    make_identity(con, CLEAN_RECORDS)
    make_contact_plan(con, CLEAN_PLAN)
    make_staging(con, CLEAN_STAGING_CUSTOMERS)
    make_raw(con)
    runs = run_gate(con, all_suites(), run_id="clean", quality_dir=tmp_path / "quality")
    failed = [o for run in runs for o in run.outcomes if not o.success]
    # only raw.crm__customers and three staging models exist: the others are reported missing
    missing_raw = {o.asset for o in failed if o.rule == "required_columns_present"}
    assert len(missing_raw) == 19 and ("raw", "crm__customers") not in missing_raw
    missing_staging = {o.asset for o in failed if o.rule == "suite_runs"}
    assert len(missing_staging) == 7 and all("does not exist" in o.message or "do not exist"
                                             in o.message for o in failed
                                             if o.rule == "suite_runs")
    assert ("staging", "stg_crm__customers") not in missing_staging
    assert [o.message for o in failed if o.rule not in ("required_columns_present",
                                                         "suite_runs")] == []
    # dq_results gained one row per outcome, all for this run
    written = con.execute(
        "select count(*), count(distinct run_id) from quality.dq_results"
    ).fetchall()
    assert written == [(sum(len(r.outcomes) for r in runs), 1)]
    # Data Docs written, offline (a static index) and listing the suites
    index = tmp_path / "quality" / "docs" / "index.html"
    assert index.exists()
    assert "dim_customer" in index.read_text()


# ---- golden record ----------------------------------------------------------------------------

def test_duplicate_email_among_active_customers_fails(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    rows = [*CLEAN_CUSTOMERS]
    rows[2] = ("C3", "anna@example.se", *rows[2][2:])  # C3 now shares C1's e-mail
    make_dim_customer(con, rows)
    run = _run(con, dim_customer.spec(), tmp_path)
    failed = _failed_rules(run)
    assert set(failed) == {"email_unique_among_active"}
    outcome = failed["email_unique_among_active"]
    assert outcome.severity == "ERROR" and outcome.dimension == "uniqueness"
    # the erased C4 with the same e-mail is not counted (nor the test record C5)
    assert outcome.unexpected_count == 2 and outcome.element_count == 5
    assert set(outcome.sample_keys) == {"C1", "C3"}
    assert "C1" in outcome.message and "anna@example.se" not in outcome.message


def test_greeting_name_not_among_given_names_fails(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    rows = [*CLEAN_CUSTOMERS]
    # "Dear Stig" to someone whose given names are "Patrick Olof": a classic failure
    rows[1] = ("C2", "patrick@example.se", "Patrick Olof", "Stig", *rows[1][4:])
    make_dim_customer(con, rows)
    failed = _failed_rules(_run(con, dim_customer.spec(), tmp_path))
    assert set(failed) == {"greeting_name_is_given_name"}
    outcome = failed["greeting_name_is_given_name"]
    assert outcome.sample_keys == ("C2",) and outcome.unexpected_count == 1
    assert "greeting name is one of the customer's given names" in outcome.message
    assert "Stig" not in outcome.message


def test_missing_consent_record_fails(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    rows = [*CLEAN_CUSTOMERS]
    rows[0] = (*rows[0][:10], True, None, True, False, False)  # no sms consent resolved
    make_dim_customer(con, rows)
    failed = _failed_rules(_run(con, dim_customer.spec(), tmp_path))
    assert set(failed) == {"has_sms_consent_present"}
    assert failed["has_sms_consent_present"].sample_keys == ("C1",)
    assert failed["has_sms_consent_present"].severity == "ERROR"


def test_consent_for_erased_customer_and_incomplete_postal_address(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    rows = [*CLEAN_CUSTOMERS]
    rows[3] = (*rows[3][:10], True, False, False, False, False)  # erased but e-mail consent
    rows[0] = ("C1", "anna@example.se", "Anna Karin", "Karin", None, *rows[0][5:])  # no street
    make_dim_customer(con, rows)
    failed = _failed_rules(_run(con, dim_customer.spec(), tmp_path))
    assert set(failed) == {"has_email_consent_false_when_erased", "postal_address_complete"}
    assert failed["has_email_consent_false_when_erased"].sample_keys == ("C4",)
    assert failed["postal_address_complete"].severity == "WARN"
    assert failed["postal_address_complete"].dimension == "completeness"


def test_contract_break_is_reported_not_raised(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    make_dim_customer(con, CLEAN_CUSTOMERS)
    con.execute("alter table marts.dim_customer drop column has_push_consent")
    run = _run(con, dim_customer.spec(), tmp_path)
    assert run.outcomes and all(not o.success for o in run.outcomes)
    assert "has_push_consent" in run.outcomes[0].message
    assert {o.severity for o in run.outcomes} == {"ERROR", "WARN"}


def test_missing_table_names_it(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    run = _run(con, dim_customer.spec(), tmp_path)
    assert all(not o.success for o in run.outcomes)
    assert "marts.dim_customer do not exist" in run.outcomes[0].message


# ---- identity map -----------------------------------------------------------------------------

def test_giant_cluster_fails_cap(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    giant = [("web", f"cookie{i}", "CBIG") for i in range(config.CLUSTER_SIZE_CAP + 1)]
    make_identity(con, [*CLEAN_RECORDS, *giant])
    failed = _failed_rules(_run(con, customer_identity_map.spec(), tmp_path))
    assert set(failed) == {"cluster_size_within_cap"}
    outcome = failed["cluster_size_within_cap"]
    assert outcome.unexpected_count == config.CLUSTER_SIZE_CAP + 1
    assert all(key.startswith("CBIG|web|cookie") for key in outcome.sample_keys)
    # the golden record of that cluster fails the blocking cap rule of dim_customer
    rows = [*CLEAN_CUSTOMERS]
    rows[2] = (*rows[2], config.CLUSTER_SIZE_CAP + 1)  # C3's source_record_count
    make_dim_customer(con, rows)
    failed = _failed_rules(_run(con, dim_customer.spec(), tmp_path))
    assert set(failed) == {"source_record_count_within_cap"}
    assert failed["source_record_count_within_cap"].sample_keys == ("C3",)
    assert failed["source_record_count_within_cap"].severity == "ERROR"


def test_unmapped_and_twice_mapped_records_fail(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    make_identity(con, CLEAN_RECORDS)
    con.execute("insert into intermediate.int_identity_records values ('app', 'U7', null)")
    con.execute(
        "insert into marts.customer_identity_map values "
        "('sms', '+46701234567', 'C9', 'phone', 1.0, false, 1)"
    )
    failed = _failed_rules(_run(con, customer_identity_map.spec(), tmp_path))
    assert {"every_record_mapped", "record_mapped_once"} <= set(failed)
    assert failed["every_record_mapped"].sample_keys == ("null|app|U7",)
    # the SMS record id is a phone number: its samples are hashed, never the number
    samples = " ".join(failed["record_mapped_once"].sample_keys)
    assert "md5:" in samples and "+46701234567" not in samples


# ---- staging ----------------------------------------------------------------------------------

def test_invalid_phones_and_staging_validity(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    bad = [
        *CLEAN_STAGING_CUSTOMERS,
        # a "phone" the normaliser turned into a non-E.164 value
        ("102", "x@example.se", True, "12", "12", True, "111 22", "SE", True, "1990-01-01",
         "2025-01-01 10:00:00+00"),
        # an unparsable phone, a flagged-valid malformed e-mail, a 1850 birth date
        ("103", "not-an-email", True, "abc", None, False, "12", "SE", False, "1850-01-01",
         "2025-01-01 10:00:00+00"),
        ("104", "y@example.se", True, "0", None, False, "111 22", "SE", True, "1990-01-01",
         "2099-01-01 10:00:00+00"),
    ]
    make_staging(con, bad)
    failed = _failed_rules(_run(con, staging.get_master_spec("stg_crm__customers"), tmp_path))
    assert set(failed) == {
        "email_syntax",  # 1 of 5 e-mails malformed: below the 90 % threshold
        "phone_e164_format",
        "phone_valid_share",
        "email_flag_consistent",
        "birth_date_plausible",
        "postal_code_valid_for_country",
        "event_time_not_in_future",
    }
    assert failed["phone_e164_format"].sample_keys == ("102",)
    assert failed["phone_valid_share"].unexpected_count == 2
    assert failed["event_time_not_in_future"].sample_keys == ("104",)
    assert failed["birth_date_plausible"].sample_keys == ("103",)
    assert failed["postal_code_valid_for_country"].sample_keys == ("103",)
    assert all(o.asset == ("staging", "stg_crm__customers") for o in failed.values())


def test_future_events_in_event_models(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    make_staging(con, CLEAN_STAGING_CUSTOMERS)
    con.execute(
        "insert into staging.stg_sms__events values "
        "('M3', '+46701234567', 'sent', now() + interval 3 day)"
    )
    event_spec = next(s for s in staging.specs() if s.name == "staging_event_times")
    failed = _failed_rules(_run(con, event_spec, tmp_path))
    assert set(failed) == {"event_time_not_in_future"}
    assert failed["event_time_not_in_future"].asset == ("staging", "stg_sms__events")


# ---- raw --------------------------------------------------------------------------------------

def test_raw_row_count_mismatch_and_missing_required_column(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    make_raw(con, ledger_rows=3)  # the ledger says 3 rows, raw holds 2
    con.execute("alter table raw.crm__customers drop column surname")
    con.execute("alter table raw.crm__customers alter column birth_date type varchar")
    schema_spec, counts_spec = raw_sources.specs((get_entity("crm__customers"),))
    schema_failed = _failed_rules(_run(con, schema_spec, tmp_path))
    assert set(schema_failed) == {"required_columns_present", "declared_column_types"}
    assert "surname" in schema_failed["required_columns_present"].message
    assert schema_failed["declared_column_types"].sample_keys == ("crm__customers|birth_date",)
    counts_failed = _failed_rules(_run(con, counts_spec, tmp_path))
    assert counts_failed["rows_match_load_ledger"].sample_keys == (
        "crm__customers|crm/customers/2025-01-01.csv",
    )


# ---- activation -------------------------------------------------------------------------------

def test_contact_plan_without_consent_suppressed_or_duplicated_fails(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    make_dim_customer(con, CLEAN_CUSTOMERS)
    make_contact_plan(
        con,
        [
            *CLEAN_PLAN,
            ("C3", "winback", "email"),  # no e-mail consent
            ("C4", "welcome", "postal"),  # erased
            ("C1", "winback", "email"),  # duplicate in the audience
        ],
    )
    failed = _failed_rules(_run(con, contact_plan.spec(), tmp_path))
    assert set(failed) == {"channel_consented", "not_suppressed", "unique_per_audience"}
    assert failed["channel_consented"].sample_keys == ("winback|C3", "welcome|C4")
    assert failed["not_suppressed"].sample_keys == ("welcome|C4",)
    assert failed["unique_per_audience"].unexpected_count == 2
    assert failed["unique_per_audience"].sample_keys == ("winback|C1",)


# ---- privacy ----------------------------------------------------------------------------------

def test_no_personal_data_in_results_or_docs(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    rows = [*CLEAN_CUSTOMERS]
    rows[2] = ("C3", "anna@example.se", "Ola", "Stig", *rows[2][4:])
    make_dim_customer(con, rows)
    bad_staging = [("105", "bad@@example", True, "79 98 87", "799887766", True, "1", "SE", False,
                    "1980-01-01", "2025-01-01 10:00:00+00")]
    make_staging(con, [*CLEAN_STAGING_CUSTOMERS, *bad_staging])
    specs = [dim_customer.spec(), staging.get_master_spec("stg_crm__customers")]
    run_gate(con, specs, run_id="pii", quality_dir=tmp_path / "quality")
    stored = json.dumps(con.execute("select * from quality.dq_results").fetchall(), default=str)
    written = "".join(
        p.read_text(errors="ignore") for p in (tmp_path / "quality").rglob("*")
        if p.is_file() and p.suffix in {".html", ".json"}
    )
    for personal in ("anna@example.se", "bad@@example", "Stig", "799887766"):
        assert personal not in stored
        assert personal not in written, personal


def test_greeting_name_check_tolerates_a_typo_or_lost_diacritics_in_given_names(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    rows = [*CLEAN_CUSTOMERS]
    rows[0] = (rows[0][0], rows[0][1], "Bjorn Pouul", "Poul", *rows[0][4:])
    rows[1] = (rows[1][0], rows[1][1], "Malin Mariia", "Maria", *rows[1][4:])
    make_dim_customer(con, rows)
    assert "greeting_name_is_given_name" not in _failed_rules(
        _run(con, dim_customer.spec(), tmp_path)
    )
