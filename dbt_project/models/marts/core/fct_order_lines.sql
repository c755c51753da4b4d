{#- One row per order line, valued in SEK, with the order's customer and status.
    Incremental: lines loaded since the last run, and all lines of orders with a new version. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_line_id',
        on_schema_change='fail',
        pre_hook=[
            "{{ refresh_customer_keys(\"'webshop'\", 'account_id') }}",
        ],
    )
}}

with

order_lines as (

    select * from {{ ref('stg_webshop__order_lines') }}

),

orders as (

    select * from {{ ref('stg_webshop__orders') }}
    where is_current_version

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

{# order lines loaded since the last run, and those of orders with a new version #}
order_lines_to_build as (

    select * from order_lines
    where
        {{ loaded_since_last_run() }}
        or order_id in (
            select orders.order_id from orders
            where {{ loaded_since_last_run('orders._loaded_at') }}
        )

),

changed_lines as (

    select
        order_lines.*,
        orders.account_id,
        orders.currency,
        orders.status as order_status
    from order_lines_to_build as order_lines
    left join orders
        on order_lines.order_id = orders.order_id

),

final as (

    select
        changed_lines.order_line_id,
        changed_lines.order_id,
        identity_map.customer_key,
        changed_lines.account_id,
        changed_lines.product_id,
        changed_lines.ordered_at,
        changed_lines.currency,
        changed_lines.quantity,
        cast(changed_lines.unit_price as decimal(18, 2)) as unit_price,
        cast(changed_lines.quantity * changed_lines.unit_price as decimal(18, 2)) as line_total,
        cast(
            changed_lines.quantity * changed_lines.unit_price * currency_rates.sek_per_unit
            as decimal(18, 2)
        ) as line_total_sek,
        coalesce(changed_lines.order_status = 'cancelled', false) as is_order_cancelled,
        changed_lines._loaded_at
    from changed_lines
    left join currency_rates
        on changed_lines.currency = currency_rates.currency
    left join identity_map
        on changed_lines.account_id = identity_map.account_id

)

select * from final
