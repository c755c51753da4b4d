{#- Lift per audience and planned date: conversion and revenue of the treatment group against the
    holdout in the `lift_window_days` after the planned date, with a 95 % normal-approximation
    confidence interval for the difference in conversion rates. Rows whose outcome window has not
    ended by the as-of date are marked `is_window_complete = false`. -#}
with

decisions as (

    select * from {{ ref('act_audience_decisions') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

outcomes as (

    select
        decisions.audience,
        decisions.planned_at,
        decisions.assignment,
        decisions.customer_key,
        count(orders.order_id) as orders_in_window,
        coalesce(sum(orders.order_revenue_sek), 0) as revenue_in_window_sek
    from decisions
    left join orders
        on
            decisions.customer_key = orders.customer_key
            and not orders.is_cancelled
            and decisions.planned_at <= orders.ordered_at
            and orders.ordered_at < {{ dbt.dateadd('day', var('lift_window_days', 30),
                'decisions.planned_at') }}
    group by
        decisions.audience, decisions.planned_at, decisions.assignment, decisions.customer_key

),

groups as (

    select
        audience,
        planned_at,
        sum(case when assignment = 'treatment' then 1 else 0 end) as treated_customers,
        sum(case when assignment = 'holdout' then 1 else 0 end) as control_customers,
        sum(
            case when assignment = 'treatment' and orders_in_window > 0 then 1 else 0 end
        ) as treated_converters,
        sum(
            case when assignment = 'holdout' and orders_in_window > 0 then 1 else 0 end
        ) as control_converters,
        sum(case when assignment = 'treatment' then revenue_in_window_sek else 0 end)
            as treated_revenue_sek,
        sum(case when assignment = 'holdout' then revenue_in_window_sek else 0 end)
            as control_revenue_sek
    from outcomes
    group by audience, planned_at

),

rates as (

    select
        groups.*,
        1.0
        * groups.treated_converters
        / nullif(groups.treated_customers, 0) as treated_conversion_rate,
        1.0
        * groups.control_converters
        / nullif(groups.control_customers, 0) as control_conversion_rate,
        1.0
        * groups.treated_revenue_sek
        / nullif(groups.treated_customers, 0) as treated_revenue_per_customer_sek,
        1.0
        * groups.control_revenue_sek
        / nullif(groups.control_customers, 0) as control_revenue_per_customer_sek
    from groups

),

final as (

    select
        rates.audience,
        rates.planned_at,
        rates.treated_customers,
        rates.control_customers,
        rates.treated_converters,
        rates.control_converters,
        rates.treated_conversion_rate,
        rates.control_conversion_rate,
        rates.treated_conversion_rate - rates.control_conversion_rate as conversion_lift,
        rates.treated_conversion_rate - rates.control_conversion_rate
        - 1.96 * sqrt(
            rates.treated_conversion_rate * (1 - rates.treated_conversion_rate)
            / rates.treated_customers
            + rates.control_conversion_rate * (1 - rates.control_conversion_rate)
            / rates.control_customers
        ) as conversion_lift_ci_low,
        rates.treated_conversion_rate - rates.control_conversion_rate
        + 1.96 * sqrt(
            rates.treated_conversion_rate * (1 - rates.treated_conversion_rate)
            / rates.treated_customers
            + rates.control_conversion_rate * (1 - rates.control_conversion_rate)
            / rates.control_customers
        ) as conversion_lift_ci_high,
        rates.treated_revenue_per_customer_sek,
        rates.control_revenue_per_customer_sek,
        rates.treated_revenue_per_customer_sek - rates.control_revenue_per_customer_sek
            as revenue_lift_per_customer_sek,
        {{ dbt.dateadd('day', var('lift_window_days', 30), 'rates.planned_at') }}
        <= {{ dbt.dateadd('day', 1, 'as_of.as_of_date') }} as is_window_complete
    from rates
    cross join as_of

)

select * from final
