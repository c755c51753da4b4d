with

source as (

    select * from {{ source('webshop', 'products') }}

),

renamed as (

    select
        product_id,
        list_price_sek,
        launched_on,
        _source_file,
        _row_number,
        _loaded_at,
        nullif(trim(product_name), '') as product_name,
        lower(trim(category)) as category
    from source

),

versions as (

    select
        *,
        row_number() over (
            partition by
                product_id,
                product_name,
                category,
                list_price_sek,
                launched_on
            order by {{ load_order() }}
        ) as copy_number
    from renamed

),

final as (

    select
        product_id,
        product_name,
        category,
        list_price_sek,
        launched_on,
        _source_file,
        _row_number,
        _loaded_at,
        row_number() over (
            partition by product_id
            order by {{ load_order('desc') }}
        ) = 1 as is_current_version
    from versions
    where copy_number = 1

)

select * from final
