{#- One row per order in its current version (the latest status), valued in SEK.
    Incremental: orders whose current version was loaded since the last run are upserted. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_id',
        on_schema_change='fail',
        pre_hook=[
            "{{ refresh_customer_keys(\"'webshop'\", 'account_id') }}",
        ],
    )
}}

with

orders as (

    select * from {{ ref('stg_webshop__orders') }}
    where is_current_version and {{ loaded_since_last_run() }}

),

currency_rates as (

    select * from {{ ref('currency_rates') }}

),

identity_map as (

    select
        source_record_id as account_id,
        cast(customer_key as {{ dbt.type_string() }}) as customer_key
    from {{ source('identity', 'customer_identity_map') }}
    where source_system = 'webshop'

),

valued as (

    select
        orders.order_id,
        identity_map.customer_key,
        orders.account_id,
        orders.ordered_at,
        orders.updated_at as order_updated_at,
        orders.status,
        orders.currency,
        orders.order_total,
        cast(orders.order_total * currency_rates.sek_per_unit as decimal(18, 2)) as order_total_sek,
        orders.status = 'cancelled' as is_cancelled,
        orders.status = 'delivered' as is_delivered,
        orders.status in ('placed', 'shipped') as is_open,
        orders.shipping_country,
        orders._loaded_at
    from orders
    left join currency_rates
        on orders.currency = currency_rates.currency
    left join identity_map
        on orders.account_id = identity_map.account_id

),

final as (

    select
        order_id,
        customer_key,
        account_id,
        ordered_at,
        order_updated_at,
        status,
        currency,
        cast(order_total as decimal(18, 2)) as order_total,
        order_total_sek,
        cast(
            case when is_cancelled then 0 else order_total_sek end as decimal(18, 2)
        ) as order_revenue_sek,
        cast(case when is_open then order_total_sek else 0 end as decimal(18, 2))
            as open_order_value_sek,
        is_open,
        is_cancelled,
        is_delivered,
        shipping_country,
        _loaded_at
    from valued

)

select * from final
