"""Extract: landing files → DuckDB `raw` layer, incremental by file and loss-free.

``load_entity`` loads the new files of one catalog entity (ledger ``raw._load_ledger``), routes
unreadable files and unparsable rows to ``quality.quarantine``, keeps undeclared columns and
refuses files that lack a required column. ``full_refresh`` reloads everything from scratch.
"""

from orchestration.sources.extract.loader import (
    ExtractResult,
    MissingRequiredColumnsError,
    full_refresh,
    load_all,
    load_entity,
)

__all__ = [
    "ExtractResult",
    "MissingRequiredColumnsError",
    "full_refresh",
    "load_all",
    "load_entity",
]
