"""Paths and settings shared by every part, read from environment variables.

The same variables are read by `dbt_project/profiles.yml`, so Dagster, dbt and the CLI always
agree on which warehouse and which landing folder they work on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


def _path_from_env(name: str, default: str) -> Path:
    value = Path(os.environ.get(name, default))
    return value if value.is_absolute() else REPO_ROOT / value


@dataclass(frozen=True)
class Settings:
    """Resolved locations of the warehouse, landing files and channel exports."""

    duckdb_path: Path
    landing_dir: Path
    outbox_dir: Path
    quality_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        duckdb_path = _path_from_env("KUNDRESA_DUCKDB", "data/warehouse.duckdb")
        return cls(
            duckdb_path=duckdb_path,
            landing_dir=_path_from_env("KUNDRESA_LANDING", "data/landing"),
            outbox_dir=_path_from_env("KUNDRESA_OUTBOX", "data/outbox"),
            quality_dir=_path_from_env("KUNDRESA_QUALITY", "data/quality"),
        )

    def export_env(self) -> None:
        """Write the resolved absolute paths back to the environment (for dbt subprocesses)."""
        os.environ["KUNDRESA_DUCKDB"] = str(self.duckdb_path)
        os.environ["KUNDRESA_LANDING"] = str(self.landing_dir)
        os.environ["KUNDRESA_OUTBOX"] = str(self.outbox_dir)
        os.environ["KUNDRESA_QUALITY"] = str(self.quality_dir)
