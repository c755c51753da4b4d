with

source as (

    select * from {{ source('app', 'users') }}

),

renamed as (

    select
        app_user_id,
        push_enabled,
        created_at,
        _source_file,
        _row_number,
        _loaded_at,
        {{ normalise_email('email') }} as email,
        {{ is_valid_email(normalise_email('email')) }} as is_email_valid,
        {{ normalise_name('given_name') }} as given_name
    from source

),

versions as (

    select
        *,
        row_number() over (
            partition by
                app_user_id,
                email,
                given_name,
                push_enabled,
                created_at
            order by {{ load_order() }}
        ) as copy_number
    from renamed

),

final as (

    select
        app_user_id,
        email,
        is_email_valid,
        given_name,
        push_enabled,
        created_at,
        _source_file,
        _row_number,
        _loaded_at,
        row_number() over (
            partition by app_user_id
            order by created_at desc, {{ load_order('desc') }}
        ) = 1 as is_current_version
    from versions
    where copy_number = 1

)

select * from final
