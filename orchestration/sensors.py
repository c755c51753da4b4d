"""Sensor: new or changed landing files launch the extract of the entities they belong to.

The cursor keeps one fingerprint per entity (hash of every batch file's path, size and mtime),
so it stays small however many daily files land.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import dagster as dg

from orchestration.settings import Settings
from orchestration.sources.catalog import ENTITIES, Entity
from orchestration.sources.extract.files import discover

EXTRACT_GROUP = "extract"


def landing_fingerprint(landing_dir: Path, entity: Entity) -> str | None:
    """Fingerprint of the entity's batch files (None when it has none)."""
    files = discover(landing_dir, entity)
    if not files:
        return None
    listing = "\n".join(f"{f.relative}\t{f.size}\t{f.mtime_ns}" for f in files)
    return hashlib.sha256(listing.encode()).hexdigest()[:16]


@dg.sensor(
    name="landing_files_sensor",
    description="Launches the extract of every entity whose landing files are new or changed.",
    target=dg.AssetSelection.groups(EXTRACT_GROUP),
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
)
def landing_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    landing_dir = Settings.from_env().landing_dir
    previous: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current: dict[str, str] = {}
    changed: list[dg.AssetKey] = []
    for entity in ENTITIES:
        fingerprint = landing_fingerprint(landing_dir, entity)
        if fingerprint is None:
            continue
        current[entity.raw_table] = fingerprint
        if previous.get(entity.raw_table) != fingerprint:
            changed.append(dg.AssetKey(["raw", entity.raw_table]))
    cursor = json.dumps(current, sort_keys=True)
    if not changed:
        return dg.SensorResult(skip_reason="no new or changed landing files", cursor=cursor)
    run_key = hashlib.sha256(cursor.encode()).hexdigest()[:16]
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=run_key, asset_selection=changed)], cursor=cursor
    )
