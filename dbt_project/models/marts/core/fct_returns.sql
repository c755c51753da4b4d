{#- One row per returned order line, refund valued in SEK, with the order's customer.
    Incremental: returns loaded since the last run, and returns of orders with a new version. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='return_id',
        on_schema_change='fail',
        pre_hook=[
            "{{ refresh_customer_keys(\"'webshop'\", 'account_id') }}",
        ],
    )
}}

with

order_returns as (

    select * from {{ ref('stg_webshop__returns') }}

),

orders as (

    select * from {{ ref('stg_webshop__orders') }}
    where is_current_version

),

order_lines as (

    select * from {{ ref('stg_webshop__order_lines') }}

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

order_returns_to_build as (

    select * from order_returns
    where {{ returns_to_rebuild('orders') }}

),

changed_returns as (

    select
        order_returns.*,
        orders.account_id,
        orders.currency
    from order_returns_to_build as order_returns
    left join orders
        on order_returns.order_id = orders.order_id

),

final as (

    select
        changed_returns.return_id,
        changed_returns.order_id,
        changed_returns.order_line_id,
        identity_map.customer_key,
        changed_returns.account_id,
        order_lines.product_id,
        changed_returns.quantity,
        changed_returns.currency,
        cast(changed_returns.refund_amount as decimal(18, 2)) as refund_amount,
        cast(changed_returns.refund_amount * currency_rates.sek_per_unit as decimal(18, 2))
            as refund_amount_sek,
        changed_returns.reason,
        changed_returns.returned_at,
        changed_returns._loaded_at
    from changed_returns
    left join order_lines
        on changed_returns.order_line_id = order_lines.order_line_id
    left join currency_rates
        on changed_returns.currency = currency_rates.currency
    left join identity_map
        on changed_returns.account_id = identity_map.account_id

)

select * from final
