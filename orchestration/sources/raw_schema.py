"""The shape of the DuckDB `raw` layer: what every `raw.<source>__<entity>` table looks like.

A raw table has the entity's declared columns (``catalog.py``) with the declared DuckDB types,
except that ``timestamp`` columns become ``timestamptz`` (the extract converts the mixed notations
of text sources to UTC), followed by three lineage columns the extract adds to every row:

- ``_source_file``: landing file path relative to the landing root
  (``crm/customers/2025-01-01.csv``)
- ``_row_number``: 1-based data row (CSV: line after the header; JSON lines: line) in that file
- ``_loaded_at``: when the extract loaded the batch (UTC)

Columns that appear in a file but are not declared (schema drift) are appended after these, as
``varchar``. dbt staging models and the quality suites rely on this shape; the extract creates the
tables with :func:`create_raw_tables`, tests that need empty raw tables can do the same.
"""

from __future__ import annotations

from typing import Any

from orchestration.sources.catalog import ENTITIES, Column, Entity

RAW_SCHEMA = "raw"

LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_source_file", "varchar"),
    ("_row_number", "bigint"),
    ("_loaded_at", "timestamptz"),
)


def raw_column_type(column: Column) -> str:
    """DuckDB type of a declared column in the raw layer."""
    return "timestamptz" if column.type == "timestamp" else column.type


def raw_columns(entity: Entity) -> list[tuple[str, str]]:
    """(name, DuckDB type) of every raw column, declared columns first, lineage last."""
    return [(c.name, raw_column_type(c)) for c in entity.columns] + list(LINEAGE_COLUMNS)


def raw_table_ddl(entity: Entity, schema: str = RAW_SCHEMA) -> str:
    """``create table if not exists`` statement for the entity's raw table."""
    columns = ",\n    ".join(f'"{name}" {type_}' for name, type_ in raw_columns(entity))
    return f"create table if not exists {schema}.{entity.raw_table} (\n    {columns}\n)"


def create_raw_tables(connection: Any, entities: tuple[Entity, ...] = ENTITIES) -> None:
    """Create the `raw` schema and an (empty) table per entity where missing."""
    connection.execute(f"create schema if not exists {RAW_SCHEMA}")
    for entity in entities:
        connection.execute(raw_table_ddl(entity))
