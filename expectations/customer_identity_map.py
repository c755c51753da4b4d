"""Identity map ``marts.customer_identity_map``: every identity record mapped exactly once.

The batch is the map fully joined to the identity input (``intermediate.int_identity_records``),
so a record the map lacks shows up with a null ``customer_key`` and a map row for an unknown
record shows up with ``is_input_record`` false. Record ids that are phone numbers (the SMS
platform keys on the msisdn) are hashed in ``record_ref``; other ids are kept as they are.
"""

from __future__ import annotations

from typing import Any

from orchestration.quality import config
from orchestration.quality.spec import Rule, SuiteSpec

NAME = "identity_map"
ASSET = ("marts", "customer_identity_map")
MAP = "marts.customer_identity_map"
RECORDS = "intermediate.int_identity_records"
COLUMNS: tuple[str, ...] = (
    "source_system",
    "source_record_id",
    "customer_key",
    "match_probability",
    "cluster_size",
)
# sources whose record id is personal data (a phone number)
HASHED_ID_SOURCES: tuple[str, ...] = ("sms",)


def batch_sql(connection: Any = None) -> str:
    hashed = ", ".join(f"'{s}'" for s in HASHED_ID_SOURCES)
    return f"""
with identity_map as (
    select source_system, source_record_id, customer_key, match_probability, cluster_size
    from {MAP}
),

records as (
    select distinct source_system, source_record_id
    from {RECORDS}
),

joined as (
    select
        coalesce(m.source_system, r.source_system) as source_system,
        coalesce(m.source_record_id, r.source_record_id) as source_record_id,
        m.customer_key,
        m.match_probability,
        m.cluster_size,
        r.source_record_id is not null as is_input_record,
        m.source_record_id is not null as is_mapped
    from identity_map as m
    full outer join records as r
        on m.source_system = r.source_system and m.source_record_id = r.source_record_id
),

final as (
    select
        source_system,
        case
            when source_system in ({hashed}) then 'md5:' || left(md5(source_record_id), 16)
            else source_record_id
        end as record_ref,
        customer_key,
        match_probability,
        cluster_size,
        case when is_mapped then count(*) over (partition by customer_key) end
            as observed_cluster_size,
        case when is_mapped then count(*) over (partition by source_system, source_record_id) end
            as times_mapped,
        is_input_record
    from joined
)

select * from final
"""


def _rules() -> tuple[Rule, ...]:
    return (
        Rule("every_record_mapped", "ExpectColumnValuesToNotBeNull", {"column": "customer_key"},
             "completeness", "every identity record has a customer_key"),
        Rule("record_mapped_once", "ExpectColumnValuesToBeInSet",
             {"column": "times_mapped", "value_set": [1]}, "uniqueness",
             "each (source_system, source_record_id) appears once in the map"),
        Rule("map_records_are_input_records", "ExpectColumnValuesToBeInSet",
             {"column": "is_input_record", "value_set": [True]}, "consistency",
             "the map holds only records of int_identity_records"),
        Rule("cluster_size_within_cap", "ExpectColumnValuesToBeBetween",
             {"column": "observed_cluster_size", "min_value": 1,
              "max_value": config.CLUSTER_SIZE_CAP}, "validity",
             f"no customer has more than {config.CLUSTER_SIZE_CAP} identity records"),
        Rule("cluster_size_consistent", "ExpectColumnPairValuesToBeEqual",
             {"column_A": "cluster_size", "column_B": "observed_cluster_size",
              "ignore_row_if": "either_value_is_missing"}, "consistency",
             "cluster_size equals the number of records mapped to the customer_key"),
        Rule("match_probability_in_range", "ExpectColumnValuesToBeBetween",
             {"column": "match_probability", "min_value": 0.0, "max_value": 1.0}, "validity",
             "match_probability is a probability"),
    )


def spec() -> SuiteSpec:
    """The identity-map suite with its batch query."""
    return SuiteSpec(
        name=NAME,
        description="identity map: every source record mapped once, no over-merged cluster",
        batch_sql=batch_sql,
        rules=_rules(),
        key_columns=("customer_key", "source_system", "record_ref"),
        default_asset=ASSET,
        relations=(MAP, RECORDS),
        columns=COLUMNS,
    )


def suite() -> Any:
    """The GX ``ExpectationSuite`` for ``marts.customer_identity_map``."""
    return spec().build()
