"""The batch GX validates: Arrow fetch dtypes, column projection, row scopes as null masks —
and that scoped rules still report the counts of their scope. Plus the quality bench stage."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.benchmarks import quality as quality_bench
from orchestration.quality.batch import fetch, prepare, scoped_name
from orchestration.quality.runner import run_suite
from orchestration.quality.spec import Rule, SuiteSpec

TABLE_SQL = """
select * from (values
    ('x', 'k1', 1, 1, 'a'),
    ('x', 'k2', 2, 3, 'b'),
    ('x', 'k3', 5, 5, 'c'),
    ('y', 'k4', 7, 7, 'd'),
    ('y', 'k5', 1, 2, 'e')
) t(kind, key, a, b, note)
"""


def _spec() -> SuiteSpec:
    return SuiteSpec(
        name="raw_row_counts",  # a configured suite name (WARN): severities are looked up
        description="scoped rules",
        batch_sql=lambda connection=None: TABLE_SQL,
        rules=(
            Rule("a_equals_b", "ExpectColumnPairValuesToBeEqual",
                 {"column_A": "a", "column_B": "b"}, "consistency", "a = b for kind x",
                 where=(("kind", "==", "x"),)),
            Rule("a_small", "ExpectColumnValuesToBeBetween",
                 {"column": "a", "min_value": 0, "max_value": 5}, "validity", "a ≤ 5 for y",
                 where=(("kind", "in", ["y"]),)),
            Rule("key_present", "ExpectColumnValuesToNotBeNull", {"column": "key"},
                 "completeness", "key set"),
        ),
        key_columns=("key",),
        default_asset=("test", "t"),
    )


def test_fetch_keeps_strings_arrow_backed_and_numbers_numpy() -> None:
    con = duckdb.connect()
    frame = fetch(
        con,
        """select 'a' || i as s, i::bigint as n,
            case when i = 1 then null else i end::bigint as n_null,
            i % 2 = 0 as flag, case when i = 1 then null else i = 0 end as flag_null,
            1.5::decimal(4, 1) as d, date '2026-01-05' as day
        from range(3) t(i)""",
    )
    assert str(frame["s"].dtype) == "str" and frame["s"].tolist() == ["a0", "a1", "a2"]
    assert frame["n"].dtype == "int64"  # GX compares numpy numbers vectorised
    assert frame["n_null"].dtype == "float64" and frame["n_null"].isna().tolist() == [
        False, True, False,
    ]
    assert str(frame["flag_null"].dtype) == "boolean" and frame["flag_null"].isna().sum() == 1
    assert frame["d"].dtype == "float64" and frame["d"].tolist() == [1.5, 1.5, 1.5]
    assert pd.api.types.is_datetime64_any_dtype(frame["day"])


def test_prepare_projects_columns_and_masks_scopes() -> None:
    source = fetch(duckdb.connect(), TABLE_SQL)
    spec = _spec()
    prepared = prepare(source, spec)
    scoped_a = scoped_name("a", (("kind", "==", "x"),))
    scoped_b = scoped_name("b", (("kind", "==", "x"),))
    scoped_small = scoped_name("a", (("kind", "in", ["y"]),))
    # only what the rules read: no key-less extras ("note", "kind"), masked copies for scopes
    assert set(prepared.frame.columns) == {scoped_a, scoped_b, scoped_small, "key"}
    assert prepared.frame[scoped_a].notna().tolist() == [True, True, True, False, False]
    assert prepared.frame[scoped_small].notna().tolist() == [False, False, False, True, True]
    assert prepared.scope_rows == {("a_equals_b", ("test", "t")): 3,
                                   ("a_small", ("test", "t")): 2}
    rewritten = {r.name: r for r in prepared.spec.rules}
    assert rewritten["a_equals_b"].kwargs == {"column_A": scoped_a, "column_B": scoped_b}
    assert all(not r.where for r in prepared.spec.rules)
    assert spec.rules[0].where  # the original spec is untouched
    assert prepared.source is source and "note" in prepared.source


def test_scoped_rules_report_counts_and_keys_of_their_scope(tmp_path: Path) -> None:
    run = run_suite(duckdb.connect(), _spec(), run_id="t", quality_dir=tmp_path / "q",
                    build_docs=False)
    outcomes = {o.rule: o for o in run.outcomes}
    pair = outcomes["a_equals_b"]
    assert not pair.success and pair.column == "a,b"
    assert (pair.element_count, pair.unexpected_count) == (3, 1)
    assert pair.unexpected_percent == pytest.approx(100 / 3)
    assert pair.sample_keys == ("k2",) and "1 of 3 rows" in pair.message
    small = outcomes["a_small"]
    assert not small.success and small.column == "a"
    assert (small.element_count, small.unexpected_count, small.sample_keys) == (2, 1, ("k4",))
    assert outcomes["key_present"].success and outcomes["key_present"].element_count == 5


def test_bench_stage_runs_the_whole_gate_and_reports_parts(tmp_path: Path) -> None:
    report: dict = {}
    quality_bench.run(300, tmp_path, report)
    suites = report["suites"]
    assert report["dq_results_rows"] == sum(s["rules"] for s in suites.values())
    # the synthesised contact plan plans customers without consent and erased ones
    assert suites["contact_plan"]["rules_failed"] == 2
    assert suites["dim_customer"]["batch_rows"] == 300
    assert set(report["parts"]) >= {"fetch", "validate", "samples", "store", "dq_results",
                                    "docs"}
    assert report["gate_cpu_seconds"] > 0 and report["peak_rss_mb"] > 0
    assert (tmp_path / "quality" / "docs" / "index.html").exists()
