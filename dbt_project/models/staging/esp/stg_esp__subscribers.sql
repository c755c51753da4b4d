with

source as (

    select * from {{ source('esp', 'subscribers') }}

),

renamed as (

    select
        subscriber_id,
        subscribed_at,
        _source_file,
        _row_number,
        _loaded_at,
        {{ normalise_email('email') }} as email,
        {{ is_valid_email(normalise_email('email')) }} as is_email_valid,
        {{ normalise_name('first_name') }} as first_name
    from source

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by subscriber_id
            order by {{ load_order() }}
        ) as copy_number
    from renamed

),

final as (

    select
        subscriber_id,
        email,
        is_email_valid,
        first_name,
        subscribed_at,
        _source_file,
        _row_number,
        _loaded_at
    from deduplicated
    where copy_number = 1

)

select * from final
