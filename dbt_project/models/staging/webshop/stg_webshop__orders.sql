{#- A table, not a view: the order versions feed four facts (one evaluation per run). -#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('webshop', 'orders') }}

),

renamed as (

    select
        order_id,
        account_id,
        order_total,
        ordered_at,
        updated_at,
        _source_file,
        _row_number,
        _loaded_at,
        lower(trim(status)) as status,
        upper(trim(currency)) as currency,
        {{ normalise_country('shipping_country') }} as shipping_country
    from source

),

versions as (

    select
        *,
        row_number() over (
            partition by
                order_id,
                account_id,
                status,
                currency,
                order_total,
                shipping_country,
                ordered_at,
                updated_at
            order by {{ load_order() }}
        ) as copy_number
    from renamed

),

final as (

    select
        order_id,
        account_id,
        status,
        currency,
        order_total,
        shipping_country,
        ordered_at,
        updated_at,
        _source_file,
        _row_number,
        _loaded_at,
        row_number() over (
            partition by order_id
            order by updated_at desc, {{ load_order('desc') }}
        ) = 1 as is_current_version
    from versions
    where copy_number = 1

)

select * from final
