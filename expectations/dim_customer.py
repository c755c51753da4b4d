"""Golden record ``marts.dim_customer``: keys, unique active e-mails, greeting name, consent.

Checked on derived columns computed in DuckDB so no personal data reaches pandas or Data Docs:
e-mails as md5 hashes, the greeting-name rule and postal-address completeness as booleans.
"""

from __future__ import annotations

from typing import Any

from orchestration.quality import config
from orchestration.quality.spec import Rule, SuiteSpec

NAME = "dim_customer"
ASSET = ("marts", "dim_customer")
RELATION = "marts.dim_customer"
COLUMNS: tuple[str, ...] = (
    "customer_key",
    "email",
    "given_names",
    "greeting_name",
    "street",
    "postal_code",
    "city",
    "country",
    "is_erased",
    "is_test_record",
    "source_record_count",
    *config.CONSENT_COLUMNS,
)
# Rules that apply to a subset of rows read a column that is null outside the subset (GX
# skips nulls): far cheaper at a million rows than GX row conditions, which re-filter the frame.
ACTIVE_SQL = "not coalesce(is_erased, false) and not coalesce(is_test_record, false)"


def batch_sql(connection: Any = None) -> str:
    consent = ",\n    ".join(config.CONSENT_COLUMNS)
    erased_consent = ",\n    ".join(
        f"case when is_erased then {c} end as {c}_when_erased" for c in config.CONSENT_COLUMNS
    )
    return f"""
with customers as (
    select
        customer_key,
        email,
        given_names,
        greeting_name,
        street,
        postal_code,
        city,
        country,
        is_erased,
        is_test_record,
        source_record_count,
        {consent},
        {ACTIVE_SQL} as is_active
    from {RELATION}
),

final as (
    select
        customer_key,
        case when is_active then md5(email) end as active_email_hash,
        is_erased,
        is_test_record,
        source_record_count,
        case when is_active then coalesce(trim(greeting_name), '') <> '' end
            as active_has_greeting_name,
        case
            when greeting_name is null or trim(greeting_name) = '' then null
            -- spelling-tolerant: the given names may carry a source's typo or lost
            -- diacritics (Pouul, Bjorn) while the greeting name is right (Poul, Björn)
            else coalesce(len(list_filter(
                regexp_split_to_array(strip_accents(lower(trim(given_names))), '\\s+'),
                lambda token: token = strip_accents(lower(trim(greeting_name)))
                    or (length(token) >= 4 and levenshtein(
                        token, strip_accents(lower(trim(greeting_name)))) <= 1)
            )) > 0, false)
        end as is_greeting_name_a_given_name,
        case when has_postal_consent then coalesce(
            nullif(trim(street), '') is not null
            and nullif(trim(postal_code), '') is not null
            and nullif(trim(city), '') is not null
            and nullif(trim(country), '') is not null,
            false
        ) end as postal_consent_address_complete,
        {consent},
        {erased_consent}
    from customers
)

select * from final
"""


def _rules() -> tuple[Rule, ...]:
    rules = [
        Rule("customer_key_present", "ExpectColumnValuesToNotBeNull", {"column": "customer_key"},
             "completeness", "every golden record has a customer_key"),
        Rule("customer_key_unique", "ExpectColumnValuesToBeUnique", {"column": "customer_key"},
             "uniqueness", "customer_key identifies one golden record"),
        Rule("email_unique_among_active", "ExpectColumnValuesToBeUnique",
             {"column": "active_email_hash", "mostly": config.MIN_UNIQUE_ACTIVE_EMAIL_SHARE},
             "uniqueness",
             "active (not erased, not test) customers do not share e-mail addresses"),
        Rule("greeting_name_is_given_name", "ExpectColumnValuesToBeInSet",
             {"column": "is_greeting_name_a_given_name", "value_set": [True],
              "mostly": config.MIN_GREETING_IS_GIVEN_NAME_SHARE}, "consistency",
             "the greeting name is one of the customer's given names"),
        Rule("greeting_name_present", "ExpectColumnValuesToBeInSet",
             {"column": "active_has_greeting_name", "value_set": [True],
              "mostly": config.MIN_GREETING_NAME_SHARE}, "completeness",
             f"at least {config.MIN_GREETING_NAME_SHARE:.0%} of active customers have a "
             "greeting name"),
        Rule("postal_address_complete", "ExpectColumnValuesToBeInSet",
             {"column": "postal_consent_address_complete", "value_set": [True],
              "mostly": config.MIN_POSTAL_ADDRESS_COMPLETE_SHARE}, "completeness",
             "customers with postal consent have street, postal code, city and country"),
        Rule("source_record_count_within_cap", "ExpectColumnValuesToBeBetween",
             {"column": "source_record_count", "min_value": 1,
              "max_value": config.CLUSTER_SIZE_CAP}, "validity",
             f"a golden record merges 1–{config.CLUSTER_SIZE_CAP} source records "
             "(more: a suspected over-merge)"),
        Rule("is_erased_present", "ExpectColumnValuesToNotBeNull", {"column": "is_erased"},
             "completeness", "is_erased is known for every customer"),
        Rule("is_test_record_present", "ExpectColumnValuesToNotBeNull",
             {"column": "is_test_record"}, "completeness",
             "is_test_record is known for every customer"),
    ]
    for column in config.CONSENT_COLUMNS:
        rules += [
            Rule(f"{column}_present", "ExpectColumnValuesToNotBeNull", {"column": column},
                 "completeness", f"{column} is set for every customer (fail closed: false)"),
            Rule(f"{column}_boolean", "ExpectColumnValuesToBeInSet",
                 {"column": column, "value_set": [True, False]}, "validity",
                 f"{column} is a boolean"),
            Rule(f"{column}_false_when_erased", "ExpectColumnValuesToBeInSet",
                 {"column": f"{column}_when_erased", "value_set": [False]}, "consistency",
                 f"erased customers have no {column}"),
        ]
    return tuple(rules)


def spec() -> SuiteSpec:
    """The dim_customer suite with its batch query."""
    return SuiteSpec(
        name=NAME,
        description="golden record fit for activation",
        batch_sql=batch_sql,
        rules=_rules(),
        key_columns=("customer_key",),
        default_asset=ASSET,
        relations=(RELATION,),
        columns=COLUMNS,
    )


def suite() -> Any:
    """The GX ``ExpectationSuite`` for ``marts.dim_customer``."""
    return spec().build()
