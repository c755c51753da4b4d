{#- A table, not a view: the postal versions are normalised and deduplicated once, not by every
    reader (identity, the customer history). Versioned incremental staging as in
    stg_crm__customers (macros/staging/incremental.sql): a run restates every version of the
    recipient ids in newly loaded raw rows; versions compare on normalised values. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='recipient_id',
        on_schema_change='fail',
        pre_hook=[
            "{{ restage_if_raw_reloaded(source('postal', 'recipients')) }}",
            "{{ delete_versions_without_key('recipient_id') }}",
        ],
    )
}}

{%- set version_columns = [
    'recipient_id', 'full_name', 'street', 'postal_code', 'is_postal_code_valid', 'city',
    'country', 'updated_at', '_source_file', '_row_number', '_loaded_at',
] %}

with

source as (

    {{ raw_versions_to_stage(source('postal', 'recipients'), 'recipient_id') }}

),

renamed as (

    select
        recipient_id,
        postal_code,
        updated_at,
        _source_file,
        _row_number,
        _loaded_at,
        {{ normalise_name('full_name') }} as full_name,
        {{ normalise_name('street') }} as street,
        {{ normalise_name('city') }} as city,
        {{ normalise_country('country') }} as country
    from source

),

normalised_postal_codes as (

    select
        *,
        {{ normalise_postal_code('postal_code', 'country') }} as postal_code_normalised
    from renamed

),

loaded_versions as (

    select
        recipient_id,
        full_name,
        street,
        postal_code_normalised as postal_code,
        {{ is_valid_postal_code('postal_code_normalised', 'country') }} as is_postal_code_valid,
        city,
        country,
        updated_at,
        _source_file,
        _row_number,
        _loaded_at
    from normalised_postal_codes

),

restated_versions as (

    {{ with_staged_versions('loaded_versions', 'recipient_id', version_columns) }}

),

versions as (

    select
        *,
        row_number() over (
            partition by
                recipient_id,
                full_name,
                street,
                postal_code,
                city,
                country,
                updated_at
            order by {{ load_order() }}
        ) as copy_number
    from restated_versions

),

final as (

    select
        {{ version_columns | join(',\n        ') }},
        row_number() over (
            partition by recipient_id
            order by updated_at desc, {{ load_order('desc') }}
        ) = 1 as is_current_version
    from versions
    where copy_number = 1

)

select * from final
