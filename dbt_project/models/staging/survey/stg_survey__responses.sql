{#- Incremental (macros/staging/incremental.sql): a run stages only newly loaded raw rows. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ restage_if_raw_reloaded(source('survey', 'responses')) }}",
    )
}}

with

source as (

    select * from {{ source('survey', 'responses') }}
    where {{ loaded_since_staged(source_relation=source('survey', 'responses')) }}

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
    where copy_number = 1 and {{ not_loaded_before('deduplicated', 'response_id') }}

)

select * from final
{{ in_load_order() }}
