"""Attribution in the warehouse: read ``intermediate.int_conversion_paths``, credit every touch of
every conversion under each model, write ``marts.fct_attribution_credits``.

The data-driven models are fitted on all paths (converting and non-converting), summarised by
channel sequence in SQL; credits come from :func:`orchestration.attribution.engine.credit_touches`
— the same code the ``kundresa attribute`` command runs on path files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.attribution.engine import AttributionConfig

if TYPE_CHECKING:
    import duckdb

    from orchestration.attribution.paths import PathTable

PATHS_TABLE = "intermediate.int_conversion_paths"
CREDITS_TABLE = "marts.fct_attribution_credits"

CREDITS_SCHEMA = pa.schema(
    [
        ("conversion_id", pa.string()),
        ("touchpoint_id", pa.string()),
        ("model", pa.string()),
        ("credit", pa.float64()),
        ("revenue_credit", pa.float64()),
    ]
)


def read_path_summary(con: duckdb.DuckDBPyConnection) -> PathTable:
    """Every distinct channel sequence with its conversions and non-conversions."""
    from orchestration.attribution.paths import parse_paths

    summary = con.sql(
        f"""
        with paths as (
            select
                path_id,
                bool_or(is_converting) as is_converting,
                string_agg(channel, ' > ' order by touch_number) as path
            from {PATHS_TABLE}
            group by path_id
        )
        select
            path,
            sum(case when is_converting then 1 else 0 end)::double as conversions,
            sum(case when is_converting then 0 else 1 end)::double as non_conversions
        from paths
        group by path
        order by path
        """
    ).to_arrow_table()
    return parse_paths(
        summary["path"],
        summary["conversions"].to_numpy(),
        summary["non_conversions"].to_numpy(),
    )


def read_conversion_touches(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """One row per touch of a conversion, in the engine's touch-table columns."""
    return con.sql(
        f"""
        select
            cast(conversion_id as varchar) as conversion_id,
            cast(touchpoint_id as varchar) as touchpoint_id,
            channel,
            occurred_at,
            converted_at,
            coalesce(cast(conversion_revenue_sek as double), 0) as revenue
        from {PATHS_TABLE}
        where is_converting
        """
    ).to_arrow_table()


def attribute_warehouse(
    con: duckdb.DuckDBPyConnection,
    models: Sequence[str] | None = None,
    config: AttributionConfig | None = None,
) -> dict[str, Any]:
    """Replace ``marts.fct_attribution_credits`` with every model's touch credits; returns run
    figures (counts, the Markov conversion probability and removal effect per channel)."""
    from orchestration.attribution.engine import DATA_DRIVEN, check_models, credit_touches, fit
    from orchestration.attribution.paths import order_free

    config = config or AttributionConfig()
    config.validate()
    chosen = check_models(models)
    fit_paths = read_path_summary(con)
    touches = read_conversion_touches(con)
    fitted = (
        fit(order_free(fit_paths), chosen, config)
        if DATA_DRIVEN & set(chosen) and fit_paths.n_paths
        else None
    )
    credits = (
        credit_touches(touches, fit_paths, chosen, config, fitted)
        if touches.num_rows
        else CREDITS_SCHEMA.empty_table()
    )
    credits = credits.cast(CREDITS_SCHEMA)
    con.execute("create schema if not exists marts")
    con.register("attribution_credits_arrow", credits)
    try:
        con.execute(
            f"create or replace table {CREDITS_TABLE} as "
            "select * from attribution_credits_arrow order by model, conversion_id, touchpoint_id"
        )
    finally:
        con.unregister("attribution_credits_arrow")
    figures: dict[str, Any] = {
        "models": list(chosen),
        "paths": fit_paths.n_paths,
        "converting_paths": int((fit_paths.conversions > 0).sum()),
        "conversions": pc.count_distinct(touches["conversion_id"]).as_py(),
        "conversion_touches": touches.num_rows,
        "credit_rows": credits.num_rows,
    }
    if fitted is not None:
        figures["markov_conversion_probability"] = round(fitted.markov_conversion_probability, 6)
        figures["markov_removal_effect"] = {
            channel: round(float(effect), 6)
            for channel, effect in zip(
                fitted.paths.channels, fitted.markov_removal_effect, strict=True
            )
        }
        figures["shapley_game"] = fitted.shapley_game
        figures["shapley_value"] = {
            channel: round(float(value), 6)
            for channel, value in zip(fitted.paths.channels, fitted.shapley_value, strict=True)
        }
        if fitted.shapley_game == "conversion_rate":
            from orchestration.attribution.shapley import channel_exposure

            estimate = np.maximum(fitted.shapley_value, 0) * channel_exposure(fitted.paths)
            figures["shapley_incremental_conversions"] = {
                channel: round(float(value), 1)
                for channel, value in zip(fitted.paths.channels, estimate, strict=True)
            }
    return figures
