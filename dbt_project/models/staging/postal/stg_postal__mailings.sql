{#- Incremental (macros/staging/incremental.sql): a run stages only newly loaded raw rows. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ restage_if_raw_reloaded(source('postal', 'mailings')) }}",
    )
}}

with

source as (

    select * from {{ source('postal', 'mailings') }}
    where {{ loaded_since_staged(source_relation=source('postal', 'mailings')) }}

),

renamed as (

    select
        mailing_id,
        recipient_id,
        campaign_id,
        sent_at,
        _source_file,
        _row_number,
        _loaded_at,
        lower(trim(delivery_status)) as delivery_status
    from source

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by mailing_id
            order by {{ load_order() }}
        ) as copy_number
    from renamed

),

final as (

    select
        mailing_id,
        recipient_id,
        campaign_id,
        delivery_status,
        sent_at,
        _source_file,
        _row_number,
        _loaded_at
    from deduplicated
    where copy_number = 1 and {{ not_loaded_before('deduplicated', 'mailing_id') }}

)

select * from final
{{ in_load_order() }}
