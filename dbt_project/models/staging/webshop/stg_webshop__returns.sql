{#- Incremental (macros/staging/incremental.sql): a run stages only newly loaded raw rows. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ restage_if_raw_reloaded(source('webshop', 'returns')) }}",
    )
}}

with

source as (

    select * from {{ source('webshop', 'returns') }}
    where {{ loaded_since_staged() }}

),

renamed as (

    select
        return_id,
        order_id,
        order_line_id,
        quantity,
        refund_amount,
        returned_at,
        _source_file,
        _row_number,
        _loaded_at,
        lower(trim(reason)) as reason
    from source

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by return_id
            order by {{ load_order() }}
        ) as copy_number
    from renamed

),

final as (

    select
        return_id,
        order_id,
        order_line_id,
        quantity,
        refund_amount,
        reason,
        returned_at,
        _source_file,
        _row_number,
        _loaded_at
    from deduplicated
    where copy_number = 1 and {{ not_loaded_before('deduplicated', 'return_id') }}

)

select * from final
