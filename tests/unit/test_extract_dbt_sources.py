"""The committed dbt source YAMLs equal what the catalog generates, keyed to extract assets."""

from __future__ import annotations

import yaml

from orchestration.sources.catalog import ENTITIES, SOURCES
from orchestration.sources.extract.dbt_sources import render, sources_path


def test_committed_source_yaml_equals_generated() -> None:
    for source in SOURCES:
        path = sources_path(source)
        regenerate = "run python -m orchestration.sources.extract.dbt_sources"
        assert path.exists(), f"{path} missing: {regenerate}"
        assert path.read_text(encoding="utf-8") == render(source), f"{path} stale: {regenerate}"


def test_every_entity_declared_with_its_asset_key_and_columns() -> None:
    declared = {}
    for source in SOURCES:
        document = yaml.safe_load(render(source))
        (entry,) = document["sources"]
        assert (entry["name"], entry["schema"]) == (source.name, "raw")
        for table in entry["tables"]:
            declared[f"{source.name}__{table['name']}"] = table
    assert set(declared) == {e.raw_table for e in ENTITIES}
    for entity in ENTITIES:
        table = declared[entity.raw_table]
        assert table["identifier"] == entity.raw_table
        assert table["meta"]["dagster"]["asset_key"] == ["raw", entity.raw_table]
        assert table["config"]["loaded_at_field"] == "_loaded_at"
        names = [c["name"] for c in table["columns"]]
        assert names == [c.name for c in entity.columns] + [
            "_source_file", "_row_number", "_loaded_at"
        ]
        assert all(c["description"] for c in table["columns"])
