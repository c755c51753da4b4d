"""Dagster resources, configured from the same environment variables as dbt's profiles.yml."""

from __future__ import annotations

from dagster_duckdb import DuckDBResource

from orchestration.settings import Settings


def duckdb_resource(settings: Settings | None = None) -> DuckDBResource:
    """The one DuckDB resource every Python asset reads and writes the warehouse through."""
    settings = settings or Settings.from_env()
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(database=str(settings.duckdb_path))
