"""Typing expressions: mixed timestamp notations → UTC, unparsable values → NULL (not errors)."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from orchestration.sources.catalog import Column
from orchestration.sources.extract.casting import typed_from_text
from orchestration.sources.extract.files import csv_header, digest

TS = Column("at", "timestamp")


def cast(value: str | None, column: Column, timezone: str = "Europe/Stockholm"):
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    expression = typed_from_text("v", column, timezone)
    query = f"select {expression} from (select ?::varchar as v)"
    return con.execute(query, [value]).fetchall()[0][0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-01T12:00:00Z", datetime(2025, 3, 1, 12, tzinfo=UTC)),
        ("2025-03-01T12:00:00z", datetime(2025, 3, 1, 12, tzinfo=UTC)),
        ("2025-03-01T12:00:00+01:00", datetime(2025, 3, 1, 11, tzinfo=UTC)),
        ("2025-03-01T12:00:00+0100", datetime(2025, 3, 1, 11, tzinfo=UTC)),
        ("2025-03-01T12:00:00-05:00", datetime(2025, 3, 1, 17, tzinfo=UTC)),
        ("2025-03-01T12:00:00.250+02:00", datetime(2025, 3, 1, 10, 0, 0, 250000, tzinfo=UTC)),
        ("2025-03-01 12:00:00", datetime(2025, 3, 1, 11, tzinfo=UTC)),  # naive = Stockholm
        ("2025-08-01T12:00:00", datetime(2025, 8, 1, 10, tzinfo=UTC)),  # summer time
        ("  2025-03-01T12:00:00Z ", datetime(2025, 3, 1, 12, tzinfo=UTC)),
        ("", None),
        (None, None),
        ("not a time", None),
        ("2025-02-30T12:00:00Z", None),
    ],
)
def test_timestamp_notations_to_utc(text: str | None, expected: datetime | None) -> None:
    assert cast(text, TS) == expected


def test_naive_timestamps_follow_the_entity_timezone() -> None:
    assert cast("2025-03-01 12:00:00", TS, timezone="UTC") == datetime(2025, 3, 1, 12, tzinfo=UTC)


def test_other_types() -> None:
    assert str(cast("12.50", Column("x", "decimal(12,2)"))) == "12.50"
    assert cast("1 234,50", Column("x", "decimal(12,2)")) is None
    assert cast(" 42 ", Column("x", "integer")) == 42
    assert cast("TRUE", Column("x", "boolean")) is True
    assert cast("1985-13-01", Column("x", "date")) is None
    assert cast(" kept as is ", Column("x", "varchar")) == " kept as is "


def test_digest_detects_invalid_utf8(tmp_path) -> None:
    good, bad, cut = tmp_path / "good.csv", tmp_path / "bad.csv", tmp_path / "cut.csv"
    good.write_text("a;b\nÅsa;Öberg\n", encoding="utf-8")
    bad.write_bytes("a;b\nÅsa;Öberg\n".encode("latin-1"))
    cut.write_bytes("a;Å".encode()[:-1])
    assert digest(good, check_utf8=True).encoding_error is None
    assert "offset 4" in digest(bad, check_utf8=True).encoding_error
    assert "truncated" in digest(cut, check_utf8=True).encoding_error
    assert len(digest(good, check_utf8=False).sha256) == 64
    assert csv_header(good, ";") == ["a", "b"]
