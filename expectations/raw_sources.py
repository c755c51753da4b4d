"""Raw layer ``raw.<source>__<entity>`` (one Dagster asset per catalog entity).

Two suites cover every raw table at once, each rule reporting on its own table's asset:

- ``raw_schema`` on ``information_schema.columns``: required and lineage columns present,
  declared columns with the declared DuckDB types (raw_schema.py: ``timestamp`` → timestamptz);
- ``raw_row_counts`` per landing file: rows in the raw table = rows the load ledger
  (``raw._load_ledger``) says were loaded from that file.
"""

from __future__ import annotations

from typing import Any

from orchestration.quality.spec import Rule, SuiteSpec
from orchestration.sources.catalog import ENTITIES, Entity
from orchestration.sources.extract.tables import LEDGER_TABLE, LOADED_STATUSES
from orchestration.sources.raw_schema import LINEAGE_COLUMNS, RAW_SCHEMA, raw_columns

SCHEMA_SUITE = "raw_schema"
ROW_COUNT_SUITE = "raw_row_counts"

# DuckDB's information_schema spelling of the types raw tables use
_TYPE_NAMES = {"timestamptz": "TIMESTAMP WITH TIME ZONE"}


def asset_of(entity: Entity) -> tuple[str, str]:
    return (RAW_SCHEMA, entity.raw_table)


def information_schema_type(declared: str) -> str:
    """How ``information_schema.columns.data_type`` spells a raw column type."""
    return _TYPE_NAMES.get(declared, declared.upper().replace(" ", ""))


def schema_batch_sql(connection: Any = None) -> str:
    return f"""
select
    table_name as raw_table,
    column_name,
    data_type,
    column_name || ' ' || data_type as column_with_type
from information_schema.columns
where table_schema = '{RAW_SCHEMA}' and table_name not like '\\_%' escape '\\'
"""


def _schema_rules(entities: tuple[Entity, ...]) -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for entity in entities:
        this_table = ("raw_table", "==", entity.raw_table)
        required = [*entity.required_columns, *(name for name, _ in LINEAGE_COLUMNS)]
        declared = raw_columns(entity)
        rules += [
            Rule("required_columns_present", "ExpectColumnDistinctValuesToContainSet",
                 {"column": "column_name", "value_set": required}, "completeness",
                 f"{entity.raw_table} has its required and lineage columns",
                 asset=asset_of(entity), where=(this_table,)),
            Rule("declared_column_types", "ExpectColumnValuesToBeInSet",
                 {"column": "column_with_type",
                  "value_set": [f"{n} {information_schema_type(t)}" for n, t in declared]},
                 "validity", f"{entity.raw_table} columns have their declared types",
                 asset=asset_of(entity),
                 where=(this_table, ("column_name", "in", [n for n, _ in declared]))),
        ]
    return tuple(rules)


def row_count_batch_sql(connection: Any) -> str:
    """Per landing file: rows in raw vs. rows the ledger recorded as loaded (existing tables)."""
    existing = {
        row[0]
        for row in connection.execute(
            "select table_name from information_schema.tables where table_schema = ?",
            [RAW_SCHEMA],
        ).fetchall()
    }
    per_table = [
        f"select '{e.raw_table}' as raw_table, _source_file as source_file, count(*) as raw_rows"
        f" from {RAW_SCHEMA}.{e.raw_table} group by all"
        for e in ENTITIES
        if e.raw_table in existing
    ] or ["select null::varchar, null::varchar, null::bigint where false"]
    statuses = ", ".join(f"'{s}'" for s in LOADED_STATUSES)
    union = "\n    union all\n    ".join(per_table)
    return f"""
with raw_files as (
    {union}
),

ledger as (
    select
        source_system || '__' || entity as raw_table,
        source_file,
        sum(coalesce(rows_loaded, 0)) as ledger_rows
    from {LEDGER_TABLE}
    where status in ({statuses})
    group by all
),

final as (
    select
        coalesce(r.raw_table, l.raw_table) as raw_table,
        coalesce(r.source_file, l.source_file) as source_file,
        coalesce(r.raw_rows, 0) as raw_rows,
        coalesce(l.ledger_rows, 0) as ledger_rows
    from raw_files as r
    full outer join ledger as l
        on r.raw_table = l.raw_table and r.source_file = l.source_file
)

select * from final
"""


def _row_count_rules(entities: tuple[Entity, ...]) -> tuple[Rule, ...]:
    return tuple(
        Rule("rows_match_load_ledger", "ExpectColumnPairValuesToBeEqual",
             {"column_A": "raw_rows", "column_B": "ledger_rows"}, "consistency",
             f"rows per file in raw.{entity.raw_table} equal the rows the load ledger loaded",
             asset=asset_of(entity), where=(("raw_table", "==", entity.raw_table),))
        for entity in entities
    )


def specs(entities: tuple[Entity, ...] = ENTITIES) -> list[SuiteSpec]:
    """The raw-schema and raw-row-count suites over ``entities``."""
    first = asset_of(entities[0])
    return [
        SuiteSpec(
            name=SCHEMA_SUITE,
            description="raw tables have the catalog's required columns and declared types",
            batch_sql=schema_batch_sql,
            rules=_schema_rules(entities),
            key_columns=("raw_table", "column_name"),
            default_asset=first,
            columns=("information_schema.columns",),
        ),
        SuiteSpec(
            name=ROW_COUNT_SUITE,
            description="rows per landing file in raw equal the load ledger's count",
            batch_sql=row_count_batch_sql,
            rules=_row_count_rules(entities),
            key_columns=("raw_table", "source_file"),
            default_asset=first,
            relations=(LEDGER_TABLE,),
            columns=("_source_file",),
        ),
    ]


def suite() -> Any:
    """The GX ``ExpectationSuite`` of the raw schema rules (the row-count suite: ``specs()``)."""
    return specs()[0].build()
