{#- Days on which a customer placed at least one non-cancelled order, up to the as-of date, with
    the gap to the previous order day; an order day after a gap of at least var
    journey_lapsed_days is a reactivation (the customer had lapsed and came back). -#}
with

orders as (

    select * from {{ ref('fct_orders') }}
    where customer_key is not null and not is_cancelled

),

{# the instant the as-of date ends: orders are compared with it, not each turned into a date -#}
as_of as (

    select {{ utc_midnight(dbt.dateadd('day', 1, 'as_of_date')) }} as as_of_end_at
    from {{ ref('int_as_of_date') }}

),

order_days as (

    select
        orders.customer_key,
        {{ utc_date('orders.ordered_at') }} as order_date,
        count(*) as order_count,
        sum(orders.order_revenue_sek) as revenue_sek
    from orders
    cross join as_of
    where orders.ordered_at < as_of.as_of_end_at
    group by orders.customer_key, {{ utc_date('orders.ordered_at') }}

),

with_previous as (

    select
        order_days.*,
        lag(order_days.order_date)
            over (partition by order_days.customer_key order by order_days.order_date)
            as previous_order_date
    from order_days

),

final as (

    select
        customer_key,
        order_date,
        cast(order_count as integer) as order_count,
        cast(revenue_sek as decimal(18, 2)) as revenue_sek,
        previous_order_date,
        cast(
            {{ days_between('previous_order_date', 'order_date') }} as integer  -- noqa: LT05
        ) as days_since_previous_order,
        coalesce(
            {{ days_between('previous_order_date', 'order_date') }}
            >= {{ var('journey_lapsed_days') }},
            false
        ) as is_reactivation
    from with_previous

)

select * from final
