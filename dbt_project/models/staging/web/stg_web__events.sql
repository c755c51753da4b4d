{#- Incremental (macros/staging/incremental.sql): a run stages only newly loaded raw rows. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ restage_if_raw_reloaded(source('web', 'events')) }}",
    )
}}

with

source as (

    select * from {{ source('web', 'events') }}
    where {{ loaded_since_staged(source_relation=source('web', 'events')) }}

),

renamed as (

    select
        event_id,
        cookie_id,
        utm_campaign,
        account_id,
        occurred_at,
        _source_file,
        _row_number,
        _loaded_at,
        lower(trim(event_type)) as event_type,
        nullif(trim(page_path), '') as page_path,
        lower(trim(utm_source)) as utm_source,
        lower(trim(utm_medium)) as utm_medium,
        nullif(trim(referrer_host), '') as referrer_host
    from source

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by event_id
            order by {{ load_order() }}
        ) as copy_number
    from renamed

),

final as (

    select
        event_id,
        cookie_id,
        event_type,
        page_path,
        utm_source,
        utm_medium,
        utm_campaign,
        referrer_host,
        account_id,
        occurred_at,
        _source_file,
        _row_number,
        _loaded_at
    from deduplicated
    where copy_number = 1 and {{ not_loaded_before('deduplicated', 'event_id') }}

)

select * from final
{{ in_load_order() }}
