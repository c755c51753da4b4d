{#- Incremental (macros/staging/incremental.sql): a run stages only newly loaded raw rows. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ restage_if_raw_reloaded(source('callcenter', 'contacts')) }}",
    )
}}

with

source as (

    select * from {{ source('callcenter', 'contacts') }}
    where {{ loaded_since_staged(source_relation=source('callcenter', 'contacts')) }}

),

renamed as (

    select
        contact_id,
        phone,
        campaign_id,
        duration_seconds,
        started_at,
        _source_file,
        _row_number,
        _loaded_at,
        {{ normalise_name('caller_name') }} as caller_name,
        lower(trim(direction)) as direction,
        lower(trim(reason)) as reason,
        lower(trim(outcome)) as outcome
    from source

),

phone_keys as (

    select
        *,
        '' as phone_region
    from renamed

),

phones as (

    {{ distinct_parsed_phones('phone_keys', 'phone', 'phone_region') }}

),

with_phones as (

    select
        phone_keys.*,
        phones.phone_e164,
        coalesce(phones.is_phone_valid, false) as is_phone_valid
    from phone_keys
    left join phones
        on
            phone_keys.phone = phones.phone
            and phone_keys.phone_region = phones.phone_region

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by contact_id
            order by {{ load_order() }}
        ) as copy_number
    from with_phones

),

final as (

    select
        contact_id,
        phone,
        phone_e164,
        is_phone_valid,
        caller_name,
        direction,
        reason,
        campaign_id,
        outcome,
        duration_seconds,
        started_at,
        _source_file,
        _row_number,
        _loaded_at
    from deduplicated
    where copy_number = 1 and {{ not_loaded_before('deduplicated', 'contact_id') }}

)

select * from final
{{ in_load_order() }}
