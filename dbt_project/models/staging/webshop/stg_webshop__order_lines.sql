{#- Incremental (macros/staging/incremental.sql): a run stages only newly loaded raw rows. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ restage_if_raw_reloaded(source('webshop', 'order_lines')) }}",
    )
}}

with

source as (

    select * from {{ source('webshop', 'order_lines') }}
    where {{ loaded_since_staged() }}

),

renamed as (

    select
        order_line_id,
        order_id,
        product_id,
        quantity,
        unit_price,
        ordered_at,
        _source_file,
        _row_number,
        _loaded_at
    from source

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by order_line_id
            order by {{ load_order() }}
        ) as copy_number
    from renamed

),

final as (

    select
        order_line_id,
        order_id,
        product_id,
        quantity,
        unit_price,
        ordered_at,
        _source_file,
        _row_number,
        _loaded_at
    from deduplicated
    where copy_number = 1 and {{ not_loaded_before('deduplicated', 'order_line_id') }}

)

select * from final
