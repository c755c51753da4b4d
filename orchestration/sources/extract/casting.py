"""SQL expressions that type raw values as the catalog declares, without failing the query.

Every expression yields NULL when a present value cannot be typed; the loader compares it with
the source value to route such rows to quarantine (vectorised, no per-row Python).
Timestamps in text come in mixed notations: ``Z``, ``+01:00``, ``+0100``, ``+01`` or naive
(local time of the entity's timezone); all become UTC ``timestamptz``.
"""

from __future__ import annotations

from orchestration.sources.catalog import Column
from orchestration.sources.extract.tables import literal

# a time part followed by a zone designator: Z, UTC or a numeric offset
_ZONED = r":\d{2}(\.\d+)?\s*([zZ]|UTC|[+-]\d{2}(:?\d{2})?)$"


def present_text(value_sql: str) -> str:
    """The text value, with empty or blank strings read as missing (NULL)."""
    return f"nullif(trim({value_sql}), '')"


def typed_from_text(value_sql: str, column: Column, timezone: str) -> str:
    """Expression typing a varchar value as the column's declared (raw) type."""
    if column.type == "varchar":
        return value_sql
    text = present_text(value_sql)
    if column.type == "timestamp":
        return (
            f"case when regexp_matches({text}, '{_ZONED}') "
            f"then try_cast(upper({text}) as timestamptz) "
            f"else timezone({literal(timezone)}, try_cast({text} as timestamp)) end"
        )
    if column.type == "boolean":
        return f"try_cast(lower({text}) as boolean)"
    return f"try_cast({text} as {column.type})"


def typed_from_native(value_sql: str, native_type: str, column: Column, timezone: str) -> str:
    """Expression typing a natively typed (Parquet) value as the column's declared raw type."""
    native = native_type.upper()
    if native == "VARCHAR":
        return typed_from_text(value_sql, column, timezone)
    if column.type == "timestamp":
        if native == "TIMESTAMP WITH TIME ZONE":
            return value_sql
        if native.startswith("TIMESTAMP"):  # Parquet timestamps without zone are UTC
            return f"timezone('UTC', try_cast({value_sql} as timestamp))"
        return f"try_cast({value_sql} as timestamptz)"
    return f"try_cast({value_sql} as {column.type})"


def is_present(value_sql: str, native_type: str = "VARCHAR") -> str:
    """True where the source holds a value (for text: a non-blank string)."""
    if native_type.upper() == "VARCHAR":
        return f"{present_text(value_sql)} is not null"
    return f"{value_sql} is not null"


def type_label(column: Column) -> str:
    """How a declared type is named in quarantine reasons."""
    if column.type.startswith("decimal") or column.type in ("integer", "bigint"):
        return f"number ({column.type})"
    return column.type
