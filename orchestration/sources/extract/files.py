"""Landing files of one entity: discovery, quick stat fingerprint, checksum and UTF-8 check."""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

from orchestration.sources.catalog import Entity

_CHUNK = 1 << 20


@dataclass(frozen=True)
class LandingFile:
    """One batch file under ``<landing>/<source>/<entity>/``."""

    path: Path  # absolute
    relative: str  # relative to the landing root, posix separators (the lineage value)
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class FileDigest:
    """Content facts of a file, read in one pass."""

    sha256: str
    encoding_error: str | None  # why the file is not valid UTF-8, else None


def discover(landing_dir: Path, entity: Entity) -> list[LandingFile]:
    """Batch files of the entity, oldest batch first; names starting with ``_`` are not data."""
    folder = landing_dir / entity.source / entity.name
    if not folder.is_dir():
        return []
    files = []
    for path in sorted(folder.glob(f"*.{entity.extension}")):
        if path.name.startswith("_") or not path.is_file():
            continue
        stat = path.stat()
        relative = path.relative_to(landing_dir).as_posix()
        files.append(LandingFile(path, relative, stat.st_size, stat.st_mtime_ns))
    return files


def digest(path: Path, check_utf8: bool) -> FileDigest:
    """SHA-256 of the file and, for text formats, whether it decodes as UTF-8."""
    sha = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")() if check_utf8 else None
    error: str | None = None
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            sha.update(chunk)
            if decoder is not None and error is None:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    error = f"not valid UTF-8 (invalid byte at offset {offset + exc.start})"
            offset += len(chunk)
    if decoder is not None and error is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            error = f"not valid UTF-8 (truncated multi-byte sequence at end, offset {offset})"
    return FileDigest(sha.hexdigest(), error)


def text_lines(path: Path, skip_header: bool) -> list[tuple[int, str]]:
    """(row number, text) of every non-blank line of an unreadable text file, decoded leniently.

    Used only for whole-file quarantine; bytes that are not UTF-8 are shown as ``\\xNN``.
    """
    with path.open("rb") as handle:
        raw_lines = handle.read().split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    rows = []
    start = 1 if skip_header else 0
    for number, raw in enumerate(raw_lines[start:], start=1):
        text = raw.rstrip(b"\r").decode("utf-8", errors="backslashreplace")
        if text.strip():
            rows.append((number, text))
    return rows


def csv_header(path: Path, delimiter: str) -> list[str]:
    """Column names from the first line of a CSV file (BOM and quotes removed)."""
    import csv

    with path.open("r", encoding="utf-8", newline="") as handle:
        first = handle.readline()
    if not first.strip():
        return []
    names = next(csv.reader([first.lstrip("\ufeff")], delimiter=delimiter))
    return [name.strip() for name in names]
