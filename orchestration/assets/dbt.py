"""dbt models as Dagster assets, one multi-asset per layer so Python steps can sit between them.

Asset keys are ``[<schema>, <model>]`` (e.g. ``["staging", "stg_crm__customers"]``); dbt sources
name their producing asset in ``meta.dagster.asset_key``, which keeps raw → staging → identity →
marts → activation one lineage graph. Each layer is one ``dbt build`` invocation (dbt costs
seconds to start), and its tests become asset checks.
"""

# no `from __future__ import annotations`: Dagster checks the `context` annotation object

import json
import os
import sys
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.settings import DBT_PROJECT_DIR

# folder under models/ → (Dagster group, dbt selection of the layer)
LAYERS: dict[str, tuple[str, str]] = {
    "staging": (
        "staging",
        "path:models/staging path:models/intermediate/identity path:seeds",
    ),
    "core": (
        "core",
        "path:models/intermediate path:models/marts,"
        "--exclude path:models/intermediate/identity",
    ),
    "activation": ("activation", "path:models/activation"),
}

# intermediate/marts sub-folders that name a concept group of their own
CONCEPT_FOLDERS = ("identity", "journey", "attribution", "quality", "activation", "core")


@cache
def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    if Path(project.manifest_path).exists():
        project.prepare_if_dev()
    else:  # a fresh clone: parse once so the code location can load
        _cli_resource(project).cli(["parse", "--quiet"], target_path=project.target_path).wait()
    return project


def _dbt_executable() -> str:
    """dbt from this interpreter's environment (the venv need not be on PATH)."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else "dbt"


def _cli_resource(project: DbtProject) -> DbtCliResource:
    return DbtCliResource(
        project_dir=project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=_dbt_executable()
    )


class KundresaDbtTranslator(DagsterDbtTranslator):
    """Keys by schema and model name; groups by the concept folder a model lives in."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props["schema"]
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        parts = Path(dbt_resource_props.get("original_file_path", "")).parts
        for folder in parts[2:-1]:
            if folder in CONCEPT_FOLDERS:
                return folder
        if len(parts) > 1 and parts[1] in ("staging", "activation"):
            return parts[1]
        return "core"


def _layer_has_models(manifest: Mapping[str, Any], layer: str) -> bool:
    prefixes = {
        "staging": ("models/staging/", "models/intermediate/identity/"),
        "core": ("models/intermediate/", "models/marts/"),
        "activation": ("models/activation/",),
    }[layer]
    for node in manifest.get("nodes", {}).values():
        path = node.get("original_file_path", "")
        if node.get("resource_type") != "model" or not path.startswith(prefixes):
            continue
        if layer == "core" and path.startswith("models/intermediate/identity/"):
            continue
        return True
    return False


def _make_layer_assets(layer: str, select: str) -> dg.AssetsDefinition:
    select, _, exclude = select.partition(",--exclude ")

    @dbt_assets(
        manifest=dbt_project().manifest_path,
        project=dbt_project(),
        select=select,
        exclude=exclude,
        name=f"dbt_{layer}",
        dagster_dbt_translator=KundresaDbtTranslator(),
        pool="duckdb_writer",
    )
    def _layer(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
        yield from dbt.cli(["build"], context=context).stream()

    return _layer


def build_dbt_assets() -> list[dg.AssetsDefinition]:
    """One dbt multi-asset per layer that has models in the parsed manifest."""
    manifest = json.loads(Path(dbt_project().manifest_path).read_text())
    return [
        _make_layer_assets(layer, select)
        for layer, (_, select) in LAYERS.items()
        if _layer_has_models(manifest, layer)
    ]


def dbt_resource() -> DbtCliResource:
    """The dbt CLI resource shared by the layers.

    Tests with parents in several layers (a relationships test from a mart to a seed) must run
    with the layer that builds their last parent, not with the first: dbt's default "eager"
    indirect selection would run them early against a table that does not exist yet. "buildable"
    runs a test once all its parents are selected or upstream of the selection.
    """
    os.environ.setdefault("DBT_INDIRECT_SELECTION", "buildable")
    return _cli_resource(dbt_project())
