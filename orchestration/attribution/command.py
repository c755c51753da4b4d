"""`kundresa attribute`: attribution on a path summary file (same model code as the pipeline).

    kundresa attribute --paths paths.csv --out credits.csv [--model markov] [--model linear]

The paths file (CSV or Parquet, by extension) has one row per distinct path: ``path`` as
``a > b > c``, ``conversions``, ``non_conversions`` and optionally ``value`` (the paths' total
conversion value); ChannelAttribution's ``total_conversions`` / ``total_null`` /
``total_conversion_value`` and Fractribution's ``total_non_conversions`` are accepted too. The
output (CSV or Parquet, by extension) has one row per model and channel: attributed conversions,
value and share, and the Markov removal effect.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa

from orchestration.attribution.engine import MODELS, AttributionConfig
from orchestration.attribution.fractribution import TRANSFORMS
from orchestration.cli import UserError

ALIASES: dict[str, tuple[str, ...]] = {
    "path": ("path",),
    "conversions": ("conversions", "total_conversions"),
    "non_conversions": ("non_conversions", "total_non_conversions", "total_null"),
    "value": ("value", "total_conversion_value", "conversion_value"),
}


def configure(parser: argparse.ArgumentParser) -> None:
    defaults = AttributionConfig()
    parser.add_argument("--paths", type=Path, required=True, help="path summary (.csv/.parquet)")
    parser.add_argument("--out", type=Path, required=True, help="channel credits (.csv/.parquet)")
    parser.add_argument(
        "--model", action="append", choices=MODELS, help="model to run (repeatable; default: all)"
    )
    parser.add_argument(
        "--half-life",
        type=float,
        default=defaults.half_life_touches,
        help="time-decay half-life in touches (default %(default)s)",
    )
    parser.add_argument(
        "--position-weights",
        default="0.4,0.4",
        metavar="FIRST,LAST",
        help="position-based shares of first and last touch (default 0.4,0.4)",
    )
    parser.add_argument(
        "--markov-order",
        type=int,
        default=defaults.markov_order,
        help="Markov chain order k (default %(default)s)",
    )
    parser.add_argument(
        "--fractribution-transform",
        choices=tuple(TRANSFORMS),
        default=defaults.fractribution_transform,
        help="Fractribution path transform (default %(default)s)",
    )
    parser.add_argument(
        "--direct-channels",
        default=",".join(defaults.direct_channels),
        help="comma-separated channels last non-direct skips (default direct)",
    )
    parser.add_argument(
        "--collapse-repeats",
        action="store_true",
        help="collapse consecutive repeats of a channel before attributing",
    )
    parser.add_argument(
        "--drop-channels", default="", help="comma-separated channels removed from every path first"
    )


def _config(args: argparse.Namespace) -> AttributionConfig:
    try:
        first, last = (float(part) for part in args.position_weights.split(","))
    except ValueError as error:
        raise UserError(
            f"--position-weights needs FIRST,LAST numbers, got {args.position_weights!r}"
        ) from error
    config = AttributionConfig(
        direct_channels=tuple(_names(args.direct_channels)),
        half_life_touches=args.half_life,
        position_first=first,
        position_last=last,
        markov_order=args.markov_order,
        fractribution_transform=args.fractribution_transform,
    )
    try:
        config.validate()
    except ValueError as error:
        raise UserError(str(error)) from error
    return config


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def read_paths_file(path: Path) -> pa.Table:
    """The paths file with columns path, conversions, non_conversions[, value] (renamed from the
    accepted aliases); UserError when it cannot be read or lacks a column."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if not path.is_file():
        raise UserError(f"paths file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            table = pq.read_table(path)
        elif suffix == ".csv":
            # numbers read as text, so a bad cell is reported with its row, not as a type error
            table = pacsv.read_csv(
                path,
                convert_options=pacsv.ConvertOptions(
                    column_types={name: pa.string() for names in ALIASES.values() for name in names}
                ),
            )
        else:
            raise UserError(
                f"paths file {path}: expected .csv or .parquet, got {suffix or 'no suffix'}"
            )
    except (pa.ArrowInvalid, OSError) as error:
        raise UserError(f"cannot read paths file {path}: {error}") from error
    columns: dict[str, pa.ChunkedArray] = {}
    for name, aliases in ALIASES.items():
        found = [alias for alias in aliases if alias in table.column_names]
        if found:
            columns[name] = table[found[0]]
        elif name != "value":
            raise UserError(
                f"paths file {path} lacks a {name!r} column (has: {', '.join(table.column_names)})"
            )
    return pa.table(columns)


def to_numbers(column: pa.ChunkedArray, name: str) -> np.ndarray:
    """A column as float64 (nulls → NaN, reported later with their row); PathError naming the
    first cell that is text but no number."""
    import pyarrow.compute as pc

    from orchestration.attribution.paths import PathError

    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        try:
            return pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
            raise PathError(f"{name}: column of type {column.type} is not numeric") from error
    try:
        return pc.cast(pc.utf8_trim_whitespace(column), pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        for row, cell in enumerate(column.to_pylist(), start=1):
            if cell is None:
                continue
            try:
                float(cell)
            except ValueError as error:
                shown = cell.strip()[:40]
                problem = "is missing" if not shown else f"is not a number ({shown!r})"
                raise PathError(f"row {row}: {name} {problem}") from error
        raise


def execute(args: argparse.Namespace) -> int:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from orchestration.attribution.engine import attribute_paths
    from orchestration.attribution.paths import (
        PathError,
        collapse_repeats,
        drop_channels,
        parse_paths,
    )

    config = _config(args)
    if args.out.suffix.lower() not in (".csv", ".parquet"):
        raise UserError(f"--out {args.out}: expected .csv or .parquet")
    table = read_paths_file(args.paths)
    try:
        paths = parse_paths(
            table["path"],
            to_numbers(table["conversions"], "conversions"),
            to_numbers(table["non_conversions"], "non_conversions"),
            to_numbers(table["value"], "value") if "value" in table.column_names else None,
        )
    except PathError as error:
        raise UserError(f"{args.paths}: {error}") from error
    if args.drop_channels:
        paths = drop_channels(paths, _names(args.drop_channels))
    if args.collapse_repeats:
        paths = collapse_repeats(paths)
    try:
        result = attribute_paths(paths, args.model, config)
    except ValueError as error:
        raise UserError(str(error)) from error
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.suffix.lower() == ".parquet":
        pq.write_table(result, args.out)
    else:
        pacsv.write_csv(result, args.out)
    unattributed = float(paths.conversions[paths.lengths == 0].sum())
    print(
        f"attributed {float(paths.conversions[paths.lengths > 0].sum()):,.0f} conversions on "
        f"{paths.n_paths:,} paths and {len(paths.channels)} channels with "
        f"{result.num_rows // max(len(paths.channels), 1)} model(s) → {args.out}"
        + (f"; {unattributed:,.0f} conversions had no touch left" if unattributed else "")
    )
    return 0
