"""The identity benchmark stage and the synthetic generator it uses, at a tiny scale."""

from __future__ import annotations

from pathlib import Path

from orchestration.benchmarks import identity as identity_bench
from orchestration.identity.records import LINK_COLUMNS, RECORD_COLUMNS
from orchestration.identity.synthetic import generate_identities


def test_synthetic_records_follow_the_contract_and_have_truth() -> None:
    synthetic = generate_identities(200, seed=3)
    records, truth = synthetic.records, synthetic.truth
    assert list(records.columns) == list(RECORD_COLUMNS)
    assert list(synthetic.links.columns) == list(LINK_COLUMNS)
    assert not records.duplicated(["source_system", "source_record_id"]).any()
    assert len(truth) == len(records)
    assert truth["person_id"].nunique() <= 200
    again = generate_identities(200, seed=3).records
    assert again.equals(records)  # seeded: reproducible


def test_bench_stage_reports_accuracy_and_stable_keys(tmp_path: Path) -> None:
    report: dict = {}
    identity_bench.run(150, tmp_path, report)  # below Splink's minimum: deterministic only
    assert report["source"].startswith("synthetic")
    assert report["records_in"] > 150
    accuracy = report["accuracy_all_records"]
    assert accuracy["records_scored"] == report["records_in"]
    assert accuracy["precision"] >= 0.97, accuracy
    assert report["rerun_keys_kept"] == 1.0
    # recall over what the data connects is at least recall over linkable records, which is
    # at least recall over all records; precision is over all records everywhere
    linkable, evidenced = report["accuracy_linkable_records"], report["accuracy_evidenced_pairs"]
    assert linkable["records_scored"] == report["linkable_records"] <= report["records_in"]
    assert evidenced["evidenced_pairs"] <= linkable["true_pairs"] <= accuracy["true_pairs"]
    assert evidenced["recall"] >= linkable["recall"] >= accuracy["recall"]
    for figure in ("resolve_seconds", "peak_rss_mb_after_resolve", "clusters_out"):
        assert figure in report
