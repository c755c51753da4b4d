"""Asset checks of the extract: nothing lost between landing files and the raw layer."""

from __future__ import annotations

from typing import Any

import dagster as dg

from orchestration.sources.catalog import Entity
from orchestration.sources.extract.tables import LEDGER_TABLE, LOADED_STATUSES, QUARANTINE_TABLE
from orchestration.sources.raw_schema import RAW_SCHEMA

ROW_COUNT_IDENTITY = "rows_in_files_equal_raw_plus_quarantine"
NO_CHANGED_FILES = "no_changed_files_pending"


def extract_check_specs(key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    """The checks every extract asset reports with its materialisation."""
    return [
        dg.AssetCheckSpec(
            ROW_COUNT_IDENTITY,
            asset=key,
            blocking=True,
            description="For every loaded landing file: rows in the file = rows in raw + rows "
            "in quality.quarantine. Blocks downstream models when rows went missing.",
        ),
        dg.AssetCheckSpec(
            NO_CHANGED_FILES,
            asset=key,
            description="No already-loaded landing file changed on disk since it was loaded "
            "(changed files are reported, never reloaded silently; run a full refresh).",
        ),
    ]


def row_count_identity(connection: Any, entity: Entity) -> dg.AssetCheckResult:
    """Compare the ledger's per-file row counts with raw + quarantine rows of that file."""
    statuses = ", ".join(f"'{s}'" for s in LOADED_STATUSES)
    rows = connection.execute(
        f"""
        with ledger as (
            select source_file, row_count from {LEDGER_TABLE}
            where source_system = $source and entity = $entity and status in ({statuses})
        ),
        raw_rows as (
            select _source_file as source_file, count(*) as n
            from {RAW_SCHEMA}.{entity.raw_table} group by 1
        ),
        quarantined as (
            select source_file, count(*) as n from {QUARANTINE_TABLE}
            where source_system = $source and entity = $entity group by 1
        ),
        files as (
            select source_file from ledger
            union select source_file from raw_rows
            union select source_file from quarantined
        ),
        final as (
            select
                files.source_file,
                coalesce(ledger.row_count, 0) as in_file,
                coalesce(raw_rows.n, 0) as in_raw,
                coalesce(quarantined.n, 0) as in_quarantine,
            from files
            left join ledger on files.source_file = ledger.source_file
            left join raw_rows on files.source_file = raw_rows.source_file
            left join quarantined on files.source_file = quarantined.source_file
        )
        select * from final order by source_file
        """,
        {"source": entity.source, "entity": entity.name},
    ).fetchall()
    mismatched = [
        f"{path}: {in_file} in file, {in_raw} in raw, {in_quarantine} quarantined"
        for path, in_file, in_raw, in_quarantine in rows
        if in_file != in_raw + in_quarantine
    ]
    in_file = sum(r[1] for r in rows)
    in_raw = sum(r[2] for r in rows)
    in_quarantine = sum(r[3] for r in rows)
    return dg.AssetCheckResult(
        check_name=ROW_COUNT_IDENTITY,
        passed=not mismatched,
        severity=dg.AssetCheckSeverity.ERROR,
        description=None if not mismatched else "rows lost or duplicated: " + "; ".join(
            mismatched[:10]
        ),
        metadata={
            "files_checked": len(rows),
            "rows_in_files": in_file,
            "rows_in_raw": in_raw,
            "rows_quarantined": in_quarantine,
            "files_mismatched": len(mismatched),
        },
    )


def changed_files(connection: Any, entity: Entity) -> dg.AssetCheckResult:
    """Warn while the ledger holds files that changed after they were loaded."""
    paths = [
        row[0]
        for row in connection.execute(
            f"select distinct source_file from {LEDGER_TABLE} "
            "where source_system = ? and entity = ? and status = 'changed' order by 1",
            [entity.source, entity.name],
        ).fetchall()
    ]
    return dg.AssetCheckResult(
        check_name=NO_CHANGED_FILES,
        passed=not paths,
        severity=dg.AssetCheckSeverity.WARN,
        description=None if not paths else f"{len(paths)} loaded file(s) changed on disk",
        metadata={"changed_files": dg.MetadataValue.json(paths[:100])},
    )
