"""Dagster resources, configured from the same environment variables as dbt's profiles.yml."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from dagster_duckdb import DuckDBResource

from orchestration.settings import Settings


class WarehouseResource(DuckDBResource):
    """dagster-duckdb's resource, but the connection is also closed when the asset raises.

    DuckDBResource.get_connection closes its connection only after a clean exit; a failed asset
    left it open until garbage collection, holding the database file in the process (a later
    connection with another configuration, e.g. read-only, is then refused by DuckDB).
    """

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:  # type: ignore[override]
        connection = super().get_connection().__enter__()
        try:
            yield connection
        finally:
            connection.close()


def duckdb_resource(settings: Settings | None = None) -> WarehouseResource:
    """The one DuckDB resource every Python asset reads and writes the warehouse through."""
    settings = settings or Settings.from_env()
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    return WarehouseResource(database=str(settings.duckdb_path))
