"""Channel paths as integer-encoded arrays, parsing of ``a > b > c`` strings, path transforms.

A :class:`PathTable` holds many paths in compressed-row form: ``codes`` is every touch's channel
code, path ``i`` is ``codes[offsets[i]:offsets[i + 1]]``. Channel codes index ``channels``, which
is sorted, so the encoding (and everything computed from it) does not depend on row order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SEPARATOR = ">"


class PathError(ValueError):
    """Invalid path data; the message names the row (1-based) and the problem."""


@dataclass(frozen=True)
class PathTable:
    """Distinct paths with their outcome counts.

    channels: sorted channel names; codes index into it.
    offsets: int64, length n_paths + 1; path i is codes[offsets[i]:offsets[i + 1]].
    codes: int32 channel code of every touch, paths concatenated in order.
    conversions, non_conversions: float64 per path (counts; may be fractional weights).
    value: float64 per path, the total conversion value of the path's conversions.
    """

    channels: tuple[str, ...]
    offsets: np.ndarray
    codes: np.ndarray
    conversions: np.ndarray
    non_conversions: np.ndarray
    value: np.ndarray

    @property
    def n_paths(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def path_index(self) -> np.ndarray:
        """Path number of every touch (int64, same length as codes)."""
        return np.repeat(np.arange(self.n_paths, dtype=np.int64), self.lengths)

    def path_strings(self) -> list[str]:
        """Paths back as ``a > b > c`` strings (empty string for an empty path)."""
        names = np.asarray(self.channels, dtype=object)
        tokens = names[self.codes].tolist()
        offsets = self.offsets.tolist()
        sep = f" {SEPARATOR} "
        return [sep.join(tokens[offsets[i] : offsets[i + 1]]) for i in range(self.n_paths)]


def parse_paths(
    paths: Sequence[str] | pa.Array | pa.ChunkedArray,
    conversions: Sequence[float] | np.ndarray,
    non_conversions: Sequence[float] | np.ndarray,
    value: Sequence[float] | np.ndarray | None = None,
) -> PathTable:
    """Parse ``a > b > c`` strings and their counts into a :class:`PathTable`.

    Raises PathError naming the first bad row: null or empty path, empty channel name, missing,
    non-finite or negative count or value.
    """
    array = paths if isinstance(paths, pa.ChunkedArray | pa.Array) else pa.array(paths)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        array = array.cast(pa.string())
    n = len(array)
    if array.null_count:
        _fail(pc.is_null(array), "path is missing")
    lengths, indices, trimmed = _tokenise(array)
    if "" in trimmed:
        empty_codes = [code for code, name in enumerate(trimmed) if name == ""]
        token = int(np.argmax(np.isin(indices, empty_codes)))
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        row = int(np.searchsorted(offsets, token, side="right")) - 1
        whole = str(array[row].as_py()).strip()
        problem = "path is empty" if not whole else f"empty channel name in path {whole!r}"
        raise PathError(f"row {row + 1}: {problem}")
    names = sorted(set(trimmed))
    code_of = {name: code for code, name in enumerate(names)}
    remap = np.array([code_of[name] for name in trimmed], dtype=np.int32)
    codes = remap[indices] if len(indices) else np.zeros(0, dtype=np.int32)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return PathTable(
        channels=tuple(names),
        offsets=offsets,
        codes=codes,
        conversions=_counts(conversions, n, "conversions"),
        non_conversions=_counts(non_conversions, n, "non_conversions"),
        value=np.zeros(n) if value is None else _counts(value, n, "value"),
    )


_PARALLEL_ROWS = 200_000  # above this many paths, split and encode in two threads


def _tokenise(array: pa.Array) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(tokens per path, dictionary index of every token, trimmed dictionary). Arrow kernels
    release the GIL, so large inputs are split and encoded in two threads, then merged."""
    if len(array) < _PARALLEL_ROWS:
        return _tokenise_part(array)
    from concurrent.futures import ThreadPoolExecutor

    half = len(array) // 2
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = list(pool.map(_tokenise_part, [array.slice(0, half), array.slice(half)]))
    names = sorted({name for _, _, part_names in parts for name in part_names})
    position = {name: code for code, name in enumerate(names)}
    lengths, indices = [], []
    for part_lengths, part_indices, part_names in parts:
        remap = np.array([position[name] for name in part_names], dtype=np.int32)
        lengths.append(part_lengths)
        indices.append(remap[part_indices] if len(part_indices) else part_indices)
    return np.concatenate(lengths), np.concatenate(indices), names


def _tokenise_part(array: pa.Array) -> tuple[np.ndarray, np.ndarray, list[str]]:
    split = pc.split_pattern(array, SEPARATOR)
    lengths = pc.list_value_length(split).to_numpy(zero_copy_only=False).astype(np.int64)
    # encode the raw tokens first, then trim the (few) distinct names, not every token
    encoded = split.flatten().dictionary_encode()
    indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32)
    return lengths, indices, pc.utf8_trim_whitespace(encoded.dictionary).to_pylist()


def _counts(values: Sequence[float] | np.ndarray, n: int, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (n,):
        raise PathError(f"{name}: expected {n} values, got {array.size}")
    bad = ~np.isfinite(array)
    if bad.any():
        raise PathError(f"row {int(np.argmax(bad)) + 1}: {name} is missing or not a number")
    if (array < 0).any():
        row = int(np.argmax(array < 0))
        raise PathError(f"row {row + 1}: {name} is negative ({array[row]:g})")
    return array


def _fail(mask: pa.Array, problem: str) -> None:
    row = int(np.argmax(mask.to_numpy(zero_copy_only=False)))
    raise PathError(f"row {row + 1}: {problem}")


def _keep_touches(table: PathTable, keep: np.ndarray) -> PathTable:
    """The table with only the touches where keep is True (paths may become empty)."""
    kept_lengths = np.bincount(table.path_index()[keep], minlength=table.n_paths).astype(np.int64)
    offsets = np.zeros(table.n_paths + 1, dtype=np.int64)
    np.cumsum(kept_lengths, out=offsets[1:])
    return PathTable(
        table.channels,
        offsets,
        table.codes[keep],
        table.conversions,
        table.non_conversions,
        table.value,
    )


def _path_starts(table: PathTable) -> np.ndarray:
    starts = np.zeros(len(table.codes), dtype=bool)
    nonempty = table.lengths > 0
    starts[table.offsets[:-1][nonempty]] = True
    return starts


def collapse_repeats(table: PathTable) -> PathTable:
    """Collapse consecutive repeats of a channel: ``a > a > b > a`` → ``a > b > a``."""
    codes = table.codes
    keep = _path_starts(table)
    keep[1:] |= codes[1:] != codes[:-1]
    if len(codes):
        keep[0] = True
    return _keep_touches(table, keep)


def first_occurrences(table: PathTable) -> PathTable:
    """Keep each channel's first touch only: ``a > b > a > c`` → ``a > b > c``."""
    key = table.path_index() * max(len(table.channels), 1) + table.codes
    _, first = np.unique(key, return_index=True)
    keep = np.zeros(len(table.codes), dtype=bool)
    keep[first] = True
    return _keep_touches(table, keep)


def drop_channels(table: PathTable, channels: Iterable[str]) -> PathTable:
    """Remove every touch of the named channels and the channels themselves.

    Paths made only of dropped channels become empty; their conversions stay in the table and
    the engine reports them as unattributed. Unknown names are ignored (a channel may simply
    not occur in this period).
    """
    dropped = set(channels)
    kept_names = tuple(name for name in table.channels if name not in dropped)
    if len(kept_names) == len(table.channels):
        return table
    remap = np.full(len(table.channels), -1, dtype=np.int32)
    for new_code, name in enumerate(kept_names):
        remap[table.channels.index(name)] = new_code
    new_codes = remap[table.codes]
    keep = new_codes >= 0
    reduced = _keep_touches(table, keep)
    return PathTable(
        kept_names,
        reduced.offsets,
        new_codes[keep],
        table.conversions,
        table.non_conversions,
        table.value,
    )


def path_string_array(table: PathTable) -> pa.Array:
    """Paths as an Arrow string array of ``a > b > c`` (vectorised; empty string for no touches)."""
    names = pa.array(table.channels, type=pa.string()).take(pa.array(table.codes))
    if table.offsets[-1] < 2**31:
        lists = pa.ListArray.from_arrays(pa.array(table.offsets, type=pa.int32()), names)
    else:
        lists = pa.LargeListArray.from_arrays(pa.array(table.offsets, type=pa.int64()), names)
    return pc.binary_join(lists, f" {SEPARATOR} ")


def reorder(table: PathTable, order: np.ndarray) -> PathTable:
    """The table with its paths in the given order (a permutation or selection of path rows)."""
    order = np.asarray(order, dtype=np.int64)
    lengths = table.lengths[order]
    offsets = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    # old index of every touch = new index + (old start - new start) of its path
    shift = np.repeat(table.offsets[:-1][order] - offsets[:-1], lengths)
    shift += np.arange(int(offsets[-1]), dtype=np.int64)
    return PathTable(
        table.channels,
        offsets,
        table.codes[shift],
        table.conversions[order],
        table.non_conversions[order],
        table.value[order],
    )


_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def path_hashes(table: PathTable) -> np.ndarray:
    """A 64-bit polynomial hash of every path's channel sequence (uint64; 0 for empty paths)."""
    lengths = table.lengths
    hashes = np.zeros(table.n_paths, dtype=np.uint64)
    if len(table.codes) == 0:
        return hashes
    position = np.arange(len(table.codes), dtype=np.int64)
    position -= np.repeat(table.offsets[:-1], lengths)
    powers = np.cumprod(np.full(int(lengths.max()), _HASH_MULTIPLIER, dtype=np.uint64))
    with np.errstate(over="ignore"):
        terms = (table.codes.astype(np.uint64) + np.uint64(1)) * powers[position]
    nonempty = lengths > 0
    hashes[nonempty] = np.add.reduceat(terms, table.offsets[:-1][nonempty])
    return hashes


def canonical(table: PathTable) -> PathTable:
    """Paths sorted by (hash of the path, length, conversions, non-conversions, value): the same
    rows in any input order give the same table, so every float sum downstream runs in the same
    order (two different paths with equal hash and equal counts — odds about n²/2^64 — keep
    their input order)."""
    return reorder(table, summation_order(table))


def summation_order(table: PathTable) -> np.ndarray:
    """The path order of :func:`canonical` without moving any touch: summing per-path figures
    in this order gives the same floats whatever the input row order."""
    hashes = path_hashes(table)
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    if len(ordered) > 1 and (ordered[1:] == ordered[:-1]).any():
        order = np.lexsort(
            (table.value, table.non_conversions, table.conversions, table.lengths, hashes)
        )
    return order


_EXACT_FLOAT = 2.0**53


def has_integral_counts(table: PathTable) -> bool:
    """True when conversions and non-conversions are whole numbers whose totals stay below 2^53:
    every sum of them is then exact, so fits on the table do not depend on its row order."""
    for counts in (table.conversions, table.non_conversions):
        if counts.sum() >= _EXACT_FLOAT or not np.array_equal(counts, np.floor(counts)):
            return False
    return True


def order_free(table: PathTable) -> PathTable:
    """The table itself when fits on it cannot depend on row order (integral counts), else the
    :func:`canonical` table (float sums of fractional weights depend on their order)."""
    return table if has_integral_counts(table) else canonical(table)


def with_channels(table: PathTable, channels: Sequence[str]) -> PathTable:
    """Re-encode the table over a (sorted) superset of its channel names."""
    channels = tuple(channels)
    if channels == table.channels:
        return table
    index = {name: code for code, name in enumerate(channels)}
    missing = [name for name in table.channels if name not in index]
    if missing:
        raise ValueError(f"channels {missing} are not in the target channel list")
    remap = np.array([index[name] for name in table.channels], dtype=np.int32)
    return PathTable(
        channels,
        table.offsets,
        remap[table.codes] if len(remap) else table.codes,
        table.conversions,
        table.non_conversions,
        table.value,
    )
