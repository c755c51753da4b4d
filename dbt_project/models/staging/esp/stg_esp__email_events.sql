{#- Incremental (macros/staging/incremental.sql): a run stages only newly loaded raw rows. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ restage_if_raw_reloaded(source('esp', 'email_events')) }}",
    )
}}

with

source as (

    select * from {{ source('esp', 'email_events') }}
    where {{ loaded_since_staged(source_relation=source('esp', 'email_events')) }}

),

renamed as (

    select
        event_id,
        subscriber_id,
        campaign_id,
        message_id,
        occurred_at,
        _source_file,
        _row_number,
        _loaded_at,
        {{ normalise_email('email') }} as email,
        {{ is_valid_email(normalise_email('email')) }} as is_email_valid,
        lower(trim(event_type)) as event_type
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
        subscriber_id,
        email,
        is_email_valid,
        event_type,
        campaign_id,
        message_id,
        occurred_at,
        _source_file,
        _row_number,
        _loaded_at
    from deduplicated
    where copy_number = 1 and {{ not_loaded_before('deduplicated', 'event_id') }}

)

select * from final
{{ in_load_order() }}
