"""Activation ``activation.contact_plan``: consented, not suppressed, no duplicates per audience.

The batch joins each planned contact to the consent and suppression columns of
``marts.dim_customer``: ``has_channel_consent`` is the customer's consent for the planned
channel (``config.CHANNEL_CONSENT_COLUMN``; unknown channel or customer → false),
``is_suppressed`` is true for erased and test customers and for customers missing from
dim_customer. Duplicates are judged per (audience, customer_key, planned date).
"""

from __future__ import annotations

from typing import Any

from orchestration.quality import config
from orchestration.quality.spec import Rule, SuiteSpec

NAME = "contact_plan"
ASSET = ("activation", "contact_plan")
PLAN = "activation.contact_plan"
CUSTOMERS = "marts.dim_customer"
COLUMNS: tuple[str, ...] = ("customer_key", "audience", "channel", "planned_at")


def batch_sql(connection: Any = None) -> str:
    consent_case = "\n".join(
        f"            when '{channel}' then c.{column}"
        for channel, column in config.CHANNEL_CONSENT_COLUMN.items()
    )
    return f"""
with plan as (
    select customer_key, audience, channel, planned_at
    from {PLAN}
),

customers as (
    select customer_key, is_erased, is_test_record, {", ".join(config.CONSENT_COLUMNS)}
    from {CUSTOMERS}
),

final as (
    select
        p.customer_key,
        p.audience,
        p.channel,
        cast(p.planned_at as date) as planned_on,
        coalesce(case p.channel
{consent_case}
        end, false) as has_channel_consent,
        coalesce(c.is_erased or c.is_test_record, true) as is_suppressed,
        c.customer_key is not null as is_known_customer
    from plan as p
    left join customers as c on p.customer_key = c.customer_key
)

select * from final
"""


def _rules() -> tuple[Rule, ...]:
    return (
        Rule("customer_key_present", "ExpectColumnValuesToNotBeNull", {"column": "customer_key"},
             "completeness", "every planned contact names a customer"),
        Rule("customer_known", "ExpectColumnValuesToBeInSet",
             {"column": "is_known_customer", "value_set": [True]}, "consistency",
             "every planned customer exists in dim_customer"),
        Rule("channel_consented", "ExpectColumnValuesToBeInSet",
             {"column": "has_channel_consent", "value_set": [True]}, "consistency",
             "no contact is planned in a channel without the customer's consent"),
        Rule("not_suppressed", "ExpectColumnValuesToBeInSet",
             {"column": "is_suppressed", "value_set": [False]}, "consistency",
             "no erased or test customer is planned"),
        Rule("unique_per_audience", "ExpectCompoundColumnsToBeUnique",
             {"column_list": ["audience", "customer_key", "planned_on"]}, "uniqueness",
             "a customer is planned at most once per audience and day"),
        Rule("channel_known", "ExpectColumnValuesToBeInSet",
             {"column": "channel", "value_set": sorted(config.CHANNEL_CONSENT_COLUMN)},
             "validity", "the planned channel is one the consent model knows"),
    )


def spec() -> SuiteSpec:
    """The contact-plan suite with its batch query."""
    return SuiteSpec(
        name=NAME,
        description="activation contact plan: only consented, unsuppressed, deduplicated",
        batch_sql=batch_sql,
        rules=_rules(),
        key_columns=("audience", "customer_key"),
        default_asset=ASSET,
        relations=(PLAN, CUSTOMERS),
        columns=COLUMNS,
    )


def suite() -> Any:
    """The GX ``ExpectationSuite`` for ``activation.contact_plan``."""
    return spec().build()
