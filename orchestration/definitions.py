"""The kundresa Dagster code location: assets grouped by concept, checks, sensors, schedules."""

from __future__ import annotations

import dagster as dg

from orchestration.assets.activation import build_export_assets
from orchestration.assets.attribution import fct_attribution_credits
from orchestration.assets.clv import customer_clv
from orchestration.assets.dbt import build_dbt_assets, dbt_resource
from orchestration.assets.extract import build_extract_assets
from orchestration.assets.identity import identity_resolution
from orchestration.assets.quality import dq_results
from orchestration.checks.quality import build_quality_checks, defined_asset_keys
from orchestration.resources import duckdb_resource
from orchestration.schedules import daily_pipeline_schedule
from orchestration.sensors import landing_files_sensor
from orchestration.settings import Settings

settings = Settings.from_env()
settings.export_env()

assets = [
    *build_extract_assets(),
    *build_dbt_assets(),
    identity_resolution,
    customer_clv,
    fct_attribution_credits,
    *build_export_assets(),
    dq_results,
]

defs = dg.Definitions(
    assets=assets,
    asset_checks=build_quality_checks(defined_asset_keys(assets)),
    sensors=[landing_files_sensor],
    schedules=[daily_pipeline_schedule],
    resources={"duckdb": duckdb_resource(settings), "dbt": dbt_resource()},
)
