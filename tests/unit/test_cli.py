"""The `kundresa` command line: subcommands exist and argument errors are one line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from orchestration.cli import COMMANDS, main


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orchestration", *args], capture_output=True, text=True, timeout=120
    )


def test_help_lists_every_subcommand() -> None:
    result = _run("--help")
    assert result.returncode == 0
    for name in COMMANDS:
        assert name in result.stdout


def test_unknown_subcommand_is_one_line_error() -> None:
    result = _run("frobnicate")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "frobnicate" in result.stderr


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_subcommand_module_configures(name: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])
    assert exit_info.value.code == 0


def test_bench_rejects_unknown_stage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--customers", "10", "--stages", "nonsense"]) == 2
    assert "nonsense" in capsys.readouterr().err
