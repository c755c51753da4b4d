"""The kundresa Dagster code location: assets grouped by concept, checks, sensors, schedules."""

from __future__ import annotations

import dagster as dg

from orchestration.assets.dbt import build_dbt_assets, dbt_resource
from orchestration.resources import duckdb_resource
from orchestration.settings import Settings

settings = Settings.from_env()
settings.export_env()

defs = dg.Definitions(
    assets=[*build_dbt_assets()],
    resources={"duckdb": duckdb_resource(settings), "dbt": dbt_resource()},
)
