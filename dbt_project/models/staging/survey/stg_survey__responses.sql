with

source as (

    select * from {{ source('survey', 'responses') }}

),

renamed as (

    select
        response_id,
        survey_id,
        nps_score,
        answered_at,
        _source_file,
        _row_number,
        _loaded_at,
        {{ normalise_email('respondent_email') }} as respondent_email,
        {{ is_valid_email(normalise_email('respondent_email')) }} as is_email_valid,
        {{ normalise_name('respondent_name') }} as respondent_name
    from source

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by response_id
            order by {{ load_order() }}
        ) as copy_number
    from renamed

),

final as (

    select
        response_id,
        survey_id,
        respondent_email,
        is_email_valid,
        respondent_name,
        nps_score,
        answered_at,
        _source_file,
        _row_number,
        _loaded_at
    from deduplicated
    where copy_number = 1

)

select * from final
