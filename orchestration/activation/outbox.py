"""Channel exports: publish an audience as a numbered sync with a manifest and a diff.

Layout: ``<outbox>/<destination>/<audience>/<sync>/`` where ``<sync>`` is a zero-padded sequence
number (``000001``, ``000002``, ...). A sync folder holds

- ``audience.csv`` and ``audience.parquet``: every row, sorted by the key column;
- ``diff.csv``: one row per key that was ``added``, ``removed`` or ``changed`` since the previous
  sync (``change_type`` + the key, and the new row's columns for added/changed);
- ``manifest.json``: row count, sha256 of each file, run id, audience definition hash,
  generated_at, the previous sync and the diff counts.

A sync is written into a hidden temp folder beside its final place and renamed at the end, so a
channel tool that watches the folder never sees a half-written sync. A folder without
``manifest.json`` is not a sync (it is ignored as "previous").
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

MANIFEST = "manifest.json"
DATA_CSV = "audience.csv"
DATA_PARQUET = "audience.parquet"
DIFF_CSV = "diff.csv"
CHANGE_TYPES = ("added", "removed", "changed")


class ExportError(ValueError):
    """An audience cannot be published; the message names the audience and the problem."""


@dataclass(frozen=True)
class SyncResult:
    """What one publish wrote."""

    destination: str
    audience: str
    sync_id: str
    path: Path
    rows: int
    added: int
    removed: int
    changed: int
    previous_sync_id: str | None
    manifest: dict[str, Any]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def definition_hash(definition: Any) -> str:
    """Stable sha256 of an audience definition (any JSON-serialisable value)."""
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def completed_syncs(audience_dir: Path) -> list[str]:
    """Sync ids with a manifest, oldest first."""
    if not audience_dir.is_dir():
        return []
    return sorted(
        p.name for p in audience_dir.iterdir()
        if p.is_dir() and p.name.isdigit() and (p / MANIFEST).is_file()
    )


def _row_text(table: pa.Table, key_column: str, columns: list[str]) -> pa.Array:
    """One text per row over ``columns`` (nulls distinguishable from empty text), vectorised."""
    if not columns:
        return pa.array([""] * table.num_rows, pa.string())
    parts = [
        pc.fill_null(
            pc.binary_join_element_wise("v", table.column(c).cast(pa.string()), ""), "n"
        )
        for c in columns
    ]
    joined = pc.binary_join_element_wise(*parts, "\x1f")
    return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined


def _diff(current: pa.Table, previous: pa.Table | None, key_column: str) -> pa.Table:
    """Rows added, changed (any other value differs) and removed (key only) since ``previous``."""
    key_type = current.schema.field(key_column).type
    if previous is None:
        previous = current.schema.empty_table()
    before_keys = previous.column(key_column).cast(key_type)
    now_keys = current.column(key_column)
    position = pc.index_in(now_keys, value_set=before_keys)  # row of the key in previous
    is_added = pc.is_null(position)
    columns = [c for c in current.column_names if c != key_column]
    if previous.num_rows == 0:
        is_changed = pa.array([False] * current.num_rows, pa.bool_())
    elif previous.column_names == current.column_names:
        before_text = pc.take(_row_text(previous, key_column, columns),
                              pc.fill_null(position, 0))  # fmt: skip
        is_changed = pc.and_(
            pc.invert(is_added),
            pc.not_equal(_row_text(current, key_column, columns), before_text),
        )
    else:  # the columns changed: every kept row counts as changed
        is_changed = pc.invert(is_added)
    removed_keys = previous.filter(pc.invert(pc.is_in(before_keys, value_set=now_keys)))
    removed_keys = removed_keys.column(key_column).cast(key_type)
    parts = []
    for kind, part in (
        ("added", current.filter(is_added)),
        ("changed", current.filter(is_changed)),
        ("removed", pa.table({  # the key only; the other columns null, typed as now
            field.name: removed_keys if field.name == key_column
            else pa.nulls(len(removed_keys), type=field.type)
            for field in current.schema
        })),
    ):  # fmt: skip
        if part.num_rows:
            parts.append(
                part.append_column("change_type", pa.array([kind] * part.num_rows, pa.string()))
            )
    schema = pa.schema([*current.schema, pa.field("change_type", pa.string())])
    if not parts:
        return schema.empty_table()
    unified = pa.concat_tables(parts, promote_options="default")
    ordered = unified.select([*current.column_names, "change_type"])
    return ordered.sort_by([("change_type", "ascending"), (key_column, "ascending")])


def publish(
    table: pa.Table,
    *,
    outbox: Path,
    destination: str,
    audience: str,
    key_column: str,
    audience_definition_hash: str,
    run_id: str,
    generated_at: datetime | None = None,
) -> SyncResult:
    """Write ``table`` as the next sync of ``destination/audience`` and return what changed."""
    where = f"audience {audience!r} for destination {destination!r}"
    if key_column not in table.column_names:
        raise ExportError(f"{where}: key column {key_column!r} missing")
    keys = table.column(key_column)
    if keys.null_count:
        raise ExportError(f"{where}: {keys.null_count} rows without {key_column}")
    if pc.count_distinct(keys).as_py() != table.num_rows:
        raise ExportError(f"{where}: duplicate {key_column} values")
    table = table.sort_by([(key_column, "ascending")])

    audience_dir = outbox / destination / audience
    audience_dir.mkdir(parents=True, exist_ok=True)
    history = completed_syncs(audience_dir)
    previous_id = history[-1] if history else None
    previous = pq.read_table(audience_dir / previous_id / DATA_PARQUET) if previous_id else None
    if previous is not None and key_column not in previous.column_names:
        previous = None  # the key changed: everything counts as added
    sync_id = f"{int(previous_id or 0) + 1:06d}"

    temp_dir = audience_dir / f".tmp-{sync_id}-{os.getpid()}"
    shutil.rmtree(temp_dir, ignore_errors=True)
    temp_dir.mkdir()
    try:
        pacsv.write_csv(table, temp_dir / DATA_CSV)
        pq.write_table(table, temp_dir / DATA_PARQUET)
        diff = _diff(table, previous, key_column)
        pacsv.write_csv(diff, temp_dir / DIFF_CSV)
        counts = {
            kind: int(pc.sum(pc.equal(diff.column("change_type"), kind)).as_py() or 0)
            for kind in CHANGE_TYPES
        }
        manifest = {
            "destination": destination,
            "audience": audience,
            "sync_id": sync_id,
            "previous_sync_id": previous_id,
            "row_count": table.num_rows,
            "columns": table.column_names,
            "key_column": key_column,
            "files": {
                name: sha256_file(temp_dir / name) for name in (DATA_CSV, DATA_PARQUET, DIFF_CSV)
            },
            "diff": counts,
            "run_id": run_id,
            "audience_definition_hash": audience_definition_hash,
            "generated_at": (generated_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        }
        (temp_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        final_dir = audience_dir / sync_id
        if final_dir.exists():
            raise ExportError(f"{where}: sync {sync_id} already exists at {final_dir}")
        os.rename(temp_dir, final_dir)
    except BaseException:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    return SyncResult(
        destination=destination,
        audience=audience,
        sync_id=sync_id,
        path=final_dir,
        rows=table.num_rows,
        added=counts["added"],
        removed=counts["removed"],
        changed=counts["changed"],
        previous_sync_id=previous_id,
        manifest=manifest,
    )
