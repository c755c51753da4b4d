"""Run one suite: read its batch from DuckDB, validate with GX, turn results into ``Outcome``s.

Values of personal-data columns (``config.PII_COLUMNS``) are replaced by a placeholder before the
result is stored or rendered, so Data Docs, check metadata and ``quality.dq_results`` only ever
hold keys and counts.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.quality import config
from orchestration.quality.batch import PreparedBatch, fetch, prepare
from orchestration.quality.gx_context import batch_definition, get_context, prune_results
from orchestration.quality.samples import keys_by_revalidation, keys_by_rows, keys_by_value
from orchestration.quality.spec import AssetPath, Outcome, Rule, SuiteSpec, source_system_of
from orchestration.quality.timing import Stopwatch

log = logging.getLogger(__name__)
# connections known to have the phone UDF (checking costs a catalog query per suite)
_udf_connections: weakref.WeakSet[Any] = weakref.WeakSet()
# (context id, suite name) → fingerprint of the rules last saved to that context
_saved_suites: dict[tuple[int, str], str] = {}


@dataclass(frozen=True)
class SuiteRun:
    """What running one suite produced."""

    suite: str
    outcomes: tuple[Outcome, ...]
    rows: int
    validated_at: datetime
    docs_index: Path | None
    result_identifier: Any = None  # GX ValidationResultIdentifier of the stored result
    # wall/CPU seconds per part: fetch, validate, samples, store, docs (run_gate: dq_results)
    timings: Stopwatch = field(default_factory=Stopwatch)

    def failed(self, severity: str | None = None) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and severity in (None, o.severity)]


def relation_exists(connection: Any, relation: str) -> bool:
    schema, _, table = relation.partition(".")
    rows = connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return rows[0][0] > 0


def run_suite(
    connection: Any,
    spec: SuiteSpec,
    *,
    run_id: str,
    quality_dir: Path,
    build_docs: bool = True,
) -> SuiteRun:
    """Validate ``spec`` on its batch; store the (redacted) result and optionally build docs."""
    validated_at = datetime.now(UTC)
    watch = Stopwatch()
    missing = [r for r in spec.relations if not relation_exists(connection, r)]
    if missing:
        return SuiteRun(spec.name, _missing_outcomes(spec, missing), 0, validated_at, None)
    ensure_udfs(connection)
    try:
        with watch.part("fetch"):
            fetched = fetch(connection, spec.batch_sql(connection))
            prepared = prepare(fetched, spec)
    except Exception as error:  # a contract break (missing column, bad type): report, not crash
        if not _is_database_error(error):
            raise
        reason = f"the batch query failed: {type(error).__name__}: {error}"
        return SuiteRun(spec.name, _failed_outcomes(spec, reason), 0, validated_at, None)
    context = get_context(quality_dir)
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    with watch.part("validate"):
        suite = registered_suite(context, prepared.spec)
        batch = batch_definition(context, spec.name).get_batch(
            batch_parameters={"dataframe": prepared.frame}
        )
        result = batch.validate(
            suite,
            result_format={
                "result_format": "BASIC",
                "partial_unexpected_count": config.SAMPLE_KEY_COUNT,
            },
        )
        _count_scopes(prepared, result.results)
    with watch.part("samples"):
        samples = _samples(context, prepared, result.results)
        originals = {(r.name, spec.asset_of(r)): r for r in spec.rules}
        outcomes = tuple(
            _outcome(spec, r, samples.get(key), originals.get(key))
            for r in result.results
            for key in [_rule_key(spec, r.expectation_config)]
        )
    with watch.part("store"):
        redact(result)
        result.meta["run_id"] = RunIdentifier(run_name=run_id, run_time=validated_at)
        identifier = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=spec.name),
            run_id=result.meta["run_id"],
            batch_identifier=batch.id,
        )
        context.validation_results_store.store_validation_results(
            suite_validation_result=result,
            suite_validation_result_identifier=identifier,
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=spec.name),
        )
        prune_results(quality_dir, spec.name, config.KEEP_VALIDATION_RESULTS_PER_SUITE)
    docs_index = None
    if build_docs:
        with watch.part("docs"):
            docs_index = build_data_docs(quality_dir, [identifier])
    return SuiteRun(
        spec.name, outcomes, len(fetched), validated_at, docs_index, identifier, watch
    )


def registered_suite(context: Any, spec: SuiteSpec) -> Any:
    """The GX suite of ``spec``, saved in the context (for Data Docs) once per process.

    Saving compares every expectation with the stored suite's (quadratic in the rules), so an
    unchanged suite is not saved again.
    """
    suite = spec.build()
    fingerprint = repr(spec.rules)
    key = (id(context), spec.name)
    if _saved_suites.get(key) != fingerprint:
        context.suites.add_or_update(suite)
        _saved_suites[key] = fingerprint
    return suite


def ensure_udfs(connection: Any) -> None:
    """Register the phone UDF the staging views call, unless the connection has it already."""
    if connection in _udf_connections:
        return
    from orchestration.dbt_plugins.phone_udfs import UDF_NAME, register_udfs

    registered = connection.execute(
        "select count(*) from duckdb_functions() where function_name = ?", [UDF_NAME]
    ).fetchall()[0][0]
    if not registered:
        register_udfs(connection)
    _udf_connections.add(connection)


def build_data_docs(quality_dir: Path, identifiers: list[Any] | None = None) -> Path:
    """Render Data Docs (the given validation results plus the index) into ``<quality>/docs``."""
    from orchestration.quality.gx_context import DOCS_SITE, docs_dir

    context = get_context(quality_dir)
    context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=identifiers)
    return docs_dir(quality_dir.resolve()) / "index.html"


def _meta(spec: SuiteSpec, expectation_config: Any) -> tuple[str, AssetPath, str]:
    meta = expectation_config.meta or {}
    rule = meta.get("rule") or expectation_config.type
    asset = tuple(meta["asset"]) if meta.get("asset") else spec.default_asset
    return rule, asset, meta.get("dimension", "validity")


def _column_of(kwargs: dict[str, Any]) -> str | None:
    if kwargs.get("column"):
        return str(kwargs["column"])
    if kwargs.get("column_A"):
        return f"{kwargs['column_A']},{kwargs['column_B']}"
    if kwargs.get("column_list"):
        return ",".join(kwargs["column_list"])
    return None


def _rule_key(spec: SuiteSpec, expectation_config: Any) -> tuple[str, tuple[str, ...]]:
    rule, asset, _ = _meta(spec, expectation_config)
    return rule, asset


def _count_scopes(prepared: PreparedBatch, results: list[Any]) -> None:
    """Element counts of scoped rules: the rows in scope, not the whole (masked) batch."""
    for validation_result in results:
        key = _rule_key(prepared.spec, validation_result.expectation_config)
        result = validation_result.result
        if key not in prepared.scope_rows or not result or "element_count" not in result:
            continue
        out_of_scope = result["element_count"] - prepared.scope_rows[key]
        result["element_count"] = prepared.scope_rows[key]
        if result.get("missing_count") is not None:
            result["missing_count"] = max(0, result["missing_count"] - out_of_scope)
            in_scope = prepared.scope_rows[key]
            result["missing_percent"] = (
                100.0 * result["missing_count"] / in_scope if in_scope else None
            )
        if result.get("unexpected_count") is not None and "unexpected_percent_total" in result:
            in_scope = prepared.scope_rows[key]
            result["unexpected_percent_total"] = (
                100.0 * result["unexpected_count"] / in_scope if in_scope else None
            )


def _samples(
    context: Any, prepared: PreparedBatch, results: list[Any]
) -> dict[tuple[str, tuple[str, ...]], list[str]]:
    """Sample failing keys per (rule, asset) of the failed results."""
    spec = prepared.spec
    rules = {(r.name, spec.asset_of(r)): r for r in spec.rules}
    samples: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    again: list[Rule] = []
    for validation_result in results:
        if validation_result.success:
            continue
        key = _rule_key(spec, validation_result.expectation_config)
        rule = rules.get(key)
        if rule is None or (validation_result.exception_info or {}).get("raised_exception"):
            continue
        expectation_type = validation_result.expectation_config.type
        found = keys_by_value(
            prepared.frame, prepared.source, rule, expectation_type,
            dict(validation_result.result or {}), spec.key_columns,
        )
        if found is None:
            found = keys_by_rows(
                prepared.frame, prepared.source, rule, expectation_type, spec.key_columns
            )
        if found is None:
            again.append(rule)
        else:
            samples[key] = found
    if again:
        # the revalidated rules need the key columns beside the columns they read
        extra = {c: prepared.frame[c] for c in prepared.frame if c not in prepared.source}
        frame = prepared.source.assign(**extra) if extra else prepared.source
        batch = batch_definition(context, spec.name).get_batch(
            batch_parameters={"dataframe": frame}
        )
        samples.update(keys_by_revalidation(batch, spec, again))
    return samples


def _outcome(
    spec: SuiteSpec, validation_result: Any, samples: list[str] | None, original: Rule | None
) -> Outcome:
    expectation_config = validation_result.expectation_config
    rule, asset, dimension = _meta(spec, expectation_config)
    kwargs = dict(expectation_config.kwargs)
    # the rule's own column names (a scoped rule reads a masked copy named after its scope)
    column = _column_of(dict(original.kwargs) if original is not None else kwargs)
    result = dict(validation_result.result or {})
    severity = config.severity(spec.name, rule)
    samples = samples or []
    exception = (validation_result.exception_info or {}).get("exception_message")
    element_count = result.get("element_count")
    unexpected_count = result.get("unexpected_count")
    unexpected_percent = result.get("unexpected_percent")
    success = bool(validation_result.success)
    description = (expectation_config.meta or {}).get("description", rule)
    where = f"{'.'.join(asset)}" + (f" column {column}" if column else "")
    if success:
        message = f"{rule} passed on {where}"
    elif exception:
        message = f"{rule} could not be evaluated on {where}: {exception}"
    elif unexpected_count is not None and element_count is not None:
        message = (
            f"{severity}: {rule} failed on {where}: {unexpected_count:,} of {element_count:,} rows"
            f" ({(unexpected_percent or 0.0):.2f} %) violate: {description}"
        )
        if samples:
            message += f"; sample keys ({'|'.join(spec.key_columns)}): {', '.join(samples[:5])}"
    else:
        observed = _safe_observed(
            result.get("partial_missing_list") or result.get("observed_value"), column, kwargs
        )
        if result.get("partial_missing_list") and observed != config.REDACTED:
            observed = f"missing {', '.join(map(str, result['partial_missing_list']))}"
        message = f"{severity}: {rule} failed on {where}: {description}"
        if observed is not None:
            message += f" (observed: {observed})"
    return Outcome(
        suite=spec.name,
        rule=rule,
        expectation=expectation_config.type,
        asset=asset,
        source_system=source_system_of(asset),
        dimension=dimension,
        column=column,
        severity=severity,
        success=success,
        element_count=None if element_count is None else int(element_count),
        unexpected_count=None if unexpected_count is None else int(unexpected_count),
        unexpected_percent=None if unexpected_percent is None else float(unexpected_percent),
        sample_keys=tuple(samples),
        message=message,
    )


def _safe_observed(
    observed: Any, column: str | None, kwargs: dict[str, Any] | None = None
) -> str | None:
    if observed is None:
        return None
    if column and set(column.split(",")) & config.PII_COLUMNS:
        return config.REDACTED
    value_set = (kwargs or {}).get("value_set")
    if isinstance(observed, list) and value_set is not None:
        missing = sorted(set(map(str, value_set)) - set(map(str, observed)))
        if missing:
            return f"missing {', '.join(missing)}"
    text = str(observed)
    return text if len(text) <= 300 else text[:297] + "..."


def redact(suite_result: Any) -> None:
    """Replace values of personal-data columns in a GX suite result by a placeholder."""
    for validation_result in suite_result.results:
        kwargs = dict(validation_result.expectation_config.kwargs)
        checked = {kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B")}
        checked |= set(kwargs.get("column_list") or [])
        # a scoped rule reads "<column> [<scope>]": judge it by the column it masks
        checked = {str(c).split(" [", 1)[0] for c in checked if c}
        result = validation_result.result
        if not result or not checked & config.PII_COLUMNS:
            continue
        if "partial_unexpected_list" in result:
            result["partial_unexpected_list"] = [
                config.REDACTED for _ in result["partial_unexpected_list"]
            ]
        if "partial_unexpected_counts" in result:
            result["partial_unexpected_counts"] = [
                {"value": config.REDACTED, "count": entry.get("count")}
                for entry in result["partial_unexpected_counts"]
            ]
        for entry in result.get("partial_unexpected_index_list") or []:
            if isinstance(entry, dict):
                for column in list(entry):
                    if column in config.PII_COLUMNS:
                        entry[column] = config.REDACTED
        if "partial_missing_list" in result:
            missing = result["partial_missing_list"]
            result["partial_missing_list"] = [config.REDACTED for _ in missing]
        if "observed_value" in result and result["observed_value"] is not None:
            result["observed_value"] = config.REDACTED


def _is_database_error(error: Exception) -> bool:
    import duckdb

    return isinstance(error, duckdb.Error)


def _missing_outcomes(spec: SuiteSpec, missing: list[str]) -> tuple[Outcome, ...]:
    return _failed_outcomes(
        spec,
        f"table(s) {', '.join(missing)} do not exist (has the producing asset been materialised?)",
    )


def _failed_outcomes(spec: SuiteSpec, reason: str) -> tuple[Outcome, ...]:
    """One failed outcome per (asset, severity) the suite reports on: the suite could not run."""
    message = f"suite {spec.name} cannot run: {reason}"
    groups = {(spec.asset_of(r), config.severity(spec.name, r.name)) for r in spec.rules}
    return tuple(
        Outcome(
            suite=spec.name,
            rule="suite_runs",
            expectation="batch_available",
            asset=asset,
            source_system=source_system_of(asset),
            dimension="completeness",
            column=None,
            severity=severity,
            success=False,
            element_count=None,
            unexpected_count=None,
            unexpected_percent=None,
            sample_keys=(),
            message=f"{severity}: {message}",
        )
        for asset, severity in sorted(groups)
    )
