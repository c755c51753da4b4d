"""Extract assets: one per catalog entity, landing files → ``raw.<source>__<entity>``.

No ``from __future__ import annotations`` here: Dagster reads the asset functions' annotations
(config class, resources) at definition time.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.checks.extract import changed_files, extract_check_specs, row_count_identity
from orchestration.settings import Settings
from orchestration.sources.catalog import ENTITIES, Entity
from orchestration.sources.extract import ExtractResult, MissingRequiredColumnsError, load_entity
from orchestration.sources.raw_schema import RAW_SCHEMA, raw_column_type

EXTRACT_GROUP = "extract"


class ExtractConfig(dg.Config):
    """Run configuration of an extract asset."""

    full_refresh: bool = False
    """Empty the raw table, its quarantine rows and ledger entries, then reload every file."""
    verify_checksums: bool = False
    """Hash every already-loaded file (instead of trusting unchanged size and mtime)."""


def extract_asset_key(entity: Entity) -> dg.AssetKey:
    return dg.AssetKey([RAW_SCHEMA, entity.raw_table])


def _column_schema(entity: Entity) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(c.name, raw_column_type(c), description=c.description or None)
            for c in entity.columns
        ]
        + [
            dg.TableColumn("_source_file", "varchar", description="landing file"),
            dg.TableColumn("_row_number", "bigint", description="data row in that file"),
            dg.TableColumn("_loaded_at", "timestamptz", description="when it was loaded"),
        ]
    )


def _metadata(result: ExtractResult, total_rows: int) -> dict[str, object]:
    return {
        "rows_loaded": result.rows_loaded,
        "rows_quarantined": result.rows_quarantined,
        "files_loaded": len(result.files_loaded),
        "files_skipped": result.files_skipped,
        "files_changed": dg.MetadataValue.json(result.files_changed),
        "files_quarantined": dg.MetadataValue.json(result.files_quarantined),
        "drift_columns": dg.MetadataValue.json(result.drift_columns),
        "dagster/row_count": total_rows,
    }


def _make_extract_asset(entity: Entity) -> dg.AssetsDefinition:
    key = extract_asset_key(entity)

    @dg.asset(
        key=key,
        group_name=EXTRACT_GROUP,
        pool="duckdb_writer",
        kinds={"duckdb", entity.file_format},
        description=f"{entity.description} — landing files "
        f"`{entity.source}/{entity.name}/*.{entity.extension}` loaded incrementally.",
        metadata={
            "dagster/column_schema": _column_schema(entity),
            "dagster/table_name": f"{RAW_SCHEMA}.{entity.raw_table}",
        },
        check_specs=extract_check_specs(key),
    )
    def _extract(
        context: dg.AssetExecutionContext, config: ExtractConfig, duckdb: DuckDBResource
    ) -> dg.MaterializeResult:
        landing_dir = Settings.from_env().landing_dir
        with duckdb.get_connection() as connection:
            try:
                result = load_entity(
                    connection,
                    landing_dir,
                    entity,
                    run_id=context.run.run_id,
                    full_refresh=config.full_refresh,
                    verify_checksums=config.verify_checksums,
                    log=context.log,
                )
            except MissingRequiredColumnsError as error:
                raise dg.Failure(
                    description=str(error),
                    metadata={
                        "files_failed": dg.MetadataValue.json(error.result.files_failed),
                        "files_loaded": len(error.result.files_loaded),
                    },
                ) from error
            total = connection.execute(
                f"select count(*) from {RAW_SCHEMA}.{entity.raw_table}"
            ).fetchall()[0][0]
            checks = [row_count_identity(connection, entity), changed_files(connection, entity)]
        return dg.MaterializeResult(metadata=_metadata(result, total), check_results=checks)

    return _extract


def build_extract_assets() -> list[dg.AssetsDefinition]:
    """One extract asset per catalog entity."""
    return [_make_extract_asset(entity) for entity in ENTITIES]


EXTRACT_SELECTION = dg.AssetSelection.groups(EXTRACT_GROUP)
