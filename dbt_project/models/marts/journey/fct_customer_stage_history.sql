{#- One row per customer per journey-stage interval: valid_from inclusive, valid_to exclusive
    (null while current, i.e. up to the as-of date). Rules: int_customer_stage_points.
    Incremental per customer: rebuilt are the customers whose journey_fingerprint differs from
    their stage points', those with a stage point after the previous as-of date (the day the
    current intervals count to) and those with an interval after the as-of date; post-hooks
    drop customers without stage points and count the current intervals' days to the as-of
    date. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='customer_key',
        on_schema_change='fail',
        post_hook=[
            "{{ delete_stage_history_without_points() }}",
            "{{ update_current_days_in_stage() }}",
        ],
    )
}}

-- depends_on: {{ ref('int_customer_funnel_milestones') }}
with

all_stage_points as (

    select * from {{ ref('int_customer_stage_points') }}

),

journey_stages as (

    select * from {{ ref('journey_stages') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

{# customers to (re)build: all on a full build -#}
affected as (

    select distinct
        customer_key,
        journey_fingerprint
    from all_stage_points
    {% if is_incremental() -%}
    where
        customer_key in (
            {# new customers and changed inputs -#}
            select fingerprints.customer_key
            from (
                select distinct
                    customer_key,
                    journey_fingerprint
                from all_stage_points
            ) as fingerprints
            left join (
                select distinct
                    customer_key,
                    journey_fingerprint
                from {{ this }}
            ) as built
                on fingerprints.customer_key = built.customer_key
            where
                built.journey_fingerprint is null
                or built.journey_fingerprint <> fingerprints.journey_fingerprint
            {# a stage point after the as-of date the current intervals count to -#}
            union all
            select customer_key
            from all_stage_points
            where point_date > (
                select max({{ dbt.dateadd('day', 'days_in_stage', 'valid_from') }})
                from {{ this }}
                where is_current
            )
            {# intervals after the as-of date (the as-of date was set back) -#}
            union all
            select built_intervals.customer_key
            from {{ this }} as built_intervals
            cross join as_of
            where built_intervals.valid_from > as_of.as_of_date
        )
    {%- endif %}

),

stage_points as (

    select all_stage_points.*
    from all_stage_points
    inner join affected
        on all_stage_points.customer_key = affected.customer_key

),

changes as (

    select
        customer_key,
        point_date,
        stage,
        lag(stage) over (partition by customer_key order by point_date) as previous_stage
    from stage_points

),

intervals as (

    select
        customer_key,
        stage,
        point_date as valid_from,
        lead(point_date) over (partition by customer_key order by point_date) as valid_to,
        row_number() over (partition by customer_key order by point_date) as stage_sequence
    from changes
    where previous_stage is null or previous_stage <> stage

),

final as (

    select
        {{ dbt.concat([
            'intervals.customer_key', "'|'", dbt.cast('intervals.valid_from', dbt.type_string()),
        ]) }} as stage_interval_id,
        intervals.customer_key,
        intervals.stage,
        journey_stages.stage_group,
        cast(intervals.stage_sequence as integer) as stage_sequence,
        intervals.valid_from,
        intervals.valid_to,
        intervals.valid_to is null as is_current,
        cast(
            {{ days_between(
                'intervals.valid_from', 'coalesce(intervals.valid_to, as_of.as_of_date)'
            ) }}
            as integer
        ) as days_in_stage,
        affected.journey_fingerprint
    from intervals
    cross join as_of
    inner join affected
        on intervals.customer_key = affected.customer_key
    left join journey_stages
        on intervals.stage = journey_stages.stage

)

select * from final
