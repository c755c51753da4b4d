with

source as (

    select * from {{ source('postal', 'recipients') }}

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

with_postal_codes as (

    select
        *,
        {{ is_valid_postal_code('postal_code_normalised', 'country') }} as is_postal_code_valid
    from normalised_postal_codes

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
    from with_postal_codes

),

final as (

    select
        recipient_id,
        full_name,
        street,
        postal_code_normalised as postal_code,
        is_postal_code_valid,
        city,
        country,
        updated_at,
        _source_file,
        _row_number,
        _loaded_at,
        row_number() over (
            partition by recipient_id
            order by updated_at desc, {{ load_order('desc') }}
        ) = 1 as is_current_version
    from versions
    where copy_number = 1

)

select * from final
