"""Read batch files into ``_extract_scan`` with DuckDB's own readers.

``_extract_scan`` (a temp table; for JSON lines a temp view over ``_extract_lines``) has
``_source_file``, ``_row_number``, ``_raw_text``, ``_read_error`` and one column per file column:
varchar for CSV and JSON lines (read as text, typed later), native types for Parquet. Rows that
cannot be parsed at all (a truncated CSV row, a malformed JSON line) stay in the scan with
``_read_error`` set, so that the loader can quarantine them. Files DuckDB cannot read at all are
reported in the ``unreadable`` mapping (path → first line of DuckDB's error).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from orchestration.sources.catalog import Entity
from orchestration.sources.extract.files import LandingFile
from orchestration.sources.extract.tables import literal, quote

SCAN = "_extract_scan"
_GROUP = "_extract_group"
_FILENAME = "_extract_filename"
_LINE_DELIMITER = "\x1f"  # never unescaped inside valid JSON, so a JSON line is one field
_META_COLUMNS = ("_source_file", "_row_number", "_raw_text", "_read_error")


@dataclass
class ScanResult:
    """What was read: the scan's data columns (name → DuckDB type), columns per file."""

    columns: dict[str, str]
    file_columns: dict[str, list[str]]
    base_table: str = SCAN  # where the scanned rows are stored (the scan may be a view on it)


def _paths_sql(files: Sequence[LandingFile]) -> str:
    return "[" + ", ".join(literal(str(f.path)) for f in files) + "]"


def _register_files(connection: Any, files: Sequence[LandingFile]) -> None:
    connection.execute(
        "create or replace temp table _extract_files (abs_path varchar, source_file varchar)"
    )
    if files:
        values = ", ".join(f"({literal(str(f.path))}, {literal(f.relative)})" for f in files)
        connection.execute(f"insert into _extract_files values {values}")


def create_scan(connection: Any, columns: dict[str, str]) -> None:
    """An empty ``_extract_scan`` with the meta columns and the given data columns."""
    drop_scan(connection)
    defs = [
        "_source_file varchar",
        "_row_number bigint",
        "_raw_text varchar",
        "_read_error varchar",
        *(f"{quote(name)} {type_}" for name, type_ in columns.items()),
    ]
    connection.execute(f"create or replace temp table {SCAN} ({', '.join(defs)})")


def _numbered_insert(connection: Any, value_columns: Sequence[str], row_text_sql: str) -> None:
    """Move ``_extract_group`` (+ its rejects) into the scan, numbering rows as in the file.

    DuckDB keeps accepted rows in file order (rowid; insertion order is preserved) and reports
    rejected rows by record number.
    Accepted row *i* of a file is data row ``i + j`` where *j* counts the rejected rows before
    it: rejected row *j* (data row *r_j*) follows ``r_j - j`` accepted rows.
    """
    selected = ", ".join(f"a.{quote(c)}" for c in value_columns)
    connection.execute(
        f"""
        insert into {SCAN} by name
        with file_starts as (
            select {_FILENAME}, min(rowid) as _first from {_GROUP} group by all
        ),
        accepted as (  -- rows are stored in file order, each file's rows contiguous
            select g.*, g.rowid - s._first + 1 as _i
            from {_GROUP} as g
            inner join file_starts as s on g.{_FILENAME} = s.{_FILENAME}
        ),
        rejected as (
            select
                s.file_path as {_FILENAME},
                e.line - {row_text_sql} as _r,
                min(trim(e.csv_line, chr(13) || chr(10))) as _raw_text,
                min_by(
                    lower(e.error_type) || ': ' || e.error_message, coalesce(e.column_idx, 0)
                ) as _read_error,
            from {_GROUP}_rejects as e
            inner join {_GROUP}_rejects_scan as s on e.scan_id = s.scan_id
                and e.file_id = s.file_id
            group by all
        ),
        gaps as (
            select
                {_FILENAME},
                _r - row_number() over (partition by {_FILENAME} order by _r) as _gap,
                row_number() over (partition by {_FILENAME} order by _r) as _j,
            from rejected
        ),
        gap_counts as (
            select {_FILENAME}, _gap, max(_j) as _j from gaps group by all
        ),
        accepted_numbered as (
            select
                f.source_file as _source_file,
                a._i + coalesce(g._j, 0) as _row_number,
                {selected}
            from accepted as a
            asof left join gap_counts as g
                on a.{_FILENAME} = g.{_FILENAME} and a._i > g._gap
            inner join _extract_files as f on a.{_FILENAME} = f.abs_path
        ),
        rejected_numbered as (
            select
                f.source_file as _source_file,
                r._r as _row_number,
                r._raw_text,
                'malformed row (' || r._read_error || ')' as _read_error,
            from rejected as r
            inner join _extract_files as f on r.{_FILENAME} = f.abs_path
        )
        select * from accepted_numbered
        union all by name
        select * from rejected_numbered
        """
    )
    for suffix in ("", "_rejects", "_rejects_scan"):
        connection.execute(f"drop table if exists {_GROUP}{suffix}")


def _read_csv_group(
    connection: Any, entity: Entity, files: Sequence[LandingFile], header: Sequence[str]
) -> None:
    columns = "{" + ", ".join(f"{literal(c)}: 'varchar'" for c in header) + "}"
    connection.execute(
        f"""
        create or replace temp table {_GROUP} as
        select * from read_csv(
            {_paths_sql(files)}, columns = {columns}, header = true, auto_detect = false,
            delim = {literal(entity.csv_delimiter)}, quote = '"', escape = '"',
            filename = {literal(_FILENAME)}, store_rejects = true,
            rejects_table = '{_GROUP}_rejects', rejects_scan = '{_GROUP}_rejects_scan',
            encoding = 'utf-8'
        )
        """
    )
    _numbered_insert(connection, header, row_text_sql="1")  # record 1 is the header


def _read_json_lines_group(connection: Any, files: Sequence[LandingFile]) -> None:
    connection.execute(
        f"""
        create or replace temp table {_GROUP} as
        select * from read_csv(
            {_paths_sql(files)}, columns = {{'_line': 'varchar'}}, header = false,
            auto_detect = false, delim = {literal(_LINE_DELIMITER)}, quote = '', escape = '',
            strict_mode = false, filename = {literal(_FILENAME)}, store_rejects = true,
            rejects_table = '{_GROUP}_rejects', rejects_scan = '{_GROUP}_rejects_scan',
            encoding = 'utf-8'
        )
        """
    )
    _numbered_insert(connection, ["_line"], row_text_sql="0")


def _try_each(
    connection: Any,
    files: Sequence[LandingFile],
    read: Any,
    unreadable: dict[str, str],
) -> None:
    """Read files as one batch; if DuckDB refuses the batch, one by one to find the bad ones."""
    import duckdb

    try:
        read(files)
    except duckdb.Error as error:
        if len(files) == 1:
            unreadable[files[0].relative] = str(error).strip().splitlines()[0][:300]
            return
        for single in files:
            _try_each(connection, [single], read, unreadable)


def scan_csv(
    connection: Any,
    entity: Entity,
    files: Sequence[LandingFile],
    headers: dict[str, list[str]],
    unreadable: dict[str, str],
) -> ScanResult:
    """Read CSV files (grouped by identical header) into the scan, all values as text."""
    _register_files(connection, files)
    columns: dict[str, str] = {c.name: "varchar" for c in entity.columns}
    groups: dict[tuple[str, ...], list[LandingFile]] = {}
    for f in files:
        groups.setdefault(tuple(headers[f.relative]), []).append(f)
        columns.update({name: "varchar" for name in headers[f.relative]})
    create_scan(connection, columns)
    for header, group in groups.items():
        _try_each(
            connection,
            group,
            lambda batch, h=header: _read_csv_group(connection, entity, batch, h),
            unreadable,
        )
    file_columns = {f.relative: headers[f.relative] for f in files}
    return ScanResult(columns, file_columns)


def scan_json_lines(
    connection: Any,
    entity: Entity,
    files: Sequence[LandingFile],
    unreadable: dict[str, str],
) -> ScanResult:
    """Read JSON-lines files line by line; parse each line as a JSON object in SQL."""
    _register_files(connection, files)
    drop_scan(connection)
    connection.execute(
        "create or replace temp table _extract_lines (_source_file varchar, _row_number bigint, "
        "_raw_text varchar, _read_error varchar, _line varchar)"
    )
    connection.execute(f"create or replace temp table {SCAN} as select * from _extract_lines")
    _try_each(
        connection, files, lambda batch: _read_json_lines_group(connection, batch), unreadable
    )
    declared = [c.name for c in entity.columns]
    paths = _json_paths(declared)
    connection.execute(
        f"""
        create or replace temp table _extract_lines as
        select
            *,
            case when _read_error is null then json_keys(_raw_text) end as _keys,
            case when _read_error is null then json_extract_string(_raw_text, {paths}) end as _v,
        from (
            select
                _source_file,
                _row_number,
                coalesce(_raw_text, _line) as _raw_text,
                case
                    when _read_error is not null then _read_error
                    when json_type(try_cast(_line as json)) = 'OBJECT' then null
                    when try_cast(_line as json) is null then 'malformed JSON line'
                    else 'JSON line is not an object'
                end as _read_error,
            from {SCAN}
            where coalesce(trim(_line), '') <> '' or _read_error is not null
        )
        """
    )
    key_rows = connection.execute(
        """
        select _source_file, list(distinct key order by key)
        from (select _source_file, unnest(_keys) as key from _extract_lines)
        group by all
        """
    ).fetchall()
    file_columns = {f.relative: [] for f in files if f.relative not in unreadable}
    file_columns.update({path: list(keys) for path, keys in key_rows})
    drift = sorted({k for keys in file_columns.values() for k in keys} - set(declared))
    values = [f"_v[{i}] as {quote(n)}" for i, n in enumerate(declared, start=1)]
    values += [  # undeclared keys are rare: parsed again only when present
        f"case when _read_error is null then json_extract_string(_raw_text, "
        f"{literal('$.' + quote(n))}) end as {quote(n)}"
        for n in drift
    ]
    connection.execute(f"drop table {SCAN}")
    connection.execute(
        f"create temp view {SCAN} as "
        f"select * exclude (_v, _keys), {', '.join(values)} from _extract_lines"
    )
    names = declared + drift
    return ScanResult({n: "varchar" for n in names}, file_columns, base_table="_extract_lines")


def _json_paths(names: Sequence[str]) -> str:
    return "[" + ", ".join(literal("$." + quote(n)) for n in names) + "]"


def drop_scan(connection: Any) -> None:
    """Drop the scan (a table, or for JSON lines a view over ``_extract_lines``)."""
    kinds = connection.execute(
        "select table_type from information_schema.tables where table_name = ?", [SCAN]
    ).fetchall()
    for (kind,) in kinds:
        connection.execute(f"drop {'view' if kind == 'VIEW' else 'table'} if exists {SCAN}")
    connection.execute("drop table if exists _extract_lines")


def parquet_columns(connection: Any, files: Sequence[LandingFile]) -> dict[str, list[str]]:
    """Top-level column names per Parquet file, read from the file footers."""
    rows = connection.execute(
        f"""
        select file_name, list(name)
        from parquet_schema({_paths_sql(files)})
        where coalesce(num_children, 0) = 0  -- leaves; the root element has children
        group by all
        """
    ).fetchall()
    by_path = {path: names for path, names in rows}
    return {f.relative: by_path.get(str(f.path), []) for f in files}


def scan_parquet(
    connection: Any, files: Sequence[LandingFile], unreadable: dict[str, str]
) -> ScanResult:
    """Read Parquet files natively typed, with their row numbers."""
    _register_files(connection, files)
    drop_scan(connection)
    readable: list[LandingFile] = []

    def probe(batch: Sequence[LandingFile]) -> None:
        connection.execute(
            f"select count(*) from read_parquet({_paths_sql(batch)}, union_by_name = true)"
        ).fetchall()
        readable.extend(batch)

    _try_each(connection, files, probe, unreadable)
    file_columns = parquet_columns(connection, readable) if readable else {}
    if not readable:
        create_scan(connection, {})
        return ScanResult({}, file_columns)
    connection.execute(
        f"""
        create or replace temp table {SCAN} as
        select
            f.source_file as _source_file,
            p.file_row_number + 1 as _row_number,
            null::varchar as _raw_text,
            null::varchar as _read_error,
            p.* exclude ({_FILENAME}, file_row_number),
        from read_parquet(
            {_paths_sql(readable)}, union_by_name = true, file_row_number = true,
            filename = {literal(_FILENAME)}
        ) as p
        inner join _extract_files as f on p.{_FILENAME} = f.abs_path
        """
    )
    described = connection.execute(f"describe {SCAN}").fetchall()
    columns = {row[0]: row[1] for row in described if row[0] not in _META_COLUMNS}
    return ScanResult(columns, file_columns)
