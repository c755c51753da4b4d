{#- Every run's arbitrated audience decisions, kept as history: one row per customer, audience and
    planned date, assigned to the treatment (contacted) or the holdout (control) group.
    Steps: candidates meeting an audience condition → contactable channels only → the customer's
    preferred channel among them, else the audience's channel order → cadence (no repeat of the
    audience within its cadence) → contact-pressure caps across all channels, counting outbound
    marketing touches already sent and earlier planned contacts, arbitrated by audience priority →
    deterministic hash-based holdout split. Paid-social custom audiences are not direct contacts
    and are not capped. Reruns for the same planned date replace that date's rows; history is never
    rebuilt (full_refresh = false), because cadence and lift depend on it. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='planned_at',
        full_refresh=false,
        on_schema_change='fail',
    )
}}

with

candidates as (

    select * from {{ ref('act_audience_candidates') }}

),

eligibility as (

    select * from {{ ref('act_channel_eligibility') }}

),

customers as (

    select * from {{ ref('customer_360') }}

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

),

rules as (

    select * from {{ ref('act_rules') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

planned as (

    select
        as_of_date,
        cast({{ dbt.dateadd('day', 1, 'as_of_date') }} as {{ dbt.type_timestamp() }})
            as planned_at
    from as_of

),

caps as (

    select
        window_days,
        max_contacts
    from rules
    where rule_name = 'contact_cap'

),

{%- if is_incremental() %}

earlier_decisions as (

    select previous.*
    from {{ this }} as previous
    cross join planned
    where previous.planned_at < planned.planned_at

),

{%- endif %}

contactable_options as (

    select
        candidates.customer_key,
        candidates.audience,
        candidates.channel,
        candidates.priority,
        candidates.message_id,
        candidates.holdout_percent,
        candidates.cadence_days,
        candidates.reason,
        eligibility.app_user_id,
        candidates.channel = customers.preferred_channel as is_preferred_channel,
        row_number() over (
            partition by candidates.customer_key, candidates.audience
            order by
                case when candidates.channel = customers.preferred_channel then 0 else 1 end,
                candidates.channel_rank
        ) as channel_choice_rank
    from candidates
    inner join eligibility
        on
            candidates.customer_key = eligibility.customer_key
            and candidates.channel = eligibility.channel
    inner join customers
        on candidates.customer_key = customers.customer_key
    where eligibility.is_contactable

),

chosen_channels as (

    select *
    from contactable_options
    where channel_choice_rank = 1

),

outside_cadence as (

    select chosen_channels.*
    from chosen_channels
    cross join planned
    {%- if is_incremental() %}
    where not exists (
        select 1
        from earlier_decisions
        where
            earlier_decisions.customer_key = chosen_channels.customer_key
            and earlier_decisions.audience = chosen_channels.audience
            and earlier_decisions.planned_at
            > {{ dbt.dateadd('day', '-1 * chosen_channels.cadence_days', 'planned.planned_at') }}
    )
    {%- endif %}

),

sent_touches as (

    select
        touchpoints.customer_key,
        {{ utc_date('touchpoints.occurred_at') }} as contact_date
    from touchpoints
    cross join as_of
    where
        touchpoints.customer_key is not null
        and touchpoints.direction = 'outbound'
        and touchpoints.is_marketing_touch
        and {{ utc_date('touchpoints.occurred_at') }} <= as_of.as_of_date
    {%- if is_incremental() %}

    union all

    select
        customer_key,
        cast(planned_at as date) as contact_date
    from earlier_decisions
    where assignment = 'treatment' and channel != 'paid_social'
    {%- endif %}

),

contacts_in_windows as (

    select
        sent_touches.customer_key,
        caps.window_days,
        caps.max_contacts,
        count(*) as contacts_in_window
    from sent_touches
    cross join caps
    cross join planned
    where
        {{ dbt.datediff('sent_touches.contact_date', 'planned.as_of_date', 'day') }}
        < caps.window_days
    group by sent_touches.customer_key, caps.window_days, caps.max_contacts

),

customer_capacity as (

    select
        outside_cadence.customer_key,
        min(caps.max_contacts - coalesce(contacts_in_windows.contacts_in_window, 0))
            as remaining_contacts
    from (select distinct customer_key from outside_cadence) as outside_cadence
    cross join caps
    left join contacts_in_windows
        on
            outside_cadence.customer_key = contacts_in_windows.customer_key
            and caps.window_days = contacts_in_windows.window_days
    group by outside_cadence.customer_key

),

arbitrated as (

    select
        outside_cadence.*,
        customer_capacity.remaining_contacts,
        case
            when outside_cadence.channel = 'paid_social' then 0
            else row_number() over (
                    partition by
                        outside_cadence.customer_key,
                        case when outside_cadence.channel = 'paid_social' then 1 else 0 end
                    order by outside_cadence.priority desc, outside_cadence.audience asc
                )
        end as contact_rank
    from outside_cadence
    left join customer_capacity
        on outside_cadence.customer_key = customer_capacity.customer_key

),

within_caps as (

    select *
    from arbitrated
    where
        channel = 'paid_social'
        or remaining_contacts is null
        or contact_rank <= remaining_contacts

),

bucketed as (

    select
        within_caps.*,
        {{ hash_bucket(dbt.concat(['within_caps.audience', "':'", 'within_caps.customer_key']),
            10000) }} as holdout_bucket
    from within_caps

),

final as (

    select
        planned.planned_at,
        bucketed.customer_key,
        bucketed.audience,
        bucketed.channel,
        bucketed.message_id,
        bucketed.priority,
        bucketed.contact_rank,
        bucketed.app_user_id,
        bucketed.holdout_bucket,
        case
            when bucketed.holdout_bucket < bucketed.holdout_percent * 100 then 'holdout'
            else 'treatment'
        end as assignment,
        {{ dbt.concat([
            "'audience '", 'bucketed.audience',
            "': '", 'bucketed.reason',
            "'; channel '", 'bucketed.channel',
            "case when bucketed.is_preferred_channel then ' (preferred)'"
            ~ " else ' (first consented in audience order)' end",
            "'; priority '", dbt.cast('bucketed.priority', dbt.type_string()),
        ]) }} as reason
    from bucketed
    cross join planned

)

select * from final
