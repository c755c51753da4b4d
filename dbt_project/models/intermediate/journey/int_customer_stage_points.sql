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
    A reactivation order is one placed at least journey_lapsed_days after the previous one. -#}
with

milestones as (

    select * from {{ ref('int_customer_funnel_milestones') }}

),

all_order_days as (

    select * from {{ ref('int_customer_order_days') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

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

    select * from evaluated

)

select * from final
