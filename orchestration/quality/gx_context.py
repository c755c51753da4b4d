"""One Great Expectations context per process and quality folder (GX import costs seconds).

The context is ephemeral (suites in memory, no YAML config to re-read) except for validation
results, stored as JSON under ``<quality>/validations`` so Data Docs list the recent history of
runs; the Data Docs site is written to ``<quality>/docs`` — static HTML, readable offline.
"""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path
from typing import Any

DOCS_SITE = "kundresa"
PANDAS_SOURCE = "kundresa_pandas"
_lock = threading.Lock()
_contexts: dict[Path, Any] = {}


def gx() -> Any:
    """The ``great_expectations`` module, imported on first use only."""
    import great_expectations
    from great_expectations.execution_engine import pandas_execution_engine

    # GX logs usage/telemetry chatter at INFO; keep Dagster's logs readable
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    # GX fingerprints every pandas batch below this size (an md5 over a hash of every cell,
    # twice per validation: more CPU than validating a million rows). The fingerprint is only a
    # marker in the stored result; our results are identified by suite and run id.
    pandas_execution_engine.HASH_THRESHOLD = 0
    return great_expectations


def docs_dir(quality_dir: Path) -> Path:
    return quality_dir / "docs"


def results_dir(quality_dir: Path) -> Path:
    return quality_dir / "validations"


def get_context(quality_dir: Path) -> Any:
    """The (cached) file context for ``quality_dir``, with our Data Docs site configured."""
    quality_dir = quality_dir.resolve()
    with _lock:
        if quality_dir in _contexts:
            return _contexts[quality_dir]
        gx_module = gx()
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        quality_dir.mkdir(parents=True, exist_ok=True)
        defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
        stores = dict(defaults.stores)
        # validation results persist on disk, so Data Docs list every stored run
        stores[defaults.validation_results_store_name] = {
            "class_name": "ValidationResultsStore",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(results_dir(quality_dir)),
            },
        }
        project_config = DataContextConfig(
            store_backend_defaults=defaults,
            stores=stores,
            data_docs_sites={
                DOCS_SITE: {
                    "class_name": "SiteBuilder",
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(docs_dir(quality_dir)),
                    },
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                }
            },
            progress_bars=ProgressBarsConfig(globally=False),
            analytics_enabled=False,
        )
        context = gx_module.get_context(mode="ephemeral", project_config=project_config)
        _contexts[quality_dir] = context
        return context


def batch_definition(context: Any, suite_name: str) -> Any:
    """A whole-dataframe batch definition on the pandas data asset named after the suite."""
    try:
        source = context.data_sources.get(PANDAS_SOURCE)
    except (KeyError, ValueError, LookupError):
        source = context.data_sources.add_pandas(PANDAS_SOURCE)
    try:
        asset = source.get_asset(suite_name)
    except LookupError:
        asset = source.add_dataframe_asset(suite_name)
    try:
        return asset.get_batch_definition("whole")
    except (KeyError, LookupError):
        return asset.add_batch_definition_whole_dataframe("whole")


def prune_results(quality_dir: Path, suite_name: str, keep: int) -> None:
    """Keep only the newest ``keep`` stored validation runs of a suite (bounded docs build)."""
    suite_dir = results_dir(quality_dir.resolve()) / suite_name
    if not suite_dir.is_dir():
        return
    # one folder per run name (Dagster run ids are random): order by modification time
    runs = sorted((p for p in suite_dir.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in runs[:-keep] if keep > 0 else runs:
        shutil.rmtree(old, ignore_errors=True)
    docs_suite_dir = docs_dir(quality_dir.resolve()) / "validations" / suite_name
    if docs_suite_dir.is_dir():
        kept = {p.name for p in runs[-keep:]} if keep > 0 else set()
        for page in docs_suite_dir.iterdir():
            if page.is_dir() and page.name not in kept:
                shutil.rmtree(page, ignore_errors=True)
