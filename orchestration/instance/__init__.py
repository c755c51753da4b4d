"""The local Dagster instance used by `kundresa run` and `kundresa ui`."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from orchestration.settings import REPO_ROOT


def ensure_dagster_home() -> Path:
    """Create $DAGSTER_HOME (default .dagster_home) with our dagster.yaml if it has none."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT / ".dagster_home")))
    if not home.is_absolute():
        home = REPO_ROOT / home
        os.environ["DAGSTER_HOME"] = str(home)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        shutil.copy(Path(__file__).with_name("dagster.yaml"), config)
    return home
