with

source as (

    select * from {{ source('consent', 'erasure_requests') }}

),

renamed as (

    select
        request_id,
        customer_number,
        phone,
        requested_at,
        _source_file,
        _row_number,
        _loaded_at,
        {{ normalise_email('email') }} as email,
        {{ is_valid_email(normalise_email('email')) }} as is_email_valid
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
            partition by request_id
            order by {{ load_order() }}
        ) as copy_number
    from with_phones

),

final as (

    select
        request_id,
        customer_number,
        email,
        is_email_valid,
        phone,
        phone_e164,
        is_phone_valid,
        requested_at,
        _source_file,
        _row_number,
        _loaded_at
    from deduplicated
    where copy_number = 1

)

select * from final
