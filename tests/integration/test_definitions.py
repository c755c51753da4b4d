"""The Dagster code location loads, with every asset in a concept group and lineage intact."""

from __future__ import annotations

import dagster as dg

CONCEPT_GROUPS = {
    "extract",
    "staging",
    "identity",
    "core",
    "journey",
    "attribution",
    "quality",
    "activation",
}


def _definitions() -> dg.Definitions:
    from orchestration.definitions import defs

    return defs


def test_definitions_load_and_validate() -> None:
    defs = _definitions()
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_asset_graph().get_all_asset_keys()


def test_every_asset_is_grouped_by_concept() -> None:
    graph = _definitions().resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.is_materializable:
            assert node.group_name in CONCEPT_GROUPS, f"{key} is in group {node.group_name}"
