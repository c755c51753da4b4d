{#- Order history per customer up to the as-of date: counts, SEK values net of cancellations
    and refunds, first/last order, recency and tenure in days, open orders. -#}
with

orders as (

    select * from {{ ref('fct_orders') }}
    where customer_key is not null

),

order_returns as (

    select * from {{ ref('fct_returns') }}
    where customer_key is not null

),

as_of as (

    select
        as_of_date,
        {{ utc_day_end('as_of_date') }} as window_end_at
    from {{ ref('int_as_of_date') }}

),

orders_to_date as (

    select orders.*
    from orders
    cross join as_of
    where orders.ordered_at < as_of.window_end_at

),

refunds as (

    select
        order_returns.customer_key,
        sum(order_returns.refund_amount_sek) as refunds_sek
    from order_returns
    cross join as_of
    where order_returns.returned_at < as_of.window_end_at
    group by order_returns.customer_key

),

per_customer as (

    select
        customer_key,
        sum(case when not is_cancelled then 1 else 0 end) as order_count,
        sum(case when is_cancelled then 1 else 0 end) as cancelled_order_count,
        min(case when not is_cancelled then ordered_at end) as first_order_at,
        max(case when not is_cancelled then ordered_at end) as last_order_at,
        sum(order_revenue_sek) as gross_revenue_sek,
        sum(case when is_open then 1 else 0 end) as open_order_count,
        sum(open_order_value_sek) as open_order_value_sek
    from orders_to_date
    group by customer_key

),

final as (

    select
        per_customer.customer_key,
        as_of.as_of_date,
        cast(per_customer.order_count as integer) as order_count,
        cast(per_customer.cancelled_order_count as integer) as cancelled_order_count,
        per_customer.first_order_at,
        per_customer.last_order_at,
        cast(per_customer.gross_revenue_sek as decimal(18, 2)) as gross_revenue_sek,
        cast(coalesce(refunds.refunds_sek, 0) as decimal(18, 2)) as refunds_sek,
        cast(
            per_customer.gross_revenue_sek - coalesce(refunds.refunds_sek, 0) as decimal(18, 2)
        ) as monetary_value_sek,
        cast(
            case
                when per_customer.order_count > 0
                    then per_customer.gross_revenue_sek / per_customer.order_count
            end as decimal(18, 2)
        ) as average_order_value_sek,
        cast(per_customer.open_order_count as integer) as open_order_count,
        cast(per_customer.open_order_value_sek as decimal(18, 2)) as open_order_value_sek,
        cast(
            {{ days_between(utc_date('per_customer.last_order_at'), 'as_of.as_of_date') }}
            as integer
        ) as recency_days,
        cast(
            {{ days_between(utc_date('per_customer.first_order_at'), 'as_of.as_of_date') }}
            as integer
        ) as tenure_days
    from per_customer
    cross join as_of
    left join refunds
        on per_customer.customer_key = refunds.customer_key

)

select * from final
