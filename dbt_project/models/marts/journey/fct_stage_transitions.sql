{#- One row per change of journey stage: from which stage to which, when, after how many days.
    A conversion moves to a healthier stage (seed journey_stages.health_rank); churn moves to
    lapsed.
    Incremental per customer: rebuilt are the customers (with a transition) whose
    journey_fingerprint differs from their stage history's and those with an interval starting
    after the latest transition built (time-driven stage changes); the post-hook drops
    transitions whose interval is gone. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='customer_key',
        on_schema_change='fail',
        post_hook=["{{ delete_transitions_without_interval() }}"],
    )
}}

with

all_stage_history as (

    select * from {{ ref('fct_customer_stage_history') }}

),

{# customers to (re)build: all with a transition on a full build -#}
affected as (

    select distinct
        customer_key,
        journey_fingerprint
    from all_stage_history
    where stage_sequence > 1
    {% if is_incremental() -%}
        and customer_key in (
            {# new customers and changed inputs -#}
            select changed.customer_key
            from all_stage_history as changed
            left join (
                select distinct
                    customer_key,
                    journey_fingerprint
                from {{ this }}
            ) as built
                on changed.customer_key = built.customer_key
            where
                changed.stage_sequence = 2
                and (
                    built.journey_fingerprint is null
                    or built.journey_fingerprint <> changed.journey_fingerprint
                )
            {# intervals after the latest transition built -#}
            union all
            select customer_key
            from all_stage_history
            where
                stage_sequence > 1
                and valid_from > (select max(transitioned_on) from {{ this }})
        )
    {%- endif %}

),

stage_history as (

    select all_stage_history.*
    from all_stage_history
    inner join affected
        on all_stage_history.customer_key = affected.customer_key

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
        paired.to_stage = 'lapsed' as is_churn,
        affected.journey_fingerprint
    from paired
    inner join affected
        on paired.customer_key = affected.customer_key
    inner join journey_stages as from_stages
        on paired.from_stage = from_stages.stage
    inner join journey_stages as to_stages
        on paired.to_stage = to_stages.stage

)

select * from final
