with

source as (

    select * from {{ source('esp', 'email_events') }}

),

renamed as (

    select
        event_id,
        subscriber_id,
        campaign_id,
        message_id,
        occurred_at,
        _source_file,
        _row_number,
        _loaded_at,
        {{ normalise_email('email') }} as email,
        {{ is_valid_email(normalise_email('email')) }} as is_email_valid,
        lower(trim(event_type)) as event_type
    from source

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by event_id
            order by {{ load_order() }}
        ) as copy_number
    from renamed

),

final as (

    select
        event_id,
        subscriber_id,
        email,
        is_email_valid,
        event_type,
        campaign_id,
        message_id,
        occurred_at,
        _source_file,
        _row_number,
        _loaded_at
    from deduplicated
    where copy_number = 1

)

select * from final
