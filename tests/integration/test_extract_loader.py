"""Extract loader on tiny hand-made landing files: exactly once, loss-free, drift, bad input."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.checks.extract import changed_files, row_count_identity
from orchestration.sources.catalog import get_entity
from orchestration.sources.extract import MissingRequiredColumnsError, full_refresh, load_entity

CUSTOMERS = get_entity("crm__customers")
EMAIL_EVENTS = get_entity("esp__email_events")
ORDERS = get_entity("webshop__orders")
SMS = get_entity("sms__events")

CUSTOMER_HEADER = (
    "customer_number;given_names;preferred_name;surname;birth_date;email;phone;street;"
    "postal_code;city;country;customer_type;created_at;updated_at"
)


def customer_line(number: str, birth: str = "1980-01-02", updated: str = "2025-01-01T10:00:00Z"):
    return (
        f"{number};Anna Maria;Maria;Svensson;{birth};a{number}@example.se;0701234567;Gatan 1;"
        f"111 22;Stockholm;SE;private;2025-01-01T09:00:00Z;{updated}"
    )


def write(landing: Path, relative: str, text: str, encoding: str = "utf-8") -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def event_json(event_id: str, occurred_at: str = "2025-01-01T10:00:00Z", **extra: str) -> str:
    import json

    row = {
        "event_id": event_id,
        "subscriber_id": "s1",
        "email": "a@example.se",
        "event_type": "sent",
        "campaign_id": "K1",
        "message_id": "m1",
        "occurred_at": occurred_at,
        **extra,
    }
    return json.dumps(row)


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return tmp_path / "landing"


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def count(con, sql: str) -> int:
    return con.execute(sql).fetchall()[0][0]


def assert_identity(con, entity) -> None:
    result = row_count_identity(con, entity)
    assert result.passed, result.description


def test_exactly_once_across_reruns_and_new_batches(con, landing: Path) -> None:
    write(landing, "crm/customers/2025-01-01.csv",
          "\n".join([CUSTOMER_HEADER, customer_line("C1"), customer_line("C2")]) + "\n")
    first = load_entity(con, landing, CUSTOMERS)
    assert (first.rows_loaded, len(first.files_loaded), first.files_skipped) == (2, 1, 0)

    again = load_entity(con, landing, CUSTOMERS)
    assert (again.rows_loaded, len(again.files_loaded), again.files_skipped) == (0, 0, 1)

    write(landing, "crm/customers/2025-01-02.csv",
          "\n".join([CUSTOMER_HEADER, customer_line("C3")]) + "\n")
    write(landing, "crm/customers/_manifest.json", "{}")  # not landing data
    third = load_entity(con, landing, CUSTOMERS)
    assert third.files_loaded == ["crm/customers/2025-01-02.csv"]
    assert third.rows_loaded == 1
    assert count(con, "select count(*) from raw.crm__customers") == 3
    rows = con.execute(
        "select customer_number, _source_file, _row_number from raw.crm__customers order by 1"
    ).fetchall()
    assert rows == [
        ("C1", "crm/customers/2025-01-01.csv", 1),
        ("C2", "crm/customers/2025-01-01.csv", 2),
        ("C3", "crm/customers/2025-01-02.csv", 1),
    ]
    ledger = con.execute(
        "select source_file, row_count, rows_loaded, status from raw._load_ledger order by 1"
    ).fetchall()
    assert ledger == [
        ("crm/customers/2025-01-01.csv", 2, 2, "loaded"),
        ("crm/customers/2025-01-02.csv", 1, 1, "loaded"),
    ]
    assert_identity(con, CUSTOMERS)


def test_typed_as_declared_and_timestamps_to_utc(con, landing: Path) -> None:
    lines = [
        CUSTOMER_HEADER,
        customer_line("Z", updated="2025-01-15T10:00:00Z"),
        customer_line("COLON", updated="2025-01-15T10:00:00+01:00"),
        customer_line("NOCOLON", updated="2025-01-15T10:00:00+0100"),
        customer_line("NAIVE_WINTER", updated="2025-01-15 10:00:00"),  # Stockholm = UTC+1
        customer_line("NAIVE_SUMMER", updated="2025-07-15T10:00:00"),  # Stockholm = UTC+2
    ]
    write(landing, "crm/customers/2025-07-15.csv", "\n".join(lines) + "\n")
    load_entity(con, landing, CUSTOMERS)
    con.execute("set TimeZone = 'UTC'")
    got = dict(
        con.execute("select customer_number, updated_at from raw.crm__customers").fetchall()
    )
    assert got["Z"] == datetime(2025, 1, 15, 10, tzinfo=UTC)
    assert got["COLON"] == got["NOCOLON"] == datetime(2025, 1, 15, 9, tzinfo=UTC)
    assert got["NAIVE_WINTER"] == datetime(2025, 1, 15, 9, tzinfo=UTC)
    assert got["NAIVE_SUMMER"] == datetime(2025, 7, 15, 8, tzinfo=UTC)
    types = dict(con.execute("describe raw.crm__customers").fetchall()[i][:2] for i in range(17))
    assert types["birth_date"] == "DATE"
    assert types["updated_at"] == "TIMESTAMP WITH TIME ZONE"


def test_changed_file_is_reported_not_reloaded_and_full_refresh_reloads(con, landing) -> None:
    path = write(landing, "crm/customers/2025-01-01.csv",
                 "\n".join([CUSTOMER_HEADER, customer_line("C1")]) + "\n")
    load_entity(con, landing, CUSTOMERS)
    path.write_text("\n".join([CUSTOMER_HEADER, customer_line("C1"), customer_line("C9")]) + "\n")
    os.utime(path, ns=(1, 1))

    result = load_entity(con, landing, CUSTOMERS)
    assert result.files_changed == ["crm/customers/2025-01-01.csv"]
    assert result.rows_loaded == 0
    assert count(con, "select count(*) from raw.crm__customers") == 1
    assert not changed_files(con, CUSTOMERS).passed
    load_entity(con, landing, CUSTOMERS)  # reported again, recorded once
    assert count(con, "select count(*) from raw._load_ledger where status = 'changed'") == 1

    refreshed = full_refresh(con, landing, (CUSTOMERS,))[0]
    assert refreshed.rows_loaded == 2
    assert count(con, "select count(*) from raw.crm__customers") == 2
    assert changed_files(con, CUSTOMERS).passed
    assert_identity(con, CUSTOMERS)


def test_same_content_touched_is_not_changed(con, landing: Path) -> None:
    path = write(landing, "crm/customers/2025-01-01.csv",
                 "\n".join([CUSTOMER_HEADER, customer_line("C1")]) + "\n")
    load_entity(con, landing, CUSTOMERS)
    os.utime(path, ns=(5, 5))
    result = load_entity(con, landing, CUSTOMERS, verify_checksums=True)
    assert (result.files_changed, result.files_skipped, result.rows_loaded) == ([], 1, 0)


def test_bad_csv_rows_go_to_quarantine_with_reason(con, landing: Path) -> None:
    lines = [
        CUSTOMER_HEADER,
        customer_line("GOOD1"),
        customer_line("BADDATE", birth="1980-13-45"),
        "TRUNC;Anna;Maria",  # truncated row: too few fields
        customer_line("BADTS", updated="yesterday"),
        'QUOTED;"Anna\nMaria";;Lind;;;;;;;SE;private;2025-01-01T09:00:00Z;2025-01-01T09:00:00Z',
        customer_line("GOOD2"),
    ]
    write(landing, "crm/customers/2025-01-01.csv", "\n".join(lines) + "\n")
    result = load_entity(con, landing, CUSTOMERS)
    assert (result.rows_in_files, result.rows_loaded, result.rows_quarantined) == (6, 3, 3)
    kept = con.execute(
        "select customer_number, _row_number from raw.crm__customers order by _row_number"
    ).fetchall()
    assert kept == [("GOOD1", 1), ("QUOTED", 5), ("GOOD2", 6)]
    quarantined = con.execute(
        "select row_number, reason, raw_text from quality.quarantine order by row_number"
    ).fetchall()
    assert [q[0] for q in quarantined] == [2, 3, 4]
    assert quarantined[0][1] == "unparsable date in column birth_date"
    assert "missing columns" in quarantined[1][1] and quarantined[1][2] == "TRUNC;Anna;Maria"
    assert quarantined[2][1] == "unparsable timestamp in column updated_at"
    assert quarantined[0][2].startswith("BADDATE;")
    assert_identity(con, CUSTOMERS)


def test_bad_json_lines_go_to_quarantine(con, landing: Path) -> None:
    lines = [
        event_json("E1"),
        "{not json",
        "",  # blank line: not a row
        event_json("E2", occurred_at="31/12/2025"),
        "[1, 2]",
        event_json("E3"),
    ]
    write(landing, "esp/email_events/2025-01-01.jsonl", "\n".join(lines) + "\n")
    result = load_entity(con, landing, EMAIL_EVENTS)
    assert (result.rows_in_files, result.rows_loaded, result.rows_quarantined) == (5, 2, 3)
    assert con.execute(
        "select event_id, _row_number from raw.esp__email_events order by 2"
    ).fetchall() == [("E1", 1), ("E3", 6)]
    reasons = con.execute(
        "select row_number, reason from quality.quarantine order by row_number"
    ).fetchall()
    assert reasons == [
        (2, "malformed JSON line"),
        (4, "unparsable timestamp in column occurred_at"),
        (5, "JSON line is not an object"),
    ]
    assert_identity(con, EMAIL_EVENTS)


def test_wrong_encoding_quarantines_whole_file(con, landing: Path) -> None:
    write(landing, "crm/customers/2025-01-01.csv",
          "\n".join([CUSTOMER_HEADER, customer_line("C1")]) + "\n")
    latin1 = "\n".join([CUSTOMER_HEADER, customer_line("Å1"), customer_line("C3")]) + "\n"
    write(landing, "crm/customers/2025-01-02.csv", latin1, encoding="latin-1")
    result = load_entity(con, landing, CUSTOMERS)
    assert result.rows_loaded == 1
    assert list(result.files_quarantined) == ["crm/customers/2025-01-02.csv"]
    rows = con.execute(
        "select row_number, reason, raw_text from quality.quarantine order by 1"
    ).fetchall()
    assert [r[0] for r in rows] == [1, 2]
    assert all("not valid UTF-8" in r[1] for r in rows)
    assert rows[0][2].startswith("\\xc51;")
    status = con.execute(
        "select status, row_count from raw._load_ledger where source_file like '%02.csv'"
    ).fetchall()
    assert status == [("quarantined", 2)]
    assert_identity(con, CUSTOMERS)
    assert load_entity(con, landing, CUSTOMERS).files_skipped == 2  # not retried


def test_schema_drift_column_is_kept_as_varchar(con, landing: Path) -> None:
    header = CUSTOMER_HEADER + ";loyalty_tier"
    write(landing, "crm/customers/2025-01-01.csv",
          "\n".join([CUSTOMER_HEADER, customer_line("C1")]) + "\n")
    write(landing, "crm/customers/2025-01-02.csv",
          "\n".join([header, customer_line("C2") + ";gold"]) + "\n")
    result = load_entity(con, landing, CUSTOMERS)
    assert result.drift_columns == ["loyalty_tier"]
    assert con.execute(
        "select customer_number, loyalty_tier from raw.crm__customers order by 1"
    ).fetchall() == [("C1", None), ("C2", "gold")]
    columns = con.execute("describe raw.crm__customers").fetchall()
    assert columns[-1][:2] == ("loyalty_tier", "VARCHAR")
    assert [c[0] for c in columns[-4:-1]] == ["_source_file", "_row_number", "_loaded_at"]


def test_missing_required_column_refuses_the_file_and_names_it(con, landing: Path) -> None:
    write(landing, "crm/customers/2025-01-01.csv",
          "\n".join([CUSTOMER_HEADER, customer_line("C1")]) + "\n")
    header = CUSTOMER_HEADER.replace(";surname", "") + ";extra"
    line = customer_line("C2").replace(";Svensson", "") + ";x"
    write(landing, "crm/customers/2025-01-02.csv", "\n".join([header, line]) + "\n")
    with pytest.raises(MissingRequiredColumnsError) as raised:
        load_entity(con, landing, CUSTOMERS)
    message = str(raised.value)
    assert "crm/customers/2025-01-02.csv" in message and "surname" in message
    assert count(con, "select count(*) from raw.crm__customers") == 1  # the good file loaded
    assert count(con, "select count(*) from raw._load_ledger where status = 'failed'") == 1
    assert "extra" not in [c[0] for c in con.execute("describe raw.crm__customers").fetchall()]
    assert_identity(con, CUSTOMERS)


def test_parquet_native_types_and_row_numbers(con, landing: Path) -> None:
    path = landing / "webshop/orders/2025-01-01.parquet"
    path.parent.mkdir(parents=True)
    when = datetime(2025, 1, 1, 10, 0)
    table = pa.table({
        "order_id": ["O1", "O2", "O3"],
        "account_id": ["A1", "A2", "A3"],
        "status": ["placed", "shipped", "placed"],
        "currency": ["SEK", "NOK", "SEK"],
        "order_total": ["100.50", "not a number", "7"],
        "shipping_country": ["SE", None, "SE"],
        "ordered_at": pa.array([when] * 3, pa.timestamp("us")),
        "updated_at": pa.array([when] * 3, pa.timestamp("us")),
        "gift_wrap": [True, False, None],
    })
    pq.write_table(table, path)
    result = load_entity(con, landing, ORDERS)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    assert result.drift_columns == ["gift_wrap"]
    con.execute("set TimeZone = 'UTC'")
    rows = con.execute(
        "select order_id, order_total::varchar, ordered_at, _row_number, gift_wrap "
        "from raw.webshop__orders order by 1"
    ).fetchall()
    assert rows[0] == ("O1", "100.50", datetime(2025, 1, 1, 10, tzinfo=UTC), 1, "true")
    assert rows[1][0] == "O3" and rows[1][3] == 3
    reason, raw_text = con.execute("select reason, raw_text from quality.quarantine").fetchall()[0]
    assert reason == "unparsable number (decimal(12,2)) in column order_total"
    assert '"order_id":"O2"' in raw_text
    assert_identity(con, ORDERS)


def test_unreadable_parquet_file_is_quarantined(con, landing: Path) -> None:
    write(landing, "webshop/orders/2025-01-01.parquet", "this is not parquet")
    result = load_entity(con, landing, ORDERS)
    assert list(result.files_quarantined) == ["webshop/orders/2025-01-01.parquet"]
    assert count(con, "select count(*) from quality.quarantine") == 1
    assert_identity(con, ORDERS)


def test_empty_file_loads_nothing_and_is_ledgered(con, landing: Path) -> None:
    write(landing, "sms/events/2025-01-01.csv", "")
    header = "event_id,msisdn,event_type,campaign_id,occurred_at\n"
    write(landing, "sms/events/2025-01-02.csv", header)
    result = load_entity(con, landing, SMS)
    assert (len(result.files_loaded), result.rows_loaded) == (2, 0)
    assert load_entity(con, landing, SMS).files_skipped == 2
    assert_identity(con, SMS)


def test_row_numbers_match_file_positions_across_files_and_rejects(con, landing: Path) -> None:
    """Row numbers stay exact in a batch of several files with bad rows anywhere, and in a file
    large enough for DuckDB to read it in parallel chunks."""
    bad = {1, 2, 777, 778, 20_001, 59_999}  # data rows that are truncated
    big = [CUSTOMER_HEADER] + [
        "TRUNC;x" if n in bad else customer_line(f"{n}") for n in range(1, 60_001)
    ]
    small = [CUSTOMER_HEADER, "TRUNC;y", customer_line("2"), "TRUNC;z", customer_line("4")]
    write(landing, "crm/customers/2025-01-01.csv", "\n".join(small) + "\n")
    write(landing, "crm/customers/2025-01-02.csv", "\n".join(big) + "\n")
    result = load_entity(con, landing, CUSTOMERS)
    assert (result.rows_in_files, result.rows_quarantined) == (60_004, 8)
    mismatched = count(
        con,
        "select count(*) from raw.crm__customers "
        "where customer_number::bigint <> _row_number",
    )
    assert mismatched == 0
    quarantined = con.execute(
        "select source_file, row_number from quality.quarantine order by 1, 2"
    ).fetchall()
    expected = [("crm/customers/2025-01-01.csv", 1), ("crm/customers/2025-01-01.csv", 3)]
    assert quarantined == expected + [("crm/customers/2025-01-02.csv", n) for n in sorted(bad)]
    assert_identity(con, CUSTOMERS)


def test_reordered_csv_columns_and_new_json_keys(con, landing: Path) -> None:
    names = CUSTOMER_HEADER.split(";")
    values = customer_line("R1").split(";")
    order = list(reversed(range(len(names))))
    write(landing, "crm/customers/2025-01-01.csv", "\n".join([
        ";".join(names[i] for i in order), ";".join(values[i] for i in order)
    ]) + "\n")
    load_entity(con, landing, CUSTOMERS)
    assert con.execute(
        "select customer_number, surname, birth_date::varchar from raw.crm__customers"
    ).fetchall() == [("R1", "Svensson", "1980-01-02")]

    write(landing, "esp/email_events/2025-01-01.jsonl", event_json("E1", channel_tag="x") + "\n")
    result = load_entity(con, landing, EMAIL_EVENTS)
    assert result.drift_columns == ["channel_tag"]
    assert con.execute("select event_id, channel_tag from raw.esp__email_events").fetchall() == [
        ("E1", "x")
    ]


def test_small_batches_give_the_same_result(con, landing: Path, tmp_path: Path) -> None:
    """Files are committed in size-bounded batches; one file per batch changes nothing."""
    write(landing, "esp/email_events/2025-01-01.jsonl", event_json("E1") + "\n{bad\n")
    write(landing, "esp/email_events/2025-01-02.jsonl", event_json("E2", tier="gold") + "\n")
    write(landing, "esp/email_events/2025-01-03.jsonl", event_json("E3") + "\n")
    result = load_entity(con, landing, EMAIL_EVENTS, batch_bytes=1)
    assert (len(result.files_loaded), result.rows_loaded, result.rows_quarantined) == (3, 3, 1)
    assert result.drift_columns == ["tier"]
    assert con.execute(
        "select event_id, tier, _row_number from raw.esp__email_events order by 1"
    ).fetchall() == [("E1", None, 1), ("E2", "gold", 1), ("E3", None, 1)]
    assert_identity(con, EMAIL_EVENTS)


def test_windows_line_endings_keep_row_numbers(con, landing: Path) -> None:
    write(landing, "sms/events/2025-01-01.csv", "\r\n".join([
        "event_id,msisdn,event_type,campaign_id,occurred_at",
        "S1,+46701234567,sent,,2025-01-01T10:00:00Z",
        "S2,+46701234567",
        "S3,+46701234567,sent,,2025-01-01T10:00:00Z",
    ]) + "\r\n")
    write(landing, "esp/email_events/2025-01-01.jsonl",
          "\r\n".join([event_json("E1"), "{bad", event_json("E3")]) + "\r\n")
    load_entity(con, landing, SMS)
    load_entity(con, landing, EMAIL_EVENTS)
    assert con.execute("select event_id, _row_number from raw.sms__events").fetchall() == [
        ("S1", 1), ("S3", 3)
    ]
    assert con.execute("select event_id, _row_number from raw.esp__email_events").fetchall() == [
        ("E1", 1), ("E3", 3)
    ]
    assert con.execute(
        "select entity, row_number, raw_text from quality.quarantine order by 1"
    ).fetchall() == [("email_events", 2, "{bad"), ("events", 2, "S2,+46701234567")]
    assert_identity(con, SMS)
