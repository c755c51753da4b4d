{#- A table, not a view: phones are parsed once per run, not by every reader (identity,
    the golden record, its history and the quality suites). -#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('webshop', 'accounts') }}

),

renamed as (

    select
        account_id,
        customer_number,
        email_verified,
        phone,
        postal_code,
        created_at,
        updated_at,
        _source_file,
        _row_number,
        _loaded_at,
        {{ normalise_email('email') }} as email,
        {{ is_valid_email(normalise_email('email')) }} as is_email_valid,
        {{ normalise_name('first_name') }} as first_name,
        {{ normalise_name('last_name') }} as last_name,
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

versions as (

    select
        *,
        row_number() over (
            partition by
                account_id,
                customer_number,
                email,
                email_verified,
                first_name,
                last_name,
                phone,
                street,
                postal_code,
                city,
                country,
                created_at,
                updated_at
            order by {{ load_order() }}
        ) as copy_number
    from with_phones

),

final as (

    select
        account_id,
        customer_number,
        email,
        is_email_valid,
        email_verified,
        first_name,
        last_name,
        phone,
        phone_e164,
        is_phone_valid,
        street,
        postal_code_normalised as postal_code,
        is_postal_code_valid,
        city,
        country,
        created_at,
        updated_at,
        _source_file,
        _row_number,
        _loaded_at,
        row_number() over (
            partition by account_id
            order by updated_at desc, {{ load_order('desc') }}
        ) = 1 as is_current_version
    from versions
    where copy_number = 1

)

select * from final
