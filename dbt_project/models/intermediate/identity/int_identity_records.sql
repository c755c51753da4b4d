{#- THE identity input contract: one row per (source_system, source_record_id) of every identity
    source, latest state. Identity resolution (orchestration/identity) reads only this table and
    int_identity_links. -#}
{{ config(materialized='view') }}

with

records as (

    select * from {{ ref('int_identity_records_unioned') }}

),

final as (

    select
        source_system,
        source_record_id,
        email,
        phone_e164,
        given_names,
        surname,
        preferred_given_name,
        birth_date,
        street,
        postal_code,
        city,
        country,
        observed_at
    from records

)

select * from final
