{#- One row per customer per journey-stage interval: valid_from inclusive, valid_to exclusive
    (null while current, i.e. up to the as-of date). Rules: int_customer_stage_points. -#}
with

stage_points as (

    select * from {{ ref('int_customer_stage_points') }}

),

journey_stages as (

    select * from {{ ref('journey_stages') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

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
        ) as days_in_stage
    from intervals
    cross join as_of
    left join journey_stages
        on intervals.stage = journey_stages.stage

)

select * from final
