"""Dagster asset ``marts.fct_attribution_credits`` (group attribution): every model's credit for
every touch of every conversion in ``intermediate.int_conversion_paths``."""

# no `from __future__ import annotations`: Dagster reads the config class from the signature
import time

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import Field

CREDITS_KEY = dg.AssetKey(["marts", "fct_attribution_credits"])
PATHS_KEY = dg.AssetKey(["intermediate", "int_conversion_paths"])


class AttributionAssetConfig(dg.Config):
    """Model settings (path building settings are dbt vars of int_conversion_paths)."""

    models: list[str] | None = Field(default=None, description="Models to run; default all.")
    half_life_days: float = Field(default=7.0, gt=0, description="Time-decay half-life.")
    position_first: float = Field(default=0.4, ge=0, le=1, description="Position-based first.")
    position_last: float = Field(default=0.4, ge=0, le=1, description="Position-based last.")
    markov_order: int = Field(default=1, ge=1, description="Order k of the Markov chain.")
    fractribution_transform: str = Field(
        default="exposure", description="unique, exposure, first or frequency."
    )
    direct_channels: list[str] = Field(
        default=["direct"], description="Channels last non-direct touch skips."
    )


@dg.asset(
    key=CREDITS_KEY,
    group_name="attribution",
    deps=[PATHS_KEY],
    pool="duckdb_writer",
    kinds={"python", "duckdb"},
    description=(
        "Credit (share, sums to 1 per conversion and model) and revenue credit (SEK, sums to the "
        "conversion's revenue) of every touch of every conversion under first touch, last touch, "
        "last non-direct, linear, time decay, position based, Markov removal effect (exact "
        "absorbing-chain solve), Shapley (exact, conversion-rate game) and Fractribution. "
        "Deterministic: same paths, same credits."
    ),
)
def fct_attribution_credits(
    context: dg.AssetExecutionContext, config: AttributionAssetConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    from orchestration.attribution.engine import AttributionConfig
    from orchestration.attribution.warehouse import attribute_warehouse

    settings = AttributionConfig(
        direct_channels=tuple(config.direct_channels),
        half_life_days=config.half_life_days,
        position_first=config.position_first,
        position_last=config.position_last,
        markov_order=config.markov_order,
        fractribution_transform=config.fractribution_transform,
    )
    started = time.perf_counter()
    with duckdb.get_connection() as con:
        figures = attribute_warehouse(con, config.models, settings)
    figures["seconds"] = round(time.perf_counter() - started, 2)
    context.log.info(
        f"attributed {figures['conversions']:,} conversions over {figures['paths']:,} paths "
        f"with {len(figures['models'])} models in {figures['seconds']} s"
    )
    metadata = {
        "dagster/row_count": figures["credit_rows"],
        **{key: value for key, value in figures.items() if not isinstance(value, dict | list)},
    }
    for key, value in figures.items():
        if isinstance(value, dict | list):
            metadata[key] = dg.MetadataValue.json(value)
    return dg.MaterializeResult(metadata=metadata)
