"""Shared pytest fixtures: paths, benchmark data location, an isolated warehouse per test."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCHMARK_DATA = REPO_ROOT.parent / "shared" / "data" / "benchmarks"


@pytest.fixture
def benchmark_data() -> Path:
    """../shared/data/benchmarks, or skip: a user's fresh clone has no ../shared."""
    if not BENCHMARK_DATA.is_dir():
        pytest.skip(f"benchmark data not found at {BENCHMARK_DATA} (needs ../shared beside repo)")
    return BENCHMARK_DATA


@pytest.fixture
def warehouse_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Point KUNDRESA_* at a temp warehouse, landing, outbox and quality folder."""
    paths = {
        "KUNDRESA_DUCKDB": tmp_path / "warehouse.duckdb",
        "KUNDRESA_LANDING": tmp_path / "landing",
        "KUNDRESA_OUTBOX": tmp_path / "outbox",
        "KUNDRESA_QUALITY": tmp_path / "quality",
    }
    for name, path in paths.items():
        monkeypatch.setenv(name, str(path))
    return paths
