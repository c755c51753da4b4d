"""Generate the dbt source declarations of the raw layer from the catalog.

One YAML per source folder, ``dbt_project/models/staging/<source>/_<source>__sources.yml``:
source ``<source>`` in schema ``raw``, one table per entity with identifier
``<source>__<entity>``, the extract's Dagster asset key in ``meta`` (one lineage graph), freshness
on ``_loaded_at`` for daily-batch entities, and every column described from the catalog.

Regenerate after changing the catalog: ``python -m orchestration.sources.extract.dbt_sources``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.sources.catalog import SOURCES, Entity, Source
from orchestration.sources.raw_schema import LINEAGE_COLUMNS, RAW_SCHEMA, raw_column_type

HEADER = (
    "# Generated from orchestration/sources/catalog.py by\n"
    "#   python -m orchestration.sources.extract.dbt_sources\n"
    "# Do not edit by hand: tests check that this file equals what the catalog generates.\n"
)

LINEAGE_DESCRIPTIONS = {
    "_source_file": "Landing file the row came from, relative to the landing root.",
    "_row_number": "1-based data row in that file (CSV: after the header; JSON lines: line).",
    "_loaded_at": "When the extract loaded the file (UTC).",
}



def _freshness() -> dict[str, Any]:
    """Daily batches: warn when nothing was loaded for two days, error after a week."""
    return {
        "warn_after": {"count": 48, "period": "hour"},
        "error_after": {"count": 7, "period": "day"},
    }


def sources_path(source: Source, models_dir: Path | None = None) -> Path:
    base = models_dir or DBT_PROJECT_DIR / "models" / "staging"
    return base / source.name / f"_{source.name}__sources.yml"


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def _table(entity: Entity) -> dict[str, Any]:
    config: dict[str, Any] = {"loaded_at_field": "_loaded_at"}
    if entity.event_time_column is not None:  # the product catalogue changes rarely
        config["freshness"] = _freshness()
    columns = [
        {
            "name": column.name,
            "description": _sentence(
                f"{column.description or column.name.replace('_', ' ')} "
                f"({raw_column_type(column)}{', required' if column.required else ''})"
            ),
            "data_type": raw_column_type(column),
        }
        for column in entity.columns
    ]
    columns += [
        {"name": name, "description": LINEAGE_DESCRIPTIONS[name], "data_type": type_}
        for name, type_ in LINEAGE_COLUMNS
    ]
    return {
        "name": entity.name,
        "identifier": entity.raw_table,
        "description": _sentence(
            f"{entity.description}; primary key {entity.primary_key}; landing files "
            f"{entity.source}/{entity.name}/YYYY-MM-DD.{entity.extension}"
        ),
        "meta": {"dagster": {"asset_key": [RAW_SCHEMA, entity.raw_table]}},
        "config": config,
        "columns": columns,
    }


def render(source: Source) -> str:
    """The YAML text declaring the source's raw tables."""
    document = {
        "version": 2,
        "sources": [
            {
                "name": source.name,
                "description": _sentence(
                    f"{source.description} — loaded by the kundresa extract (Dagster)"
                ),
                "schema": RAW_SCHEMA,
                "loader": "kundresa extract",
                "tables": [_table(entity) for entity in source.entities],
            }
        ],
    }
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=96)
    return HEADER + body


def write_all(models_dir: Path | None = None) -> list[Path]:
    """Write every source's YAML; returns the paths written."""
    written = []
    for source in SOURCES:
        path = sources_path(source, models_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(source), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", type=Path, help="default: dbt_project/models/staging")
    args = parser.parse_args(argv)
    for path in write_all(args.models_dir):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
