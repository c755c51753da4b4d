"""`kundresa ui`: the Dagster UI for this code location, bound to 127.0.0.1."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from orchestration.instance import ensure_dagster_home
from orchestration.settings import REPO_ROOT, Settings


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=3000, help="port on 127.0.0.1 (default 3000)")


def execute(args: argparse.Namespace) -> int:
    Settings.from_env().export_env()
    ensure_dagster_home()
    dagster = Path(sys.executable).with_name("dagster")
    command = [
        str(dagster), "dev", "-m", "orchestration.definitions",
        "--host", "127.0.0.1", "--port", str(args.port),
    ]
    print(f"Dagster UI on http://127.0.0.1:{args.port} (Ctrl-C stops it)")
    return subprocess.call(command, cwd=REPO_ROOT)
