"""Great Expectations suites as Dagster asset checks, made by a factory from ``expectations/``.

One multi-asset check (one op, one GX validation) per suite; it yields one check result per
(asset, severity) the suite reports on, named ``dq_<suite>_error`` / ``dq_<suite>_warn``.
ERROR checks are blocking: when one fails, assets downstream of the checked asset (e.g. the
activation tables below ``dim_customer``) do not run. WARN checks only report. Metadata holds
counts, percentages and a sample of failing keys — never personal data. Every outcome is also
appended to ``quality.dq_results`` and the suite's Data Docs are rebuilt.
"""


import json
from collections.abc import Iterable, Iterator
from typing import Any

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.quality import config
from orchestration.quality.results import write_outcomes
from orchestration.quality.spec import AssetPath, Outcome, SuiteSpec


def check_name(suite: str, severity: str) -> str:
    return f"dq_{suite}_{severity.lower()}"


def check_groups(spec: SuiteSpec) -> dict[tuple[AssetPath, str], list[str]]:
    """(asset, severity) → rule names, in rule order."""
    groups: dict[tuple[AssetPath, str], list[str]] = {}
    for rule in spec.rules:
        key = (spec.asset_of(rule), config.severity(spec.name, rule.name))
        groups.setdefault(key, []).append(rule.name)
    return groups


def build_quality_checks(
    available: Iterable[dg.AssetKey], specs: list[SuiteSpec] | None = None
) -> list[dg.AssetChecksDefinition]:
    """Asset checks for every suite, limited to assets in ``available`` (defined assets)."""
    if specs is None:
        from expectations import all_suites

        specs = all_suites()
    keys = set(available)
    checks = []
    for spec in specs:
        check_specs = [
            dg.AssetCheckSpec(
                name=check_name(spec.name, severity),
                asset=dg.AssetKey(list(asset)),
                blocking=severity == "ERROR",
                description=f"{severity} rules of suite {spec.name}: {', '.join(sorted(rules))}",
                metadata={"suite": spec.name, "severity": severity},
            )
            for (asset, severity), rules in check_groups(spec).items()
            if dg.AssetKey(list(asset)) in keys
        ]
        if check_specs:
            checks.append(_make_check(spec, check_specs))
    return checks


def _make_check(
    spec: SuiteSpec, check_specs: list[dg.AssetCheckSpec]
) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        name=f"dq_{spec.name}",
        specs=check_specs,
        can_subset=True,
        description=spec.description,
        pool="duckdb_writer",
    )
    def _check(
        context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
    ) -> Iterator[dg.AssetCheckResult]:
        from orchestration.quality.runner import run_suite
        from orchestration.settings import Settings

        quality_dir = Settings.from_env().quality_dir
        with duckdb.get_connection() as connection:
            run = run_suite(connection, spec, run_id=context.run.run_id, quality_dir=quality_dir)
            written = write_outcomes(connection, run.outcomes, context.run.run_id, run.validated_at)
        context.log.info(
            f"suite {spec.name}: {len(run.outcomes)} rules on {run.rows:,} rows, "
            f"{len(run.failed())} failed; {written} rows to quality.dq_results"
        )
        selected = context.selected_asset_check_keys
        for check_spec in check_specs:
            if check_spec.key not in selected:
                continue
            severity = check_spec.metadata["severity"]
            outcomes = [
                o
                for o in run.outcomes
                if o.asset == tuple(check_spec.asset_key.path) and o.severity == severity
            ]
            yield check_result(
                check_spec, severity, outcomes, run.rows, run.docs_index, run.timings.rounded()
            )

    return _check


def check_result(
    check_spec: dg.AssetCheckSpec,
    severity: str,
    outcomes: list[Outcome],
    rows: int,
    docs_index: Any,
    seconds: dict[str, dict[str, float]] | None = None,
) -> dg.AssetCheckResult:
    """One check result from the outcomes of its (asset, severity) group.

    ``seconds``: wall and CPU seconds per part of the suite's run (fetch, validate, ...).
    """
    failed = [o for o in outcomes if not o.success]
    metadata: dict[str, Any] = {
        "rules_evaluated": len(outcomes),
        "rules_failed": len(failed),
        "batch_rows": rows,
        "failed_rules": dg.MetadataValue.json(
            [
                {
                    "rule": o.rule,
                    "column": o.column,
                    "dimension": o.dimension,
                    "unexpected_count": o.unexpected_count,
                    "unexpected_percent": o.unexpected_percent,
                    "sample_keys": list(o.sample_keys),
                }
                for o in failed
            ]
        ),
    }
    if failed:
        metadata["failures"] = dg.MetadataValue.md(_failure_table(failed))
        metadata["unexpected_rows"] = sum(o.unexpected_count or 0 for o in failed)
    if docs_index is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(docs_index))
    if seconds:
        metadata["suite_seconds"] = dg.MetadataValue.json(seconds)
    description = (
        "; ".join(o.message for o in failed)
        if failed
        else f"all {len(outcomes)} {severity} rules passed"
    )
    return dg.AssetCheckResult(
        asset_key=check_spec.asset_key,
        check_name=check_spec.name,
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR if severity == "ERROR" else dg.AssetCheckSeverity.WARN,
        description=description[:2000],
        metadata=metadata,
    )


def _failure_table(failed: list[Outcome]) -> str:
    lines = [
        "| rule | column | unexpected | % | sample keys |",
        "|---|---|---:|---:|---|",
    ]
    for o in failed:
        percent = "" if o.unexpected_percent is None else f"{o.unexpected_percent:.2f}"
        count = "" if o.unexpected_count is None else f"{o.unexpected_count:,}"
        samples = ", ".join(o.sample_keys[:5]) or json.dumps(o.message)[:120]
        lines.append(f"| {o.rule} | {o.column or ''} | {count} | {percent} | {samples} |")
    return "\n".join(lines)


def defined_asset_keys(assets: Iterable[Any]) -> set[dg.AssetKey]:
    """Keys of every asset the given definitions (assets, multi-assets, specs) produce."""
    keys: set[dg.AssetKey] = set()
    for asset in assets:
        if isinstance(asset, dg.AssetsDefinition):
            keys |= set(asset.keys)
        elif isinstance(asset, dg.AssetSpec):
            keys.add(asset.key)
    return keys
