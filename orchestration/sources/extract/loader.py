"""Load one entity's new landing files into ``raw.<source>__<entity>``, exactly once.

Per run: find the entity's batch files, skip those the ledger has loaded (same size and mtime,
or same SHA-256), report already-loaded files whose content changed (never reloaded silently),
read the new ones with DuckDB, type every column as declared, and in one transaction append good
rows to the raw table, bad rows and unreadable files to ``quality.quarantine`` and one ledger
row per file to ``raw._load_ledger``. Rows in files = rows in raw + rows in quarantine.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.sources.catalog import ENTITIES, Entity
from orchestration.sources.extract import casting, readers
from orchestration.sources.extract.files import (
    LandingFile,
    csv_header,
    digest,
    discover,
    text_lines,
)
from orchestration.sources.extract.tables import (
    LEDGER_TABLE,
    LOADED_STATUSES,
    QUARANTINE_TABLE,
    ensure_tables,
    literal,
    quote,
)
from orchestration.sources.raw_schema import RAW_SCHEMA, create_raw_tables, raw_column_type

logger = logging.getLogger(__name__)

_TYPED = "_extract_typed"
BATCH_BYTES = 256 * 2**20  # input bytes per transaction: bounds memory on large backfills


@dataclass
class ExtractResult:
    """What one extract of one entity did (becomes the asset's metadata)."""

    raw_table: str
    run_id: str
    loaded_at: datetime
    files_loaded: list[str] = field(default_factory=list)
    files_skipped: int = 0
    files_changed: list[str] = field(default_factory=list)
    files_quarantined: dict[str, str] = field(default_factory=dict)  # whole file → reason
    files_failed: dict[str, str] = field(default_factory=dict)  # refused file → reason
    rows_in_files: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    drift_columns: list[str] = field(default_factory=list)


class MissingRequiredColumnsError(Exception):
    """A file lacks a required column: the file is refused (other files of the run still load)."""

    def __init__(self, result: ExtractResult) -> None:
        self.result = result
        details = "; ".join(f"{path}: {reason}" for path, reason in result.files_failed.items())
        super().__init__(f"raw.{result.raw_table}: {details}")


@dataclass
class _LedgerState:
    loaded: dict[str, tuple[int, int, str]]  # path → (size, mtime_ns, sha256) as loaded
    changed_seen: set[tuple[str, str]]  # (path, sha256) already recorded as changed


def _ledger_state(connection: Any, entity: Entity) -> _LedgerState:
    rows = connection.execute(
        f"select source_file, status, file_size, file_mtime_ns, sha256 from {LEDGER_TABLE} "
        "where source_system = ? and entity = ? order by loaded_at",
        [entity.source, entity.name],
    ).fetchall()
    state = _LedgerState({}, set())
    for path, status, size, mtime_ns, sha in rows:
        if status in LOADED_STATUSES:
            state.loaded[path] = (size, mtime_ns, sha)
        elif status == "changed":
            state.changed_seen.add((path, sha))
    return state


def reset_entity(connection: Any, entity: Entity) -> None:
    """Forget everything loaded for the entity: raw table, its quarantine and ledger rows."""
    ensure_tables(connection)
    connection.execute(
        f"delete from {LEDGER_TABLE} where source_system = ? and entity = ?",
        [entity.source, entity.name],
    )
    connection.execute(
        f"delete from {QUARANTINE_TABLE} where source_system = ? and entity = ?",
        [entity.source, entity.name],
    )
    connection.execute(f"drop table if exists {RAW_SCHEMA}.{entity.raw_table}")
    create_raw_tables(connection, (entity,))


def load_entity(
    connection: Any,
    landing_dir: Path,
    entity: Entity,
    *,
    run_id: str | None = None,
    full_refresh: bool = False,
    verify_checksums: bool = False,
    log: logging.Logger | Any | None = None,
    raise_on_failure: bool = True,
    batch_bytes: int = BATCH_BYTES,
) -> ExtractResult:
    """Load the entity's new batch files; see the module docstring.

    ``full_refresh`` empties the raw table, its quarantine and ledger rows first and reloads
    every file. ``verify_checksums`` hashes every already-loaded file instead of trusting an
    unchanged size and modification time. Raises :class:`MissingRequiredColumnsError` (after
    committing the other files) when a file lacks a required column. New files are processed
    in groups of about ``batch_bytes`` (one transaction each), which bounds memory.
    """
    log = log or logger
    result = ExtractResult(entity.raw_table, run_id or uuid.uuid4().hex, datetime.now(UTC))
    connection.execute("set TimeZone = 'UTC'")
    ensure_tables(connection)
    if full_refresh:
        reset_entity(connection, entity)
    create_raw_tables(connection, (entity,))

    ledger_rows: list[tuple[LandingFile, str, str, str | None]] = []  # file, sha, status, message
    new_files, shas, unreadable = _classify(connection, landing_dir, entity, verify_checksums,
                                           result, ledger_rows, log)
    for batch in _batches(new_files, batch_bytes) or [[]]:
        _load_batch(connection, entity, batch, shas, unreadable, result, ledger_rows)
        ledger_rows = []  # changed-file entries go with the first batch
    drift = result.drift_columns

    if drift:
        log.warning(f"raw.{entity.raw_table}: undeclared column(s) kept as varchar: "
                    f"{', '.join(drift)}")
    if result.files_quarantined:
        log.warning(f"raw.{entity.raw_table}: {len(result.files_quarantined)} unreadable "
                    "file(s) quarantined whole")
    if result.files_failed and raise_on_failure:
        raise MissingRequiredColumnsError(result)
    return result


def _batches(files: Sequence[LandingFile], batch_bytes: int) -> list[list[LandingFile]]:
    """Consecutive groups of files of at most ``batch_bytes`` (at least one file each)."""
    batches: list[list[LandingFile]] = []
    size = 0
    for f in files:
        if not batches or size + f.size > batch_bytes:
            batches.append([])
            size = 0
        batches[-1].append(f)
        size += f.size
    return batches


def _load_batch(
    connection: Any,
    entity: Entity,
    new_files: Sequence[LandingFile],
    shas: dict[str, str],
    unreadable: dict[str, str],
    result: ExtractResult,
    ledger_rows: list[tuple[LandingFile, str, str, str | None]],
) -> None:
    """Scan, type and commit one batch of new files (one transaction)."""
    failed_before = set(result.files_failed)
    readable = [f for f in new_files if f.relative not in unreadable]
    empty = [f for f in readable if f.size == 0]
    readable = [f for f in readable if f.size > 0]
    scan = _scan(connection, entity, readable, unreadable)
    for f in readable:
        if f.relative in unreadable:
            continue
        missing = [c for c in entity.required_columns if c not in scan.file_columns[f.relative]]
        if missing and (entity.file_format != "jsonl" or scan.file_columns[f.relative]):
            names = ", ".join(missing)
            result.files_failed[f.relative] = (
                f"missing required column(s) {names} in file {f.relative}"
            )
    failed_now = [p for p in result.files_failed if p not in failed_before]
    if failed_now:
        failed = ", ".join(literal(p) for p in failed_now)
        connection.execute(f"delete from {scan.base_table} where _source_file in ({failed})")
    kept = {
        name
        for path, names in scan.file_columns.items()
        if path not in result.files_failed and path not in unreadable
        for name in names
    }  # undeclared columns of refused or unreadable files do not reach the raw table
    declared = {c.name for c in entity.columns}
    scan.columns = {n: t for n, t in scan.columns.items() if n in declared or n in kept}
    drift = _type_rows(connection, entity, scan)
    result.drift_columns += [name for name in drift if name not in result.drift_columns]
    counts = _file_counts(connection)

    connection.execute("begin transaction")
    try:
        for name in drift:
            connection.execute(
                f"alter table {RAW_SCHEMA}.{entity.raw_table} "
                f"add column if not exists {quote(name)} varchar"
            )
        _insert_rows(connection, entity, drift, result)
        for f in new_files:
            sha = shas[f.relative]
            if f.relative in unreadable:
                reason = f"unreadable file: {unreadable[f.relative]}"
                quarantined = _quarantine_file(connection, entity, f, reason, result)
                result.files_quarantined[f.relative] = reason
                result.rows_in_files += quarantined
                ledger_rows.append((f, sha, "quarantined", reason))
                counts[f.relative] = (quarantined, 0, quarantined)
            elif f.relative in result.files_failed:
                ledger_rows.append((f, sha, "failed", result.files_failed[f.relative]))
            else:
                total, _, _ = counts.setdefault(f.relative, (0, 0, 0))
                result.rows_in_files += total
                result.files_loaded.append(f.relative)
                message = "empty file" if f in empty else None
                ledger_rows.append((f, sha, "loaded", message))
        _write_ledger(connection, entity, result, ledger_rows, counts)
        connection.execute("commit")
    except Exception:
        connection.execute("rollback")
        raise
    finally:
        readers.drop_scan(connection)
        for table in (_TYPED, "_extract_files"):
            connection.execute(f"drop table if exists {table}")


def _classify(
    connection: Any,
    landing_dir: Path,
    entity: Entity,
    verify_checksums: bool,
    result: ExtractResult,
    ledger_rows: list[tuple[LandingFile, str, str, str | None]],
    log: Any,
) -> tuple[list[LandingFile], dict[str, str], dict[str, str]]:
    """Split landing files into skipped, changed and new; digest the new ones."""
    state = _ledger_state(connection, entity)
    text = entity.file_format != "parquet"
    new_files: list[LandingFile] = []
    shas: dict[str, str] = {}
    unreadable: dict[str, str] = {}
    for f in discover(landing_dir, entity):
        loaded = state.loaded.get(f.relative)
        if loaded is not None:
            size, mtime_ns, sha = loaded
            if (f.size, f.mtime_ns) == (size, mtime_ns) and not verify_checksums:
                result.files_skipped += 1
                continue
            current = digest(f.path, check_utf8=False).sha256
            if current == sha:
                result.files_skipped += 1
                continue
            result.files_changed.append(f.relative)
            log.warning(f"raw.{entity.raw_table}: {f.relative} changed after it was loaded "
                        "(not reloaded; run a full refresh to reload)")
            if (f.relative, current) not in state.changed_seen:
                ledger_rows.append(
                    (f, current, "changed", f"content changed since load (was sha256 {sha})")
                )
            continue
        facts = digest(f.path, check_utf8=text)
        shas[f.relative] = facts.sha256
        if facts.encoding_error:
            unreadable[f.relative] = facts.encoding_error
        new_files.append(f)
    return new_files, shas, unreadable


def _scan(
    connection: Any, entity: Entity, files: Sequence[LandingFile], unreadable: dict[str, str]
) -> readers.ScanResult:
    if not files:
        columns = {c.name: "varchar" for c in entity.columns}
        readers.create_scan(connection, columns)
        return readers.ScanResult(columns, {})
    if entity.file_format == "csv":
        headers = {f.relative: csv_header(f.path, entity.csv_delimiter) for f in files}
        return readers.scan_csv(connection, entity, files, headers, unreadable)
    if entity.file_format == "jsonl":
        return readers.scan_json_lines(connection, entity, files, unreadable)
    return readers.scan_parquet(connection, files, unreadable)


def _type_rows(connection: Any, entity: Entity, scan: readers.ScanResult) -> list[str]:
    """Build ``_extract_typed``: declared columns typed, drift columns as text, a reason per
    row that cannot be kept (read error or a present value that does not parse)."""
    declared = {c.name for c in entity.columns}
    drift = [name for name in scan.columns if name not in declared]
    source = {name: f"_s{k}" for k, name in enumerate(scan.columns)}  # untouched source values
    typed, checks = [], []
    for column in entity.columns:
        name = quote(column.name)
        if column.name not in scan.columns:
            typed.append(f"null::{raw_column_type(column)} as {name}")
            continue
        native = scan.columns[column.name]
        expression = (
            casting.typed_from_text(name, column, entity.timezone)
            if native.upper() == "VARCHAR"
            else casting.typed_from_native(name, native, column, entity.timezone)
        )
        typed.append(f"{expression} as {name}")
        if column.type != "varchar":
            checks.append(
                f"case when {casting.is_present(source[column.name], native)} and {name} is null "
                f"then 'unparsable {casting.type_label(column)} in column {column.name}' end"
            )
    typed += [f"cast({quote(n)} as varchar) as {quote(n)}" for n in drift]
    typed += [f"{quote(n)} as {alias}" for n, alias in source.items()]
    reason = "_read_error"
    if checks:
        reason = f"coalesce(_read_error, nullif(concat_ws('; ', {', '.join(checks)}), ''))"
    excluded = ", ".join(["_raw_text", "_read_error", *source.values()])
    row_text = _row_text_sql(entity, scan, source)
    connection.execute(
        f"""
        create or replace temp table {_TYPED} as
        select
            * exclude ({excluded}),
            case when _reason is not null then coalesce(_raw_text, {row_text}) end
                as _quarantine_text,
        from (
            select *, {reason} as _reason
            from (
                select _source_file, _row_number, _raw_text, _read_error, {", ".join(typed)}
                from {readers.SCAN}
            )
        )
        """
    )
    return drift


def _row_text_sql(entity: Entity, scan: readers.ScanResult, source: dict[str, str]) -> str:
    """The row's source values as one text (what quarantine shows for an unparsable row)."""
    if not scan.columns or entity.file_format == "jsonl":
        return "null::varchar"
    if entity.file_format == "csv":
        values = ", ".join(f"coalesce({alias}, '')" for alias in source.values())
        return f"concat_ws({literal(entity.csv_delimiter)}, {values})"
    pairs = ", ".join(f"{quote(n)} := {alias}" for n, alias in source.items())
    return f"to_json(struct_pack({pairs}))::varchar"


def _file_counts(connection: Any) -> dict[str, tuple[int, int, int]]:
    """Per file: rows read, rows kept, rows quarantined."""
    rows = connection.execute(
        f"select _source_file, count(*), count(*) filter (where _reason is null), "
        f"count(*) filter (where _reason is not null) from {_TYPED} group by 1"
    ).fetchall()
    return {path: (total, kept, bad) for path, total, kept, bad in rows}


def _insert_rows(
    connection: Any, entity: Entity, drift: Sequence[str], result: ExtractResult
) -> None:
    data = [c.name for c in entity.columns] + list(drift)
    selected = ", ".join(quote(n) for n in data)
    loaded_at = literal(result.loaded_at.isoformat())
    connection.execute(
        f"insert into {RAW_SCHEMA}.{entity.raw_table} by name "
        f"select {selected}, _source_file, _row_number, {loaded_at}::timestamptz as _loaded_at "
        f"from {_TYPED} where _reason is null order by _source_file, _row_number"
    )
    connection.execute(
        f"insert into {QUARANTINE_TABLE} "
        f"select ?, ?, _source_file, _row_number, _quarantine_text, _reason, "
        f"{loaded_at}::timestamptz, ? from {_TYPED} where _reason is not null",
        [entity.source, entity.name, result.run_id],
    )
    totals = connection.execute(
        f"select count(*) filter (where _reason is null), "
        f"count(*) filter (where _reason is not null) from {_TYPED}"
    ).fetchall()[0]
    result.rows_loaded += totals[0]
    result.rows_quarantined += totals[1]


def _quarantine_file(
    connection: Any, entity: Entity, file: LandingFile, reason: str, result: ExtractResult
) -> int:
    """Every row of an unreadable file into quarantine (text: one row per line)."""
    if entity.file_format == "parquet":
        rows: list[tuple[int | None, str | None]] = [(None, None)]
    else:
        rows = list(text_lines(file.path, skip_header=entity.file_format == "csv"))
    if rows:
        import pyarrow as pa

        table = pa.table({
            "row_number": pa.array([number for number, _ in rows], pa.int64()),
            "raw_text": pa.array([text for _, text in rows], pa.string()),
        })
        connection.register("_extract_bad_file", table)
        try:
            connection.execute(
                f"insert into {QUARANTINE_TABLE} select ?, ?, ?, row_number, raw_text, ?, "
                "?::timestamptz, ? from _extract_bad_file",
                [entity.source, entity.name, file.relative, reason,
                 result.loaded_at.isoformat(), result.run_id],
            )
        finally:
            connection.unregister("_extract_bad_file")
    result.rows_quarantined += len(rows)
    return len(rows)


def _write_ledger(
    connection: Any,
    entity: Entity,
    result: ExtractResult,
    ledger_rows: Iterable[tuple[LandingFile, str, str, str | None]],
    counts: dict[str, tuple[int, int, int]],
) -> None:
    values = []
    for f, sha, status, message in ledger_rows:
        total, kept, bad = counts.get(f.relative, (None, None, None))
        if status in ("failed", "changed"):
            total = kept = bad = None
        values.append((f.relative, entity.source, entity.name, f.size, f.mtime_ns, sha, total,
                       kept, bad, status, message, result.loaded_at, result.run_id))
    if values:
        connection.executemany(
            f"insert into {LEDGER_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values
        )


def load_all(
    connection: Any,
    landing_dir: Path,
    entities: Sequence[Entity] = ENTITIES,
    *,
    full_refresh: bool = False,
    run_id: str | None = None,
    on_result: Callable[[ExtractResult], None] | None = None,
) -> list[ExtractResult]:
    """Load every entity; entities with refused files raise together at the end."""
    run_id = run_id or uuid.uuid4().hex
    results, failures = [], []
    for entity in entities:
        result = load_entity(connection, landing_dir, entity, run_id=run_id,
                             full_refresh=full_refresh, raise_on_failure=False)
        results.append(result)
        if result.files_failed:
            failures.append(MissingRequiredColumnsError(result))
        if on_result:
            on_result(result)
    if failures:
        raise MissingRequiredColumnsError(failures[0].result) from (
            failures[1] if len(failures) > 1 else None
        )
    return results


def full_refresh(
    connection: Any, landing_dir: Path, entities: Sequence[Entity] = ENTITIES
) -> list[ExtractResult]:
    """Reload every entity from its landing files, from scratch."""
    return load_all(connection, landing_dir, entities, full_refresh=True)
