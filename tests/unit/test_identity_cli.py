"""`kundresa identity` on files: output written, key stability via --previous, clear errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from orchestration.cli import main
from tests.unit.identity_helpers import key_of, rec, records

ROWS = [
    rec("crm", "A", given_names="Stig Patrik", preferred_given_name="Patrik", surname="Holm",
        email="patrik@example.se"),
    rec("webshop", "W", given_names="Patrik", email="patrik@example.se"),
    rec("web", "cookie"),
]


def test_cli_resolves_a_file_and_keeps_keys(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "records.parquet"
    records(*ROWS).to_parquet(source)
    links = tmp_path / "links.csv"
    pd.DataFrame({
        "left_source_system": ["web"], "left_source_record_id": ["cookie"],
        "right_source_system": ["webshop"], "right_source_record_id": ["W"],
        "link_rule": ["login"],
    }).to_csv(links, index=False)
    first = tmp_path / "out" / "map.parquet"
    args = ["identity", "--input", str(source), "--links", str(links), "--deterministic-only"]
    assert main([*args, "--output", str(first)]) == 0
    out = capsys.readouterr().out
    assert "3 records, 1 customers" in out
    assert "patrik" not in out.lower()  # figures only, no record values
    m1 = pd.read_parquet(first)
    assert m1.customer_key.nunique() == 1 and len(m1) == 3

    second, history = tmp_path / "map2.parquet", tmp_path / "history.parquet"
    assert main([*args, "--output", str(second), "--previous", str(first),
                 "--history", str(history)]) == 0
    m2 = pd.read_parquet(second)
    assert key_of(m2, "crm", "A") == key_of(m1, "crm", "A")
    assert pd.read_parquet(history).empty


def test_cli_names_missing_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "records.csv"
    records(*ROWS).drop(columns=["email", "birth_date"]).to_csv(source, index=False)
    code = main(["identity", "--input", str(source), "--output", str(tmp_path / "o.parquet")])
    assert code == 2
    err = capsys.readouterr().err
    assert "missing required column(s): email, birth_date" in err
    assert len(err.strip().splitlines()) == 1


def test_cli_rejects_missing_file_and_bad_threshold(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "o.parquet")
    assert main(["identity", "--input", str(tmp_path / "nope.parquet"), "--output", out]) == 2
    assert "records file not found" in capsys.readouterr().err
    source = tmp_path / "records.parquet"
    records(*ROWS).to_parquet(source)
    assert main(["identity", "--input", str(source), "--output", out, "--threshold", "1.5"]) == 2
    assert "match_threshold" in capsys.readouterr().err
