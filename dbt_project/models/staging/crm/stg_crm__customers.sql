{#- A table, not a view: phones are parsed once, not by every reader (identity, the golden
    record, its history and the quality suites). Incremental (macros/staging/incremental.sql,
    versioned staging): a run normalises and parses only the newly loaded raw rows and restates
    every version of the customer numbers they touch (delete+insert on customer_number).
    Exact-duplicate versions are compared on the normalised values, the postal code included:
    a version differing only in postal-code formatting is no change (staged rows hold only the
    normalised postal code). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='customer_number',
        on_schema_change='fail',
        pre_hook=[
            "{{ restage_if_raw_reloaded(source('crm', 'customers')) }}",
            "{{ delete_versions_without_key('customer_number') }}",
        ],
    )
}}

{%- set version_columns = [
    'customer_number', 'given_names', 'preferred_name', 'surname', 'birth_date', 'email',
    'is_email_valid', 'phone', 'phone_e164', 'is_phone_valid', 'street', 'postal_code',
    'is_postal_code_valid', 'city', 'country', 'customer_type', 'created_at', 'updated_at',
    '_source_file', '_row_number', '_loaded_at',
] %}

with

source as (

    {{ raw_versions_to_stage(source('crm', 'customers'), 'customer_number') }}

),

renamed as (

    select
        customer_number,
        birth_date,
        phone,
        postal_code,
        created_at,
        updated_at,
        _source_file,
        _row_number,
        _loaded_at,
        {{ normalise_name('given_names') }} as given_names,
        {{ normalise_name('preferred_name') }} as preferred_name,
        {{ normalise_name('surname') }} as surname,
        {{ normalise_email('email') }} as email,
        {{ is_valid_email(normalise_email('email')) }} as is_email_valid,
        {{ normalise_name('street') }} as street,
        {{ normalise_name('city') }} as city,
        {{ normalise_country('country') }} as country,
        lower(trim(customer_type)) as customer_type
    from source

),

normalised_postal_codes as (

    select
        *,
        {{ normalise_postal_code('postal_code', 'country') }} as postal_code_normalised
    from renamed

),

with_postal_codes as (

    select
        *,
        {{ is_valid_postal_code('postal_code_normalised', 'country') }} as is_postal_code_valid
    from normalised_postal_codes

),

phone_keys as (

    select
        *,
        coalesce(country, '') as phone_region
    from with_postal_codes

),

phones as (

    {{ distinct_parsed_phones('phone_keys', 'phone', 'phone_region') }}

),

loaded_versions as (

    select
        phone_keys.customer_number,
        phone_keys.given_names,
        phone_keys.preferred_name,
        phone_keys.surname,
        phone_keys.birth_date,
        phone_keys.email,
        phone_keys.is_email_valid,
        phone_keys.phone,
        phones.phone_e164,
        coalesce(phones.is_phone_valid, false) as is_phone_valid,
        phone_keys.street,
        phone_keys.postal_code_normalised as postal_code,
        phone_keys.is_postal_code_valid,
        phone_keys.city,
        phone_keys.country,
        phone_keys.customer_type,
        phone_keys.created_at,
        phone_keys.updated_at,
        phone_keys._source_file,
        phone_keys._row_number,
        phone_keys._loaded_at
    from phone_keys
    left join phones
        on
            phone_keys.phone = phones.phone
            and phone_keys.phone_region = phones.phone_region

),

restated_versions as (

    {{ with_staged_versions('loaded_versions', 'customer_number', version_columns) }}

),

versions as (

    select
        *,
        row_number() over (
            partition by
                customer_number,
                given_names,
                preferred_name,
                surname,
                birth_date,
                email,
                phone,
                street,
                postal_code,
                city,
                country,
                customer_type,
                created_at,
                updated_at
            order by {{ load_order() }}
        ) as copy_number
    from restated_versions

),

final as (

    select
        {{ version_columns | join(',\n        ') }},
        row_number() over (
            partition by customer_number
            order by updated_at desc, {{ load_order('desc') }}
        ) = 1 as is_current_version
    from versions
    where copy_number = 1

)

select * from final
