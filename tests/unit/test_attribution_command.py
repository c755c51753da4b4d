"""`kundresa attribute` on files: output, aliases, transforms, and bad rows named."""

from __future__ import annotations

from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from orchestration.cli import main

GOOD = "path,conversions,non_conversions,value\na > b,3,5,300\nb,1,4,50\nc > a > a,2,1,80\n"


def _write(tmp_path: Path, text: str, name: str = "paths.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_writes_every_model_and_channel(tmp_path: Path) -> None:
    out = tmp_path / "credits.parquet"
    assert main(["attribute", "--paths", str(_write(tmp_path, GOOD)), "--out", str(out)]) == 0
    table = pq.read_table(out).to_pandas()
    assert len(table) == 9 * 3
    totals = table.groupby("model")[["conversions", "value"]].sum()
    assert totals["conversions"].tolist() == pytest.approx([6.0] * 9)
    assert totals["value"].tolist() == pytest.approx([430.0] * 9)


def test_one_model_csv_out_with_aliases(tmp_path: Path) -> None:
    source = _write(tmp_path, "path,total_conversions,total_null\nx > y,1,1\ny,1,3\n")
    out = tmp_path / "out.csv"
    assert (
        main(["attribute", "--paths", str(source), "--out", str(out), "--model", "last_touch"]) == 0
    )
    rows = pacsv.read_csv(out).to_pylist()
    assert [(r["model"], r["channel"], r["conversions"]) for r in rows] == [
        ("last_touch", "x", 0.0),
        ("last_touch", "y", 2.0),
    ]


def test_drop_channels_and_collapse(tmp_path: Path) -> None:
    source = _write(tmp_path, "path,conversions,non_conversions\na > a > svc,2,0\nsvc,1,1\n")
    out = tmp_path / "out.csv"
    assert (
        main(
            [
                "attribute",
                "--paths",
                str(source),
                "--out",
                str(out),
                "--model",
                "linear",
                "--drop-channels",
                "svc",
                "--collapse-repeats",
            ]
        )
        == 0
    )
    rows = pacsv.read_csv(out).to_pylist()
    assert [(r["channel"], r["conversions"]) for r in rows] == [("a", 2.0)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("path,conversions,non_conversions\na,1,2\nb,one,2\n", "row 2: conversions is not"),
        ("path,conversions,non_conversions\na,1,2\n,1,2\n", "row 2: path is empty"),
        ("path,conversions,non_conversions\na > > b,1,2\n", "row 1: empty channel name"),
        ("path,conversions,non_conversions\na,1,-2\n", "row 1: non_conversions is negative"),
        ("path,conversions\na,1\n", "lacks a 'non_conversions' column"),
    ],
)
def test_bad_rows_are_one_line_errors_naming_the_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    source = _write(tmp_path, text)
    assert main(["attribute", "--paths", str(source), "--out", str(tmp_path / "o.csv")]) == 2
    error = capsys.readouterr().err
    assert message in error
    assert len(error.strip().splitlines()) == 1


def test_bad_options_are_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path, GOOD)
    assert (
        main(
            [
                "attribute",
                "--paths",
                str(source),
                "--out",
                str(tmp_path / "o.csv"),
                "--position-weights",
                "0.8,0.5",
            ]
        )
        == 2
    )
    assert "first + last" in capsys.readouterr().err
    assert (
        main(
            [
                "attribute",
                "--paths",
                str(tmp_path / "missing.csv"),
                "--out",
                str(tmp_path / "o.csv"),
            ]
        )
        == 2
    )
    assert "not found" in capsys.readouterr().err
