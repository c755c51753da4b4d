"""`kundresa identity`: resolve identities in a records file (same code as the Dagster asset).

    kundresa identity --input records.parquet --output clusters.parquet
        [--links links.parquet] [--previous previous_map.parquet] [--history history.parquet]

Input files are Parquet or CSV (by extension) with the int_identity_records columns; the output
is the identity map (one row per input record). Run figures are printed; no record values are.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pyarrow as pa

from orchestration.cli import UserError
from orchestration.identity.config import IdentityConfig


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", type=Path, required=True, help="identity records file")
    parser.add_argument("--output", type=Path, required=True, help="identity map (Parquet)")
    parser.add_argument("--links", type=Path, help="explicit cross-system links file")
    parser.add_argument("--previous", type=Path, help="previous identity map: keys stay stable")
    parser.add_argument("--history", type=Path, help="write this run's key changes here")
    defaults = IdentityConfig()
    parser.add_argument("--threshold", type=float, default=defaults.match_threshold,
                        help="Splink match probability to link (default %(default)s)")
    parser.add_argument("--max-records-per-key", type=int, default=defaults.max_records_per_key,
                        help="a key value shared by more records is not a link "
                             "(default %(default)s)")
    parser.add_argument("--deterministic-only", action="store_true",
                        help="skip probabilistic (Splink) matching")


def read_table(path: Path, what: str) -> pa.Table:
    """A Parquet or CSV file as an Arrow table; a clear error when it cannot be read."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if not path.is_file():
        raise UserError(f"{what} file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pq.read_table(path)
        if suffix == ".csv":
            return pacsv.read_csv(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise UserError(f"cannot read {what} file {path}: {error}") from error
    raise UserError(f"{what} file {path}: expected .parquet or .csv, got {suffix or 'no suffix'}")


def execute(args: argparse.Namespace) -> int:
    import pyarrow.parquet as pq

    from orchestration.identity.resolve import resolve_identities

    try:
        config = IdentityConfig(
            max_records_per_key=args.max_records_per_key,
            match_threshold=args.threshold,
            probabilistic=not args.deterministic_only,
        )
    except ValueError as error:
        raise UserError(str(error)) from error
    records = read_table(args.input, "records")
    links = read_table(args.links, "links") if args.links else None
    previous = read_table(args.previous, "previous map") if args.previous else None
    result = resolve_identities(records, links=links, previous=previous, config=config)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(result.identity_map, preserve_index=False), args.output)
    if args.history:
        args.history.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pandas(result.key_history, preserve_index=False),
                       args.history)
    print(json.dumps(result.stats, default=str))
    print(f"identity map: {args.output} ({len(result.identity_map):,} records, "
          f"{result.stats['clusters_out']:,} customers)")
    return 0
