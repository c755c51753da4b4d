{#- One row per NPS answer with its category (promoter 9–10, passive 7–8, detractor 0–6).
    Incremental: answers loaded since the last run. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='response_id',
        on_schema_change='fail',
        pre_hook=[
            "{{ refresh_customer_keys(\"'survey'\", 'response_id') }}",
        ],
    )
}}

with

responses as (

    select * from {{ ref('stg_survey__responses') }}
    where {{ loaded_since_last_run() }}

),

identity_map as (

    select
        source_record_id as response_id,
        cast(customer_key as {{ dbt.type_string() }}) as customer_key
    from {{ source('identity', 'customer_identity_map') }}
    where source_system = 'survey'

),

final as (

    select
        responses.response_id,
        identity_map.customer_key,
        responses.survey_id,
        cast(responses.nps_score as integer) as nps_score,
        case
            when responses.nps_score between 9 and 10 then 'promoter'
            when responses.nps_score between 7 and 8 then 'passive'
            when responses.nps_score between 0 and 6 then 'detractor'
        end as nps_category,
        responses.nps_score between 0 and 10 as is_score_valid,
        responses.answered_at,
        responses._loaded_at
    from responses
    left join identity_map
        on responses.response_id = identity_map.response_id

)

select * from final
