"""Staging models ``staging.stg_<source>__<entity>`` (one Dagster asset per model).

- one suite per model that holds people (named after the model; current versions only):
  e-mail syntax and flag consistency, E.164 phones, postal codes valid for their country, ISO
  alpha-2 countries, plausible birth dates (as age in years), consent channels/actions, and no
  event times in the future beyond ``config.FUTURE_EVENT_TOLERANCE_HOURS``;
- ``staging_event_times`` over all event models, summarised per model and day in DuckDB (they
  are the big tables): no events in the future beyond the tolerance.

Time-relative columns (age, hours ahead of now) are computed in SQL at validation time. Rules
on a subset of rows read null-masked columns (GX skips nulls) instead of GX row conditions,
which re-filter the whole frame per metric and dominate the cost at a million rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from orchestration.quality import config
from orchestration.quality.spec import Rule, SuiteSpec
from orchestration.sources.catalog import CONSENT_CHANNELS, ENTITIES

EVENT_SUITE = "staging_event_times"
SCHEMA = "staging"
MAX_CUSTOMER_AGE_YEARS = 120


@dataclass(frozen=True)
class MasterModel:
    """Which master-data columns a staging model has (None: it has none)."""

    model: str
    key: str
    event_time: str
    email: str | None = None
    phone: str | None = None
    has_postal_address: bool = False
    has_birth_date: bool = False
    is_versioned: bool = False
    is_consent: bool = False

    @property
    def asset(self) -> tuple[str, str]:
        return (SCHEMA, self.model)


MASTER_MODELS: tuple[MasterModel, ...] = (
    MasterModel("stg_crm__customers", "customer_number", "updated_at", email="email",
                phone="phone", has_postal_address=True, has_birth_date=True, is_versioned=True),
    MasterModel("stg_webshop__accounts", "account_id", "updated_at", email="email",
                phone="phone", has_postal_address=True, is_versioned=True),
    MasterModel("stg_esp__subscribers", "subscriber_id", "subscribed_at", email="email"),
    MasterModel("stg_app__users", "app_user_id", "created_at", email="email",
                is_versioned=True),
    MasterModel("stg_postal__recipients", "recipient_id", "updated_at",
                has_postal_address=True, is_versioned=True),
    MasterModel("stg_callcenter__contacts", "contact_id", "started_at", phone="phone"),
    MasterModel("stg_survey__responses", "response_id", "answered_at",
                email="respondent_email"),
    MasterModel("stg_consent__erasure_requests", "request_id", "requested_at", email="email",
                phone="phone"),
    MasterModel("stg_consent__events", "consent_event_id", "recorded_at", is_consent=True),
)
_MASTER_NAMES = {m.model for m in MASTER_MODELS}
# every other catalog entity with an event time is an event model
EVENT_MODELS: tuple[tuple[str, str], ...] = tuple(
    (f"stg_{e.source}__{e.name}", e.event_time_column)
    for e in ENTITIES
    if e.event_time_column and f"stg_{e.source}__{e.name}" not in _MASTER_NAMES
)


def _existing_models(connection: Any) -> set[str]:
    rows = connection.execute(
        "select table_name from information_schema.tables where table_schema = ?", [SCHEMA]
    ).fetchall()
    return {row[0] for row in rows}


def master_columns(m: MasterModel) -> str:
    """The batch columns of one master model; rules on a subset read null-masked columns."""
    columns = [f"cast({m.key} as varchar) as record_key"]
    if m.email:
        columns += [
            f"{m.email} as email",
            f"case when is_email_valid then {m.email} end as email_flagged_valid",
        ]
    if m.phone:
        columns += [
            "phone_e164",
            f"case when nullif(trim({m.phone}), '') is not null then is_phone_valid end"
            " as given_phone_is_valid",
        ]
    if m.has_postal_address:
        columns += [
            "country",
            "case when postal_code is not null then coalesce(country, '') || ':' || postal_code"
            " end as country_postal_code",
        ]
    if m.has_birth_date:
        columns.append("date_diff('year', birth_date, current_date) as age_years")
    if m.is_consent:
        columns += ["channel as consent_channel", "action as consent_action"]
    columns.append(
        f"date_diff('second', current_timestamp, cast({m.event_time} as timestamptz)) / 3600.0"
        " as hours_ahead_of_now"
    )
    return ",\n    ".join(columns)


def _master_batch_sql(m: MasterModel) -> Callable[[Any], str]:
    def batch_sql(connection: Any = None) -> str:
        where = "\nwhere is_current_version" if m.is_versioned else ""
        return f"select\n    {master_columns(m)}\nfrom {SCHEMA}.{m.model}{where}"

    return batch_sql


# one regular expression for "postal code valid for its country" over 'CC:code'
COUNTRY_POSTAL_CODE_REGEX = (
    "^(" + "|".join(f"{c}:{r.strip('^$')}" for c, r in config.POSTAL_CODE_REGEX.items()) + ")$"
)


def _master_rules(m: MasterModel) -> tuple[Rule, ...]:
    def rule(name: str, expectation: str, kwargs: dict[str, Any], dimension: str,
             description: str) -> Rule:
        return Rule(name, expectation, kwargs, dimension, f"{m.model}: {description}")

    rules = [
        rule("record_key_present", "ExpectColumnValuesToNotBeNull", {"column": "record_key"},
             "completeness", f"{m.key} is set"),
        rule("event_time_not_in_future", "ExpectColumnValuesToBeBetween",
             {"column": "hours_ahead_of_now", "max_value": config.FUTURE_EVENT_TOLERANCE_HOURS},
             "timeliness",
             f"{m.event_time} is at most {config.FUTURE_EVENT_TOLERANCE_HOURS} h in the future"),
    ]
    if m.email:
        rules += [
            rule("email_syntax", "ExpectColumnValuesToMatchRegex",
                 {"column": "email", "regex": config.EMAIL_REGEX,
                  "mostly": config.MIN_VALID_EMAIL_SHARE}, "validity",
                 f"at least {config.MIN_VALID_EMAIL_SHARE:.0%} of e-mails are syntactically "
                 "valid"),
            rule("email_flag_consistent", "ExpectColumnValuesToMatchRegex",
                 {"column": "email_flagged_valid", "regex": config.EMAIL_REGEX}, "consistency",
                 "e-mails flagged valid have valid syntax"),
        ]
    if m.phone:
        rules += [
            rule("phone_e164_format", "ExpectColumnValuesToMatchRegex",
                 {"column": "phone_e164", "regex": config.E164_REGEX}, "validity",
                 "normalised phones are E.164"),
            rule("phone_valid_share", "ExpectColumnValuesToBeInSet",
                 {"column": "given_phone_is_valid", "value_set": [True],
                  "mostly": config.MIN_VALID_PHONE_SHARE}, "validity",
                 f"at least {config.MIN_VALID_PHONE_SHARE:.0%} of given phone numbers are "
                 "valid"),
        ]
    if m.has_postal_address:
        rules += [
            rule("country_alpha2", "ExpectColumnValuesToBeInSet",
                 {"column": "country", "value_set": sorted(config.POSTAL_CODE_REGEX),
                  "mostly": config.MIN_VALID_POSTAL_CODE_SHARE}, "validity",
                 "countries are ISO alpha-2 codes of served countries"),
            rule("postal_code_valid_for_country", "ExpectColumnValuesToMatchRegex",
                 {"column": "country_postal_code", "regex": COUNTRY_POSTAL_CODE_REGEX,
                  "mostly": config.MIN_VALID_POSTAL_CODE_SHARE}, "validity",
                 "postal codes have their country's format "
                 f"({', '.join(config.POSTAL_CODE_REGEX)})"),
        ]
    if m.has_birth_date:
        rules.append(
            rule("birth_date_plausible", "ExpectColumnValuesToBeBetween",
                 {"column": "age_years", "min_value": config.MIN_CUSTOMER_AGE_YEARS,
                  "max_value": MAX_CUSTOMER_AGE_YEARS}, "validity",
                 f"birth dates give an age of {config.MIN_CUSTOMER_AGE_YEARS}–"
                 f"{MAX_CUSTOMER_AGE_YEARS} years")
        )
    if m.is_consent:
        rules += [
            rule("consent_channel_known", "ExpectColumnValuesToBeInSet",
                 {"column": "consent_channel", "value_set": list(CONSENT_CHANNELS)},
                 "validity", "consent channels are known channels"),
            rule("consent_action_known", "ExpectColumnValuesToBeInSet",
                 {"column": "consent_action", "value_set": ["opt_in", "opt_out"]},
                 "validity", "consent actions are opt_in or opt_out"),
        ]
    return tuple(rules)


def master_spec(m: MasterModel) -> SuiteSpec:
    """The suite of one staging master-data model (named after the model)."""
    return SuiteSpec(
        name=m.model,
        description=f"staging master data of {m.model}",
        batch_sql=_master_batch_sql(m),
        rules=_master_rules(m),
        key_columns=("record_key",),
        default_asset=m.asset,
        relations=(f"{SCHEMA}.{m.model}",),
    )


def event_batch_sql(connection: Any) -> str:
    existing = _existing_models(connection)
    tolerance = config.FUTURE_EVENT_TOLERANCE_HOURS
    parts = [
        f"""    select
        '{model}' as model,
        cast(cast({column} as date) as varchar) as event_date,
        count(*) as row_count,
        count(*) filter (
            where cast({column} as timestamptz) > current_timestamp + to_hours({tolerance})
        ) as future_rows
    from {SCHEMA}.{model}
    group by all"""
        for model, column in EVENT_MODELS
        if model in existing
    ] or ["    select null::varchar as model, null::varchar as event_date, "
          "null::bigint as row_count, null::bigint as future_rows where false"]
    return "\n    union all\n".join(parts)


def _event_rules() -> tuple[Rule, ...]:
    return tuple(
        Rule("event_time_not_in_future", "ExpectColumnValuesToBeBetween",
             {"column": "future_rows", "min_value": 0, "max_value": 0}, "timeliness",
             f"{model}: no {column} more than {config.FUTURE_EVENT_TOLERANCE_HOURS} h in the "
             "future (checked per event date)",
             asset=(SCHEMA, model), where=(("model", "==", model),))
        for model, column in EVENT_MODELS
    )


def specs() -> list[SuiteSpec]:
    """One suite per staging master-data model, then the event-time suite."""
    return [
        *(master_spec(m) for m in MASTER_MODELS),
        SuiteSpec(
            name=EVENT_SUITE,
            description="staging event models: no event times in the future",
            batch_sql=event_batch_sql,
            rules=_event_rules(),
            key_columns=("model", "event_date"),
            default_asset=(SCHEMA, EVENT_MODELS[0][0]),
        ),
    ]


def get_master_spec(model: str) -> SuiteSpec:
    """The suite of one staging master-data model, e.g. ``stg_crm__customers``."""
    for m in MASTER_MODELS:
        if m.model == model:
            return master_spec(m)
    raise KeyError(f"{model!r} is not a staging master-data model")


def suite() -> Any:
    """The GX ``ExpectationSuite`` of ``stg_crm__customers`` (every suite: ``specs()``)."""
    return specs()[0].build()
