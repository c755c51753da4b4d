"""The extract's bookkeeping tables: the load ledger and the quarantine."""

from __future__ import annotations

from typing import Any

LEDGER_TABLE = "raw._load_ledger"
QUARANTINE_TABLE = "quality.quarantine"

# a file counts as loaded (its rows are in raw and/or quarantine) in these statuses
LOADED_STATUSES = ("loaded", "quarantined")

LEDGER_DDL = f"""
create table if not exists {LEDGER_TABLE} (
    source_file varchar not null,
    source_system varchar not null,
    entity varchar not null,
    file_size bigint not null,
    file_mtime_ns bigint not null,
    sha256 varchar not null,
    row_count bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    status varchar not null,
    message varchar,
    loaded_at timestamptz not null,
    run_id varchar not null
)
"""
"""One row per file event: ``loaded`` (rows in raw/quarantine), ``quarantined`` (whole file
unreadable, every row in quarantine), ``changed`` (an already-loaded file changed on disk; not
reloaded), ``failed`` (refused, e.g. a required column is missing; retried on the next run)."""

QUARANTINE_DDL = f"""
create table if not exists {QUARANTINE_TABLE} (
    source_system varchar not null,
    entity varchar not null,
    source_file varchar not null,
    row_number bigint,
    raw_text varchar,
    reason varchar not null,
    loaded_at timestamptz not null,
    run_id varchar not null
)
"""


def ensure_tables(connection: Any) -> None:
    """Create the `raw` and `quality` schemas, the ledger and the quarantine where missing."""
    connection.execute("create schema if not exists raw")
    connection.execute("create schema if not exists quality")
    connection.execute(LEDGER_DDL)
    connection.execute(QUARANTINE_DDL)


def quote(identifier: str) -> str:
    """A DuckDB identifier in double quotes."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A DuckDB string literal."""
    return "'" + value.replace("'", "''") + "'"
