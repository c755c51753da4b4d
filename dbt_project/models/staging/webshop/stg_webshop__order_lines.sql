with

source as (

    select * from {{ source('webshop', 'order_lines') }}

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
    where copy_number = 1

)

select * from final
