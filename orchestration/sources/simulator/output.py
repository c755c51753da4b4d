"""Writing: typed per-entity tables with a batch day, spilled per group of chunks, then
assembled into one file per entity and day in the entity's format, with a manifest."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from orchestration.sources.catalog import ENTITIES, Entity
from orchestration.sources.simulator.config import MessConfig
from orchestration.sources.simulator.util import format_timestamps, timestamps

DAY = "_day"
LINE = "_line"
EVENT_ENTITIES = frozenset({
    "esp__email_events", "sms__events", "app__events", "web__events", "callcenter__contacts",
    "postal__mailings", "survey__responses", "consent__events",
})
"""Event streams: these get duplicated and late-arriving rows."""

_DECIMAL = pa.decimal128(12, 2)


def arrow_type(entity: Entity, column_type: str) -> pa.DataType:
    """Arrow type of a declared column in the entity's file format."""
    text = entity.file_format != "parquet"
    if column_type == "timestamp":
        return pa.string() if text else pa.timestamp("us", tz="UTC")
    if column_type == "date":
        return pa.string() if entity.file_format == "jsonl" else pa.date32()
    if column_type.startswith("decimal"):
        return _DECIMAL
    return {
        "varchar": pa.string(),
        "bigint": pa.int64(),
        "integer": pa.int32(),
        "boolean": pa.bool_(),
    }[column_type]


@dataclass
class Emitter:
    """Turns column values of one chunk into typed Arrow tables with a batch-day column."""

    start_epoch_day: int
    days: int
    mess: MessConfig
    rng: np.random.Generator
    tables: dict[str, list[pa.Table]] = field(default_factory=dict)

    def emit(self, raw_table: str, columns: dict[str, Any], day: np.ndarray | None = None) -> None:
        """Add rows; ``columns`` holds exactly the declared columns. Timestamps are epoch
        seconds, dates epoch days. The batch day is the event day unless ``day`` is given."""
        entity = _ENTITY[raw_table]
        names = [c.name for c in entity.columns]
        if sorted(columns) != sorted(names):
            raise ValueError(f"{raw_table}: columns {sorted(columns)} != declared {sorted(names)}")
        n = len(next(iter(columns.values())))
        if n == 0:
            return
        if day is None:
            event = np.asarray(columns[entity.event_time_column], dtype=np.int64)
            day = event // 86400 - self.start_epoch_day
        day = np.clip(np.asarray(day, dtype=np.int64), 0, None)
        if (day >= self.days).any():
            raise ValueError(f"{raw_table}: rows dated after the window end")
        arrays = {}
        for column in entity.columns:
            arrays[column.name] = self._convert(entity, column.type, columns[column.name])
        if entity.file_format == "jsonl":
            # render JSON lines once per chunk (large vectorised calls), not per daily file
            arrays = {LINE: _json_lines(pa.table(arrays))}
        table = pa.table({**arrays, DAY: pa.array(day.astype(np.int32))})
        if raw_table in EVENT_ENTITIES:
            table = self._late_and_duplicated(table)
        self.tables.setdefault(raw_table, []).append(table)

    def _convert(self, entity: Entity, column_type: str, values: Any) -> pa.Array:
        target = arrow_type(entity, column_type)
        if column_type == "timestamp":
            seconds = np.asarray(values, dtype=np.int64)
            if entity.file_format == "parquet":
                return timestamps(seconds)
            return format_timestamps(seconds, entity.timezone, self.mess.timestamp_notations,
                                     self.rng)
        if column_type == "date":
            if isinstance(values, pa.Array):
                return values.cast(target)
            array = np.asarray(values, dtype=object)
            valid = np.array([v is not None for v in array], dtype=bool)
            dates = pa.array(np.where(valid, array, 0).astype(np.int32), pa.date32(),
                             mask=~valid)
            return dates.cast(target) if target == pa.string() else dates
        if isinstance(values, pa.Array | pa.ChunkedArray):
            return values.cast(target)
        if column_type.startswith("decimal"):
            return pa.array(np.round(np.asarray(values, dtype=float), 2)).cast(target)
        if values.dtype == object:
            return pa.array(values, target)
        return pa.array(values).cast(target)

    def _late_and_duplicated(self, table: pa.Table) -> pa.Table:
        day = table[DAY].to_numpy()
        n = len(day)
        late = self.rng.random(n) < self.mess.late_event_rate
        shifted = day + self.rng.integers(1, 6, n)
        day = np.where(late & (shifted < self.days), shifted, day)
        table = table.set_column(table.schema.get_field_index(DAY), DAY, pa.array(day, pa.int32()))
        again = np.flatnonzero(self.rng.random(n) < self.mess.duplicate_event_rate)
        repeat_day = day[again] + self.rng.integers(1, 11, len(again))
        keep = repeat_day < self.days
        if keep.any():
            copies = table.take(pa.array(again[keep]))
            copies = copies.set_column(copies.schema.get_field_index(DAY), DAY,
                                       pa.array(repeat_day[keep], pa.int32()))
            table = pa.concat_tables([table, copies])
        return table


_ENTITY = {e.raw_table: e for e in ENTITIES}


Spill = dict[str, tuple[Path, np.ndarray]]
"""Per entity: an Arrow IPC file with one record batch per batch day that has rows, and for every
day the index of its record batch (-1 when the day has none)."""


def spill(tables: dict[str, list[pa.Table]], days: int, folder: Path, tag: str) -> Spill:
    """Write the collected tables of a group of chunks to ``folder`` (one file per entity)."""
    written: Spill = {}
    for raw_table in sorted(tables):
        parts = tables[raw_table]
        if not parts:
            continue
        table = pa.concat_tables(parts)
        table = table.take(pc.sort_indices(table[DAY]))  # stable: keeps generation order
        table = table.combine_chunks()
        day = table[DAY].to_numpy()
        offsets = np.searchsorted(day, np.arange(days + 1), side="left")
        batch_of_day = np.full(days, -1, dtype=np.int64)
        path = folder / f"{raw_table}.{tag}.arrow"
        with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
            for d in np.flatnonzero(offsets[1:] > offsets[:-1]):
                batch_of_day[d] = writer.stats.num_record_batches
                piece = table.slice(offsets[d], offsets[d + 1] - offsets[d])
                writer.write_batch(piece.to_batches(max_chunksize=piece.num_rows)[0])
        written[raw_table] = (path, batch_of_day)
    tables.clear()
    return written


def day_tables(parts: list[tuple[Path, np.ndarray]], days: int
               ) -> Iterator[tuple[int, pa.Table]]:
    """Yield (day, table) for every day with rows, reading one record batch per spill and day
    (memory stays bounded by a day's rows)."""
    readers = [(ipc.open_file(pa.OSFile(str(path))), batches) for path, batches in parts]
    for d in range(days):
        pieces = [reader.get_batch(int(b[d])) for reader, b in readers if b[d] >= 0]
        if pieces:
            yield d, pa.Table.from_batches(pieces).drop_columns([DAY])


def encode(entity: Entity, table: pa.Table) -> bytes:
    """File bytes of one batch in the entity's format (deterministic)."""
    if entity.file_format == "csv":
        sink = io.BytesIO()
        pacsv.write_csv(table, sink, pacsv.WriteOptions(delimiter=entity.csv_delimiter))
        return sink.getvalue()
    if entity.file_format == "parquet":
        sink = io.BytesIO()
        pq.write_table(table, sink, compression="zstd", store_schema=False)
        return sink.getvalue()
    return _jsonl(table)


def _json_value(array: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    kind = array.type
    if pa.types.is_string(kind):
        escaped = pc.replace_substring(array, "\\", "\\\\")
        escaped = pc.replace_substring(escaped, '"', '\\"')
        text = pc.binary_join_element_wise('"', escaped, '"', "")
    elif pa.types.is_boolean(kind):
        text = pc.if_else(array, "true", "false")
    else:
        text = pc.cast(array, pa.string())
    return pc.fill_null(text, "null")


def _jsonl(table: pa.Table) -> bytes:
    """Bytes of pre-rendered JSON lines (one ``_line`` string column)."""
    lines = table[LINE].combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset:]
    data = lines.buffers()[2]
    return data.to_pybytes()[offsets[0]:offsets[len(lines)]]


def _json_lines(table: pa.Table) -> pa.Array:
    """One JSON object per row, each ending in a newline."""
    parts: list[pa.Array] = []
    for i, name in enumerate(table.column_names):
        prefix = ("{" if i == 0 else ",") + json.dumps(name) + ":"
        parts.append(pa.scalar(prefix))
        parts.append(_json_value(table[name]))
    parts.append(pa.scalar("}\n"))
    lines = pc.binary_join_element_wise(*parts, "")
    return lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines


@dataclass
class FileRecord:
    path: str
    rows: int
    bytes: int
    sha256: str


def write_file(root: Path, relative: str, payload: bytes, rows: int) -> FileRecord:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    return FileRecord(relative, rows, len(payload), hashlib.sha256(payload).hexdigest())


def write_manifest(root: Path, records: list[FileRecord], parameters: dict[str, Any]) -> None:
    """``_manifest.json``: written last; its presence marks a complete data set."""
    manifest = {
        "generator": "kundresa simulator",
        "parameters": parameters,
        "files": [r.__dict__ for r in sorted(records, key=lambda r: r.path)],
    }
    (root / "_manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def replace_dir(staging: Path, out: Path) -> None:
    """Move the finished ``staging`` folder to ``out``, replacing an earlier data set."""
    if out.exists():
        trash = out.with_name(f".{out.name}.old-{staging.name}")
        out.rename(trash)
        staging.rename(out)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        staging.rename(out)
