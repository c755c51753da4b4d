{#- One row per change of journey stage: from which stage to which, when, after how many days.
    A conversion moves to a healthier stage (seed journey_stages.health_rank); churn moves to
    lapsed. -#}
with

stage_history as (

    select * from {{ ref('fct_customer_stage_history') }}

),

journey_stages as (

    select * from {{ ref('journey_stages') }}

),

paired as (

    select
        customer_key,
        lag(stage) over (partition by customer_key order by valid_from) as from_stage,
        lag(valid_from) over (partition by customer_key order by valid_from) as from_valid_from,
        stage as to_stage,
        valid_from as transitioned_on
    from stage_history

),

final as (

    select
        {{ dbt.concat([
            'paired.customer_key', "'|'", dbt.cast('paired.transitioned_on', dbt.type_string()),
        ]) }} as stage_transition_id,
        paired.customer_key,
        paired.from_stage,
        paired.to_stage,
        paired.transitioned_on,
        cast(
            {{ days_between('paired.from_valid_from', 'paired.transitioned_on') }} as integer  -- noqa: LT05
        ) as days_in_from_stage,
        to_stages.health_rank > from_stages.health_rank as is_conversion,
        paired.to_stage = 'lapsed' as is_churn
    from paired
    inner join journey_stages as from_stages
        on paired.from_stage = from_stages.stage
    inner join journey_stages as to_stages
        on paired.to_stage = to_stages.stage

)

select * from final
