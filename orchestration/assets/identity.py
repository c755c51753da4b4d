"""Dagster assets ``marts.customer_identity_map`` and ``marts.customer_key_history``.

Reads ``intermediate.int_identity_records`` (and ``int_identity_links`` when it exists) through
the ``duckdb`` resource, resolves identities (orchestration/identity) with the previous map as
the key anchor, replaces the identity map and appends this run's key changes to the history,
in one transaction. Metadata: records in, clusters out, merge rate, largest cluster, capped
key values; a check asserts every input record is mapped exactly once.
"""

# no `from __future__ import annotations`: Dagster reads resource types from the signature
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import Field

from orchestration.identity.config import IdentityConfig

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from orchestration.identity.resolve import IdentityResult

MAP_KEY = dg.AssetKey(["marts", "customer_identity_map"])
HISTORY_KEY = dg.AssetKey(["marts", "customer_key_history"])
RECORDS_KEY = dg.AssetKey(["intermediate", "int_identity_records"])
LINKS_KEY = dg.AssetKey(["intermediate", "int_identity_links"])

MAP_DDL = """
create or replace table marts.customer_identity_map (
    source_system varchar not null,
    source_record_id varchar not null,
    customer_key varchar not null,
    match_rule varchar not null,
    match_probability double,
    is_identity_weak boolean not null,
    cluster_size bigint not null
)
"""
HISTORY_DDL = """
create table if not exists marts.customer_key_history (
    old_customer_key varchar not null,
    new_customer_key varchar not null,
    reason varchar not null,
    run_id varchar not null,
    changed_at timestamptz not null
)
"""
METADATA_FIGURES = (
    "records_in",
    "clusters_out",
    "merge_rate",
    "largest_cluster",
    "capped_key_values",
    "capped_email_records",
    "capped_phone_records",
    "shared_email_values",
    "shared_phone_values",
    "links_in",
    "links_unresolved",
    "links_capped_records",
    "weak_records",
    "probabilistic_records",
    "probabilistic_edges",
    "reclustered_oversized_clusters",
    "seconds",
)


class IdentityResolutionConfig(dg.Config):
    """Run settings of identity resolution (defaults: orchestration/identity/config.py)."""

    match_threshold: float = Field(
        default=IdentityConfig.match_threshold, gt=0.0, lt=1.0,
        description="Splink match probability at or above which two records are linked.",
    )
    max_records_per_key: int = Field(
        default=IdentityConfig.max_records_per_key, ge=2,
        description="A key value (e-mail, phone) shared by more records is not used as a link.",
    )
    probabilistic: bool = Field(
        default=True, description="Run Splink (off: deterministic links only)."
    )


def _table_exists(con: "duckdb.DuckDBPyConnection", schema: str, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_schema = ? "
        "and table_name = ?", [schema, table]
    ).fetchall()[0][0])


def _read(con: "duckdb.DuckDBPyConnection", sql: str) -> "pa.Table":
    return con.sql(sql).to_arrow_table()


def read_inputs(con: "duckdb.DuckDBPyConnection") -> dict[str, Any]:
    """Records, links, previous map and used keys from the warehouse."""
    if not _table_exists(con, "intermediate", "int_identity_records"):
        raise dg.Failure(
            "intermediate.int_identity_records does not exist: build the dbt staging layer "
            "(models/intermediate/identity) before identity resolution"
        )
    inputs: dict[str, Any] = {
        "records": _read(con, "select * from intermediate.int_identity_records"),
        "links": None,
        "previous": None,
        "used_keys": set(),
    }
    if _table_exists(con, "intermediate", "int_identity_links"):
        inputs["links"] = _read(con, "select * from intermediate.int_identity_links")
    if _table_exists(con, "marts", "customer_identity_map"):
        inputs["previous"] = _read(
            con,
            "select source_system, source_record_id, customer_key "
            "from marts.customer_identity_map",
        )
        inputs["used_keys"] |= set(inputs["previous"]["customer_key"].to_pylist())
    if _table_exists(con, "marts", "customer_key_history"):
        for column in ("old_customer_key", "new_customer_key"):
            inputs["used_keys"] |= {
                row[0] for row in con.execute(
                    f"select distinct {column} from marts.customer_key_history"
                ).fetchall()
            }
    return inputs


def write_outputs(con: "duckdb.DuckDBPyConnection", result: "IdentityResult") -> None:
    """Replace the identity map and append the key history, atomically."""
    import pyarrow as pa

    identity_map = pa.Table.from_pandas(result.identity_map, preserve_index=False)
    history = pa.Table.from_pandas(result.key_history, preserve_index=False)
    con.register("identity_map_arrow", identity_map)
    con.register("key_history_arrow", history)
    con.execute("create schema if not exists marts")
    con.execute("begin transaction")
    try:
        con.execute(MAP_DDL)
        con.execute("insert into marts.customer_identity_map select * from identity_map_arrow")
        con.execute(HISTORY_DDL)
        if history.num_rows:
            con.execute(
                "insert into marts.customer_key_history select old_customer_key, "
                "new_customer_key, reason, run_id, changed_at from key_history_arrow"
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            MAP_KEY,
            deps=[RECORDS_KEY, LINKS_KEY],
            group_name="identity",
            kinds={"python", "duckdb"},
            description="Every source identity record → stable customer_key, with match "
            "evidence (e-mail, phone, source link, Splink probability, singleton).",
        ),
        dg.AssetSpec(
            HISTORY_KEY,
            deps=[RECORDS_KEY, LINKS_KEY],
            group_name="identity",
            kinds={"python", "duckdb"},
            description="Customer-key changes when clusters merge or split (old → new key).",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "every_record_mapped_once",
            asset=MAP_KEY,
            description="One identity-map row per input identity record, none lost.",
        )
    ],
    pool="duckdb_writer",
    name="identity_resolution",
)
def identity_resolution(
    context: dg.AssetExecutionContext, config: IdentityResolutionConfig, duckdb: DuckDBResource
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    from orchestration.identity.resolve import resolve_identities

    with duckdb.get_connection() as con:
        inputs = read_inputs(con)
    result = resolve_identities(
        inputs["records"],
        links=inputs["links"],
        previous=inputs["previous"],
        used_keys=inputs["used_keys"],
        config=IdentityConfig(
            match_threshold=config.match_threshold,
            max_records_per_key=config.max_records_per_key,
            probabilistic=config.probabilistic,
        ),
        run_id=context.run_id,
        changed_at=datetime.now(UTC),
    )
    with duckdb.get_connection() as con:
        write_outputs(con, result)
        mapped, distinct = con.execute(
            "select count(*), count(distinct (source_system, source_record_id)) "
            "from marts.customer_identity_map"
        ).fetchall()[0]
    stats = result.stats
    context.log.info(
        f"identity: {stats['records_in']:,} records → {stats['clusters_out']:,} customers "
        f"(largest {stats['largest_cluster']}, capped key values {stats['capped_key_values']})"
    )
    metadata = {name: stats[name] for name in METADATA_FIGURES if name in stats}
    metadata["probabilistic"] = str(stats.get("probabilistic"))
    metadata["match_rules"] = dg.MetadataValue.json(stats["match_rules"])
    yield dg.MaterializeResult(asset_key=MAP_KEY, metadata=metadata)
    yield dg.MaterializeResult(
        asset_key=HISTORY_KEY,
        metadata={"changes_this_run": len(result.key_history),
                  "key_changes": dg.MetadataValue.json(stats["key_changes"])},
    )
    yield dg.AssetCheckResult(
        asset_key=MAP_KEY,
        check_name="every_record_mapped_once",
        passed=bool(mapped == distinct == stats["records_in"]),
        metadata={"records_in": stats["records_in"], "mapped_rows": mapped,
                  "distinct_records": distinct},
    )
