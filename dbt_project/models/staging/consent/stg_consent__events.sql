{#- Incremental (macros/staging/incremental.sql): a run stages only newly loaded raw rows. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ restage_if_raw_reloaded(source('consent', 'events')) }}",
    )
}}

with

source as (

    select * from {{ source('consent', 'events') }}
    where {{ loaded_since_staged(source_relation=source('consent', 'events')) }}

),

renamed as (

    select
        consent_event_id,
        subject_value,
        recorded_at,
        _source_file,
        _row_number,
        _loaded_at,
        lower(trim(subject_type)) as subject_type,
        case
            when lower(trim(subject_type)) = 'phone' then subject_value
        end as subject_phone,
        '' as phone_region,
        lower(trim(channel)) as channel,
        lower(trim(action)) as action,
        lower(trim(collected_via)) as collected_via
    from source

),

phones as (

    {{ distinct_parsed_phones('renamed', 'subject_phone', 'phone_region') }}

),

with_subject_keys as (

    select
        renamed.*,
        case renamed.subject_type
            when 'email' then {{ normalise_email('renamed.subject_value') }}
            when 'phone' then case when phones.is_phone_valid then phones.phone_e164 end
            else nullif(trim(renamed.subject_value), '')
        end as subject_value_normalised
    from renamed
    left join phones
        on
            renamed.subject_phone = phones.subject_phone
            and renamed.phone_region = phones.phone_region

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by consent_event_id
            order by {{ load_order() }}
        ) as copy_number
    from with_subject_keys

),

final as (

    select
        consent_event_id,
        subject_type,
        subject_value,
        subject_value_normalised,
        channel,
        action,
        collected_via,
        recorded_at,
        _source_file,
        _row_number,
        _loaded_at
    from deduplicated
    where copy_number = 1 and {{ not_loaded_before('deduplicated', 'consent_event_id') }}

)

select * from final
{{ in_load_order() }}
