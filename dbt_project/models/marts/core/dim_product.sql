{#- One row per product in its current catalogue version. -#}
with

products as (

    select * from {{ ref('stg_webshop__products') }}
    where is_current_version

),

final as (

    select
        product_id,
        product_name,
        category,
        cast(list_price_sek as decimal(18, 2)) as list_price_sek,
        launched_on
    from products

)

select * from final
