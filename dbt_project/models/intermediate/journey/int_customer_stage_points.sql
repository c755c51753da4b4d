{#- The journey state machine, evaluated on every date a customer's stage can change (order days,
    the day each time threshold is crossed, funnel milestones), up to the as-of date.
    Rules (thresholds are dbt vars journey_*, in dbt_project.yml), first match wins:
      no order yet:        considering (after purchase intent) > engaged (after engagement) > aware
      days since last order >= journey_lapsed_days:  lapsed
      days since last order >= journey_at_risk_days: at_risk
      days since first order < journey_onboarding_days: onboarding
      days since the last reactivation order < journey_won_back_days: won_back
      orders to date >= journey_loyal_min_orders: loyal
      otherwise developing
    A reactivation order is one placed at least journey_lapsed_days after the previous one.
    Incremental per customer (macros/journey/incremental.sql): a daily run rebuilds the customers
    whose journey_fingerprint (milestones, order days, journey vars) changed, those
    with a threshold day after the latest point already built and up to the as-of date
    (time-driven stage changes), and those with points after the as-of date (as-of date set
    back); the post-hook drops customers without milestones. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='customer_key',
        on_schema_change='fail',
        post_hook=["{{ delete_journey_points_without_customer() }}"],
    )
}}

with

all_milestones as (

    select * from {{ ref('int_customer_funnel_milestones') }}

),

all_order_days as (

    select * from {{ ref('int_customer_order_days') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

order_day_fingerprints as (

    select
        customer_key,
        {{ fingerprint_agg(['order_date', 'order_count', 'is_reactivation']) }}
            as order_days_fingerprint
    from all_order_days
    group by customer_key

),

{# everything a customer's stage points are made of, except the as-of date -#}
fingerprints as (

    select
        all_milestones.customer_key,
        {{ dbt.hash(dbt.concat([
            journey_config_text(), "'|'",
            "coalesce(" ~ dbt.cast('all_milestones.aware_on', dbt.type_string()) ~ ", '')", "'|'",
            "coalesce(" ~ dbt.cast('all_milestones.engaged_on', dbt.type_string()) ~ ", '')",
            "'|'",
            "coalesce(" ~ dbt.cast('all_milestones.considering_on', dbt.type_string()) ~ ", '')",
            "'|'",
            "coalesce(" ~ dbt.cast('all_milestones.first_order_on', dbt.type_string()) ~ ", '')",
            "'|'",
            "coalesce(order_day_fingerprints.order_days_fingerprint, '')",
        ])) }} as journey_fingerprint
    from all_milestones
    left join order_day_fingerprints
        on all_milestones.customer_key = order_day_fingerprints.customer_key

),

{# customers to (re)build: all on a full build -#}
affected as (

    select fingerprints.*
    from fingerprints
    {% if is_incremental() -%}
    where
        fingerprints.customer_key in (
            {# new customers and changed inputs -#}
            select fingerprints.customer_key
            from fingerprints
            left join (
                select distinct
                    customer_key,
                    journey_fingerprint
                from {{ this }}
            ) as built
                on fingerprints.customer_key = built.customer_key
            where
                built.journey_fingerprint is null
                or built.journey_fingerprint <> fingerprints.journey_fingerprint
            {# a threshold day after the latest point built, up to the as-of date -#}
            union all
            select threshold_days.customer_key
            from (
                select
                    customer_key,
                    cast({{ dbt.dateadd('day', var('journey_at_risk_days'), 'order_date') }} as date)
                        as threshold_on
                from all_order_days
                union all
                select
                    customer_key,
                    cast({{ dbt.dateadd('day', var('journey_lapsed_days'), 'order_date') }} as date)
                from all_order_days
                union all
                select
                    customer_key,
                    cast({{ dbt.dateadd('day', var('journey_won_back_days'), 'order_date') }} as date)
                from all_order_days
                where is_reactivation
                union all
                select
                    customer_key,
                    cast(
                        {{ dbt.dateadd('day', var('journey_onboarding_days'), 'first_order_on') }}
                        as date
                    )
                from all_milestones
                where first_order_on is not null
            ) as threshold_days
            cross join as_of
            where
                threshold_days.threshold_on <= as_of.as_of_date
                and threshold_days.threshold_on > (select max(point_date) from {{ this }})
            {# points after the as-of date (the as-of date was set back) -#}
            union all
            select built_points.customer_key
            from {{ this }} as built_points
            cross join as_of
            where built_points.point_date > as_of.as_of_date
        )
    {%- endif %}

),

milestones as (

    select all_milestones.*
    from all_milestones
    inner join affected
        on all_milestones.customer_key = affected.customer_key

),

{# order days of the journey population (customers in int_customer_funnel_milestones) -#}
order_days as (

    select all_order_days.*
    from all_order_days
    inner join milestones
        on all_order_days.customer_key = milestones.customer_key

),

first_orders as (

    select
        customer_key,
        min(order_date) as first_order_on
    from order_days
    group by customer_key

),

candidate_points as (

    select
        customer_key,
        order_date as point_date
    from order_days
    union all
    select
        customer_key,
        cast({{ dbt.dateadd('day', var('journey_at_risk_days'), 'order_date') }} as date)
    from order_days
    union all
    select
        customer_key,
        cast({{ dbt.dateadd('day', var('journey_lapsed_days'), 'order_date') }} as date)
    from order_days
    union all
    select
        customer_key,
        cast({{ dbt.dateadd('day', var('journey_won_back_days'), 'order_date') }} as date)
    from order_days
    where is_reactivation
    union all
    select
        customer_key,
        cast({{ dbt.dateadd('day', var('journey_onboarding_days'), 'first_order_on') }} as date)
    from first_orders
    union all
    select
        customer_key,
        aware_on
    from milestones
    where aware_on is not null and (first_order_on is null or aware_on < first_order_on)
    union all
    select
        customer_key,
        engaged_on
    from milestones
    where engaged_on is not null and (first_order_on is null or engaged_on < first_order_on)
    union all
    select
        customer_key,
        considering_on
    from milestones
    where considering_on is not null and (first_order_on is null or considering_on < first_order_on)

),

points as (

    select distinct
        candidate_points.customer_key,
        candidate_points.point_date
    from candidate_points
    cross join as_of
    where candidate_points.point_date <= as_of.as_of_date

),

timeline as (

    select
        points.customer_key,
        points.point_date,
        coalesce(order_days.order_count, 0) as orders_on_day,
        coalesce(order_days.is_reactivation, false) as is_reactivation
    from points
    left join order_days
        on
            points.customer_key = order_days.customer_key
            and points.point_date = order_days.order_date

),

running as (

    select
        timeline.*,
        sum(timeline.orders_on_day) over (
            partition by timeline.customer_key order by timeline.point_date
            rows between unbounded preceding and current row
        ) as orders_to_date,
        max(case when timeline.orders_on_day > 0 then timeline.point_date end) over (
            partition by timeline.customer_key order by timeline.point_date
            rows between unbounded preceding and current row
        ) as last_order_on,
        max(case when timeline.is_reactivation then timeline.point_date end) over (
            partition by timeline.customer_key order by timeline.point_date
            rows between unbounded preceding and current row
        ) as last_reactivation_on
    from timeline

),

evaluated as (

    select
        running.customer_key,
        running.point_date,
        cast(running.orders_to_date as integer) as orders_to_date,
        running.last_order_on,
        cast(
            {{ days_between('running.last_order_on', 'running.point_date') }} as integer  -- noqa: LT05
        ) as days_since_last_order,
        case
            when running.orders_to_date = 0
                then
                    case
                        when milestones.considering_on <= running.point_date then 'considering'
                        when milestones.engaged_on <= running.point_date then 'engaged'
                        else 'aware'
                    end
            when
                {{ days_between('running.last_order_on', 'running.point_date') }}
                >= {{ var('journey_lapsed_days') }}
                then 'lapsed'
            when
                {{ days_between('running.last_order_on', 'running.point_date') }}
                >= {{ var('journey_at_risk_days') }}
                then 'at_risk'
            when
                {{ days_between('first_orders.first_order_on', 'running.point_date') }}
                < {{ var('journey_onboarding_days') }}
                then 'onboarding'
            when
                running.last_reactivation_on is not null
                and {{ days_between('running.last_reactivation_on', 'running.point_date') }}
                < {{ var('journey_won_back_days') }}
                then 'won_back'
            when running.orders_to_date >= {{ var('journey_loyal_min_orders') }} then 'loyal'
            else 'developing'
        end as stage
    from running
    left join milestones
        on running.customer_key = milestones.customer_key
    left join first_orders
        on running.customer_key = first_orders.customer_key

),

final as (

    select
        evaluated.*,
        affected.journey_fingerprint
    from evaluated
    inner join affected
        on evaluated.customer_key = affected.customer_key

)

select * from final
