"""Deterministic links: a shared e-mail, a shared phone, an explicit cross-system key.

Two guards keep shared key values from gluing different people together:

* giant-key guard: a key value held by more than ``max_records_per_key`` records (a
  `test@test.com`, a switchboard number), or by more than ``max_records_per_key_per_source``
  records of one profile source (CRM test customers sharing a dummy phone; sources where one
  person has many records, like call-center contacts, are exempt) is not used as a link;
* conflict guard: two named records are compatible when they share a given-name token (or
  tokens one typo apart), their first names are similar, or one has given name and surname
  swapped (records.compatible_names_sql) — and, for an e-mail
  address no two records of which show different surnames, always (one person's systems often
  show different given names: the first given name in one, the tilltalsnamn in another). When
  the compatibility
  graph of the named records behind a key value falls apart into several groups, the value is
  shared by different people (a family phone, a couple's e-mail): it then links only
  compatible records, and records without a name are not linked through it.

The links table (``left_index, right_index, link_rule``) is used as is, except that a record
with explicit links to more than ``max_records_per_key`` other records loses them (a shared
device cookie). Counts of everything guarded are returned; no key values are logged.
"""

from __future__ import annotations

from typing import Any

import duckdb

from orchestration.identity.config import IdentityConfig
from orchestration.identity.records import compatible_names_sql

KEY_RULES: dict[str, str] = {"email": "email", "phone": "phone_e164"}


def build_deterministic_edges(con: duckdb.DuckDBPyConnection, config: IdentityConfig,
                              has_links: bool) -> dict[str, Any]:
    """Create table ``edges`` (left_index, right_index, rule, probability); return counts."""
    cap = config.max_records_per_key
    repeatable = ", ".join(f"'{source}'" for source in config.repeatable_sources) or "''"
    key_selects = " union all ".join(
        f"select '{rule}' as rule, {column} as key_value, record_index, source_system, "
        f"first_name, surname, given_tokens "
        f"from records where {column} is not null"
        for rule, column in KEY_RULES.items()
    )
    con.execute(f"create or replace temp table key_values as {key_selects}")
    con.execute(
        f"""
        create or replace temp table key_groups as
        with per_source as (
            select rule, key_value, source_system, count(*) as records,
                   list_distinct(list(first_name)) as names,
                   list_distinct(list(surname)) as surnames
            from key_values
            group by rule, key_value, source_system
        ),
        final as (
            select rule, key_value, sum(records) as records,
                   len(list_distinct(flatten(list(names)))) as name_variants,
                   len(list_distinct(flatten(list(surnames)))) > 1 as has_surname_conflict,
                   sum(records) > {cap}
                       or coalesce(max(records) filter (source_system not in ({repeatable})), 0)
                           > {config.max_records_per_key_per_source} as is_capped
            from per_source
            group by rule, key_value
            having sum(records) > 1
        )
        select * from final
        """
    )
    # named pairs inside groups whose names differ: are the names compatible?
    con.execute(
        f"""
        create or replace temp table key_name_pairs as
        select a.rule, a.key_value, a.record_index as left_index, b.record_index as right_index,
               coalesce({compatible_names_sql('a', 'b')}
                   -- an e-mail address is personal: systems that show different given names
                   -- of one person (the first given name here, the tilltalsnamn there) still
                   -- share it; only different surnames behind it mean a shared address
                   or (a.rule = 'email' and not g.has_surname_conflict),
                   false)
                   as is_compatible
        from key_groups as g
        inner join key_values as a on a.rule = g.rule and a.key_value = g.key_value
        inner join key_values as b
            on b.rule = a.rule and b.key_value = a.key_value and a.record_index < b.record_index
        where not g.is_capped and g.name_variants > 1
            and a.first_name is not null and b.first_name is not null
        """
    )
    _mark_split_groups(con)
    con.execute(
        """
        create or replace temp table key_group_verdicts as
        select g.rule, g.key_value, g.records, g.is_capped,
               s.key_value is null as is_consistent
        from key_groups as g
        left join split_groups as s on s.rule = g.rule and s.key_value = g.key_value
        """
    )
    con.execute(
        """
        create or replace temp table edges as
        with consistent as (
            select v.rule, k.record_index,
                   min(k.record_index) over (partition by k.rule, k.key_value) as anchor
            from key_group_verdicts as v
            inner join key_values as k on k.rule = v.rule and k.key_value = v.key_value
            where not v.is_capped and v.is_consistent
        ),
        star as (
            select anchor as left_index, record_index as right_index, rule
            from consistent where record_index <> anchor
        ),
        shared as (
            select p.left_index, p.right_index, p.rule
            from key_name_pairs as p
            inner join key_group_verdicts as v on v.rule = p.rule and v.key_value = p.key_value
            where not v.is_consistent and p.is_compatible
        ),
        final as (
            select left_index, right_index, rule, 1.0::double as probability from star
            union all
            select left_index, right_index, rule, 1.0::double as probability from shared
        )
        select * from final
        """
    )
    stats: dict[str, Any] = {}
    for rule in KEY_RULES:
        capped, capped_records, shared = con.execute(
            f"""
            select count(*) filter (is_capped),
                   coalesce(sum(records) filter (is_capped), 0),
                   count(*) filter (not is_capped and not is_consistent)
            from key_group_verdicts where rule = '{rule}'
            """
        ).fetchall()[0]
        stats[f"capped_{rule}_values"] = capped
        stats[f"capped_{rule}_records"] = int(capped_records)
        stats[f"shared_{rule}_values"] = shared
    stats["links_capped_records"] = _add_link_edges(con, cap) if has_links else 0
    stats["deterministic_edges"] = con.execute("select count(*) from edges").fetchall()[0][0]
    return stats


def _mark_split_groups(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``split_groups`` (rule, key_value): key values whose named records fall apart.

    The named records of a key value are one person when their name-compatibility graph is
    connected: "Emma Ingrid" in the CRM joins a caller typed "Emma" and one typed "Ingrid".
    Only groups with an incompatible pair are examined (few); union-find per group.
    """
    import pyarrow as pa

    pairs = con.sql(
        """
        select p.rule, p.key_value, p.left_index, p.right_index, p.is_compatible
        from key_name_pairs as p
        semi join (select rule, key_value from key_name_pairs where not is_compatible) as c
            on c.rule = p.rule and c.key_value = p.key_value
        order by p.rule, p.key_value
        """
    ).fetchall()
    groups: dict[tuple[str, str], list[tuple[int, int, bool]]] = {}
    for rule, key_value, left, right, compatible in pairs:
        groups.setdefault((rule, key_value), []).append((left, right, compatible))
    split: list[tuple[str, str]] = []
    for group, edges in groups.items():
        parent: dict[int, int] = {}

        def find(node: int, parent: dict[int, int] = parent) -> int:
            while parent.setdefault(node, node) != node:
                parent[node] = parent[parent[node]]
                node = parent[node]
            return node

        for left, right, compatible in edges:
            find(left), find(right)
            if compatible:
                parent[find(left)] = find(right)
        if len({find(node) for node in list(parent)}) > 1:
            split.append(group)
    con.register("split_groups_arrow", pa.table({
        "rule": pa.array([g[0] for g in split], pa.string()),
        "key_value": pa.array([g[1] for g in split], pa.string()),
    }))
    con.execute("create or replace temp table split_groups as select * from split_groups_arrow")


def _add_link_edges(con: duckdb.DuckDBPyConnection, cap: int) -> int:
    """Append explicit links to ``edges``; returns how many records lost theirs to the cap."""
    con.execute(
        """
        create or replace temp table link_degree as
        select record_index, count(distinct partner) as partners
        from (
            select left_index as record_index, right_index as partner from links
            union all
            select right_index, left_index from links
        )
        group by record_index
        """
    )
    con.execute(
        f"""
        insert into edges
        select least(l.left_index, l.right_index), greatest(l.left_index, l.right_index),
               'source_link', 1.0
        from links as l
        where l.left_index <> l.right_index
            and l.left_index not in (select record_index from link_degree where partners > {cap})
            and l.right_index not in (select record_index from link_degree where partners > {cap})
        """
    )
    return con.execute(
        f"select count(*) from link_degree where partners > {cap}"
    ).fetchall()[0][0]
