"""One entry point for identity resolution, used by the Dagster asset, the CLI and the bench."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from orchestration.identity.clustering import cluster, components
from orchestration.identity.config import IdentityConfig
from orchestration.identity.deterministic import build_deterministic_edges
from orchestration.identity.keys import assign_keys
from orchestration.identity.probabilistic import ELIGIBLE, add_probabilistic_edges
from orchestration.identity.records import (
    normalise_links,
    normalise_previous,
    normalise_records,
)

MAP_COLUMNS: tuple[str, ...] = (
    "source_system",
    "source_record_id",
    "customer_key",
    "match_rule",
    "match_probability",
    "is_identity_weak",
    "cluster_size",
)
# a record's match rule is its strongest link into the cluster
RULE_PRIORITY: dict[str, int] = {"email": 1, "phone": 2, "source_link": 3, "probabilistic": 4}

Table = pd.DataFrame | pa.Table


@dataclass
class IdentityResult:
    """The identity map (one row per input record), this run's key history and run figures."""

    identity_map: pd.DataFrame
    key_history: pd.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)


def resolve_identities(
    records: Table,
    links: Table | None = None,
    previous: Table | None = None,
    used_keys: Iterable[str] = (),
    config: IdentityConfig | None = None,
    run_id: str | None = None,
    changed_at: datetime | None = None,
) -> IdentityResult:
    """Resolve identity records into customers.

    records: the int_identity_records columns (see records.RECORD_COLUMNS). links: optional
    explicit cross-system links. previous: the previous identity map (keys to keep stable).
    used_keys: keys issued in earlier runs (from the key history), never re-issued.
    """
    config = config or IdentityConfig()
    run_id = run_id or uuid.uuid4().hex
    changed_at = changed_at or datetime.now(UTC)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    con = duckdb.connect()
    try:
        con.register("input_records", _arrow(records))
        stats = normalise_records(con, "input_records")
        if links is not None:
            con.register("input_links", _arrow(links))
            stats |= normalise_links(con, "input_links")
        timings["validate_seconds"] = time.perf_counter() - started

        phase = time.perf_counter()
        stats |= build_deterministic_edges(con, config, has_links=links is not None)
        n = stats["records_in"]
        left, right, _, _ = _edges(con)
        precluster = components(n, left, right)
        con.register("precluster_arrow", pa.table({
            "record_index": np.arange(n, dtype=np.int64), "precluster": precluster,
        }))
        con.execute("create or replace temp table precluster as select * from precluster_arrow")
        timings["deterministic_seconds"] = time.perf_counter() - phase

        phase = time.perf_counter()
        stats |= add_probabilistic_edges(con, "precluster", config)
        timings["probabilistic_seconds"] = time.perf_counter() - phase

        phase = time.perf_counter()
        left, right, rule, probability = _edges(con)
        clusters = cluster(n, left, right, rule != "probabilistic", config.max_cluster_records)
        rules, probabilities = _match_evidence(n, clusters.label, left, right, rule, probability)
        weak = (clusters.size == 1) & ~_has_usable_identifier(con, n)
        rules[clusters.size == 1] = "singleton"
        probabilities[clusters.size == 1] = np.nan
        timings["clustering_seconds"] = time.perf_counter() - phase

        phase = time.perf_counter()
        ids = con.execute(
            "select source_system, source_record_id from records order by record_index"
        ).fetch_df()
        previous_map = pd.DataFrame({"record_index": pd.Series(dtype="int64"),
                                     "customer_key": pd.Series(dtype=object)})
        if previous is not None:
            con.register("input_previous", _arrow(previous))
            normalise_previous(con, "input_previous")
            previous_map = con.execute("select * from previous order by record_index").fetch_df()
        keys, history = assign_keys(
            clusters.label,
            ids["source_system"].to_numpy(dtype=object),
            ids["source_record_id"].to_numpy(dtype=object),
            previous_map,
            used_keys,
            run_id,
            changed_at,
        )
        timings["keys_seconds"] = time.perf_counter() - phase
    finally:
        con.close()

    identity_map = pd.DataFrame({
        "source_system": ids["source_system"].astype(object),
        "source_record_id": ids["source_record_id"].astype(object),
        "customer_key": keys,
        "match_rule": rules,
        "match_probability": probabilities,
        "is_identity_weak": weak,
        "cluster_size": clusters.size.astype(np.int64),
    })[list(MAP_COLUMNS)]
    clusters_out = len(np.unique(clusters.label)) if n else 0
    stats |= {
        "run_id": run_id,
        "clusters_out": clusters_out,
        "merge_rate": round(1 - clusters_out / n, 4) if n else 0.0,
        "largest_cluster": int(clusters.size.max()) if n else 0,
        "capped_key_values": stats["capped_email_values"] + stats["capped_phone_values"],
        "reclustered_oversized_clusters": clusters.reclustered,
        "oversized_clusters": clusters.oversized,
        "weak_records": int(weak.sum()),
        "match_rules": identity_map["match_rule"].value_counts().sort_index().to_dict(),
        "key_changes": history["reason"].value_counts().sort_index().to_dict(),
        "seconds": round(time.perf_counter() - started, 2),
        **{name: round(value, 2) for name, value in timings.items()},
    }
    return IdentityResult(identity_map=identity_map, key_history=history, stats=stats)


def _arrow(table: Table) -> pa.Table:
    """Arrow for DuckDB (pandas object columns of nulls do not register reliably)."""
    return pa.Table.from_pandas(table, preserve_index=False) if isinstance(table, pd.DataFrame) \
        else table


def _edges(con: duckdb.DuckDBPyConnection) -> tuple[np.ndarray, ...]:
    table = con.sql("select left_index, right_index, rule, probability from edges").to_arrow_table()
    return (
        table["left_index"].to_numpy().astype(np.int64),
        table["right_index"].to_numpy().astype(np.int64),
        np.asarray(table["rule"].to_pylist(), dtype=object),
        table["probability"].to_numpy().astype(np.float64),
    )


def _match_evidence(n: int, label: np.ndarray, left: np.ndarray, right: np.ndarray,
                    rule: np.ndarray, probability: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per record: the strongest rule among its links kept inside its cluster, and its score."""
    kept = label[left] == label[right]
    ends = np.concatenate([left[kept], right[kept]])
    priority = np.array([RULE_PRIORITY[r] for r in rule[kept]], dtype=np.int64)
    priority = np.concatenate([priority, priority])
    score = np.concatenate([probability[kept], probability[kept]])
    best_priority = np.full(n, 99, dtype=np.int64)
    np.minimum.at(best_priority, ends, priority)
    best_score = np.full(n, -1.0)
    chosen = priority == best_priority[ends]
    np.maximum.at(best_score, ends[chosen], score[chosen])
    names = {v: k for k, v in RULE_PRIORITY.items()} | {99: "singleton"}
    rules = np.array([names[p] for p in best_priority.tolist()], dtype=object)
    return rules, np.where(best_score < 0, np.nan, best_score)


def _has_usable_identifier(con: duckdb.DuckDBPyConnection, n: int) -> np.ndarray:
    """True where a record has an uncapped e-mail/phone, an explicit link or linkable attributes."""
    usable = con.sql(
        f"""
        select record_index from records where {ELIGIBLE}
        union
        select left_index from edges where rule = 'source_link'
        union
        select right_index from edges where rule = 'source_link'
        union
        select k.record_index
        from key_values as k
        anti join (select rule, key_value from key_groups where is_capped) as g
            on g.rule = k.rule and g.key_value = k.key_value
        """
    ).to_arrow_table()["record_index"].to_numpy()
    flags = np.zeros(n, dtype=bool)
    flags[usable] = True
    return flags
