{#- Incremental (macros/staging/incremental.sql): a run stages only newly loaded raw rows. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ restage_if_raw_reloaded(source('sms', 'events')) }}",
    )
}}

with

source as (

    select * from {{ source('sms', 'events') }}
    where {{ loaded_since_staged(source_relation=source('sms', 'events')) }}

),

renamed as (

    select
        event_id,
        msisdn,
        campaign_id,
        occurred_at,
        _source_file,
        _row_number,
        _loaded_at,
        lower(trim(event_type)) as event_type
    from source

),

phone_keys as (

    select
        *,
        {{ msisdn_to_parse('msisdn') }} as msisdn_to_parse,
        '' as phone_region
    from renamed

),

phones as (

    {{ distinct_parsed_phones('phone_keys', 'msisdn_to_parse', 'phone_region') }}

),

with_phones as (

    select
        phone_keys.*,
        phones.phone_e164,
        coalesce(phones.is_phone_valid, false) as is_phone_valid
    from phone_keys
    left join phones
        on
            phone_keys.msisdn_to_parse = phones.msisdn_to_parse
            and phone_keys.phone_region = phones.phone_region

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by event_id
            order by {{ load_order() }}
        ) as copy_number
    from with_phones

),

final as (

    select
        event_id,
        msisdn,
        phone_e164,
        is_phone_valid,
        event_type,
        campaign_id,
        occurred_at,
        _source_file,
        _row_number,
        _loaded_at
    from deduplicated
    where copy_number = 1 and {{ not_loaded_before('deduplicated', 'event_id') }}

)

select * from final
{{ in_load_order() }}
