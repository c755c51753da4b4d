{#- KPIs per journey stage per calendar month, from the first stage interval to the as-of date:
    customers in the stage during the month and at its end, entries, exits, conversions
    (to a healthier stage) and churn (to lapsed) with rates over customers in the stage,
    median days in stage of the intervals that ended in the month, revenue of orders placed while
    in the stage, and NPS of answers given while in the stage.
    Each interval is reduced to the months where it starts and stops counting (+1 / -1 per
    stage), and a month's count is the running sum of those changes: no join of every interval
    with every month. A date belongs to the first month of the grid whose end (the month's last
    day, or the as-of date) is on or after it. -#}
with

stage_history as (

    select * from {{ ref('fct_customer_stage_history') }}

),

stage_points as (

    select * from {{ ref('int_customer_stage_points') }}

),

transitions as (

    select * from {{ ref('fct_stage_transitions') }}

),

journey_stages as (

    select * from {{ ref('journey_stages') }}

),

order_days as (

    select * from {{ ref('int_customer_order_days') }}

),

nps_responses as (

    select * from {{ ref('fct_nps_responses') }}
    where customer_key is not null and is_score_valid

),

calendar as (

    select * from {{ ref('dim_date') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

months as (

    select
        calendar.month_start_date,
        max(calendar.date_day) as month_end_date
    from calendar
    cross join as_of
    where
        calendar.date_day <= as_of.as_of_date
        and calendar.date_day >= (
            select cast({{ dbt.date_trunc('month', 'min(valid_from)') }} as date)
            from stage_history
        )
    group by calendar.month_start_date

),

grid as (

    select
        months.month_start_date,
        months.month_end_date,
        journey_stages.stage
    from months
    cross join journey_stages

),

{# per interval: the month it starts counting in, the month its end day falls in (it stops
    counting at month end there) and the last month it overlaps -#}
intervals as (

    select
        stage_history.customer_key,
        stage_history.stage,
        stage_history.valid_from,
        stage_history.valid_to,
        {{ journey_grid_month('stage_history.valid_from', 'from_months') }} as counted_from_month,
        {{ journey_grid_month('stage_history.valid_to', 'to_months') }} as counted_to_month,
        cast(
            {{ dbt.date_trunc('month', dbt.dateadd('day', -1, 'stage_history.valid_to')) }}
            as date
        ) as last_overlap_month
    from stage_history
    left join months as from_months
        on
            cast({{ dbt.date_trunc('month', 'stage_history.valid_from') }} as date)
            = from_months.month_start_date
    left join months as to_months
        on
            cast({{ dbt.date_trunc('month', 'stage_history.valid_to') }} as date)
            = to_months.month_start_date

),

{# months overlapped by an interval of the same stage and customer are counted once: each
    interval counts from the month after the previous one's last month (same customer and
    stage; intervals never overlap, so the previous one ends last) -#}
previous_same_stage as (

    select
        intervals.*,
        lag(intervals.last_overlap_month) over (
            partition by intervals.customer_key, intervals.stage
            order by intervals.valid_from
        ) as previous_last_month
    from intervals

),

{% set month_after_previous = dbt.dateadd('month', 1, 'previous_same_stage.previous_last_month') -%}
counted_intervals as (

    select
        previous_same_stage.*,
        case
            when previous_same_stage.previous_last_month >= previous_same_stage.counted_from_month
                then cast({{ month_after_previous }} as date)
            else previous_same_stage.counted_from_month
        end as first_new_month
    from previous_same_stage

),

changes as (

    {# customers in the stage at any time in the month -#}
    select
        stage,
        first_new_month as change_month,
        1 as in_stage_change,
        0 as at_month_end_change
    from counted_intervals
    where last_overlap_month is null or first_new_month <= last_overlap_month
    union all
    select
        stage,
        cast({{ dbt.dateadd('month', 1, 'last_overlap_month') }} as date) as change_month,
        -1 as in_stage_change,
        0 as at_month_end_change
    from counted_intervals
    where last_overlap_month is not null and first_new_month <= last_overlap_month
    {# customers in the stage at month end: one interval per customer holds a given day -#}
    union all
    select
        stage,
        counted_from_month as change_month,
        0 as in_stage_change,
        1 as at_month_end_change
    from intervals
    union all
    select
        stage,
        counted_to_month as change_month,
        0 as in_stage_change,
        -1 as at_month_end_change
    from intervals
    where counted_to_month is not null

),

monthly_changes as (

    select
        stage,
        change_month,
        sum(in_stage_change) as in_stage_change,
        sum(at_month_end_change) as at_month_end_change
    from changes
    group by stage, change_month

),

in_stage as (

    select
        grid.month_start_date,
        grid.stage,
        sum(monthly_changes.in_stage_change) as customers_in_stage,
        sum(monthly_changes.at_month_end_change) as customers_at_month_end
    from grid
    inner join monthly_changes
        on
            grid.stage = monthly_changes.stage
            and grid.month_start_date >= monthly_changes.change_month
    group by grid.month_start_date, grid.stage

),

entries as (

    select
        months.month_start_date,
        stage_history.stage,
        count(distinct stage_history.customer_key) as customers_entered
    from stage_history
    inner join months
        on
            cast({{ dbt.date_trunc('month', 'stage_history.valid_from') }} as date)
            = months.month_start_date
            and stage_history.valid_from <= months.month_end_date
    group by months.month_start_date, stage_history.stage

),

exits as (

    select
        months.month_start_date,
        transitions.from_stage as stage,
        count(*) as customers_exited,
        sum(case when transitions.is_conversion then 1 else 0 end) as conversions,
        sum(case when transitions.is_churn then 1 else 0 end) as churned,
        {{ median_of('transitions.days_in_from_stage') }} as median_days_in_stage
    from transitions
    inner join months
        on
            cast({{ dbt.date_trunc('month', 'transitions.transitioned_on') }} as date)
            = months.month_start_date
            and transitions.transitioned_on <= months.month_end_date
    group by months.month_start_date, transitions.from_stage

),

{# every order day is a stage point: the stage there is the stage the order was placed in -#}
revenue as (

    select
        months.month_start_date,
        stage_points.stage,
        sum(order_days.revenue_sek) as revenue_sek,
        sum(order_days.order_count) as order_count
    from order_days
    inner join stage_points
        on
            order_days.customer_key = stage_points.customer_key
            and order_days.order_date = stage_points.point_date
    inner join months
        on
            cast({{ dbt.date_trunc('month', 'order_days.order_date') }} as date)
            = months.month_start_date
            and order_days.order_date <= months.month_end_date
    group by months.month_start_date, stage_points.stage

),

nps_answers as (

    select
        customer_key,
        nps_score,
        nps_category,
        {{ utc_date('answered_at') }} as answered_on
    from nps_responses

),

nps as (

    select
        months.month_start_date,
        stage_history.stage,
        count(*) as nps_response_count,
        avg(nps_answers.nps_score) as nps_average_score,
        100.0 * (
            sum(case when nps_answers.nps_category = 'promoter' then 1 else 0 end)
            - sum(case when nps_answers.nps_category = 'detractor' then 1 else 0 end)
        ) / count(*) as net_promoter_score
    from nps_answers
    inner join stage_history
        on
            nps_answers.customer_key = stage_history.customer_key
            and nps_answers.answered_on >= stage_history.valid_from
            and (stage_history.valid_to is null or nps_answers.answered_on < stage_history.valid_to)
    inner join months
        on
            cast({{ dbt.date_trunc('month', 'nps_answers.answered_on') }} as date)
            = months.month_start_date
            and nps_answers.answered_on <= months.month_end_date
    group by months.month_start_date, stage_history.stage

),

final as (

    select
        {{ dbt.concat([
            dbt.cast('grid.month_start_date', dbt.type_string()), "'|'", 'grid.stage',
        ]) }} as journey_kpi_id,
        grid.month_start_date,
        grid.stage,
        journey_stages.stage_group,
        cast(coalesce(in_stage.customers_in_stage, 0) as bigint) as customers_in_stage,
        cast(coalesce(in_stage.customers_at_month_end, 0) as bigint) as customers_at_month_end,
        cast(coalesce(entries.customers_entered, 0) as bigint) as customers_entered,
        cast(coalesce(exits.customers_exited, 0) as bigint) as customers_exited,
        cast(coalesce(exits.conversions, 0) as bigint) as conversions,
        cast(
            case
                when in_stage.customers_in_stage > 0
                    then 1.0 * coalesce(exits.conversions, 0) / in_stage.customers_in_stage
            end as {{ type_double() }}
        ) as conversion_rate,
        cast(coalesce(exits.churned, 0) as bigint) as churned,
        cast(
            case
                when in_stage.customers_in_stage > 0
                    then 1.0 * coalesce(exits.churned, 0) / in_stage.customers_in_stage
            end as {{ type_double() }}
        ) as churn_rate,
        cast(exits.median_days_in_stage as {{ type_double() }}) as median_days_in_stage,
        cast(coalesce(revenue.revenue_sek, 0) as decimal(18, 2)) as revenue_sek,
        cast(coalesce(revenue.order_count, 0) as bigint) as order_count,
        cast(coalesce(nps.nps_response_count, 0) as bigint) as nps_response_count,
        cast(nps.nps_average_score as {{ type_double() }}) as nps_average_score,
        cast(nps.net_promoter_score as {{ type_double() }}) as net_promoter_score
    from grid
    inner join journey_stages
        on grid.stage = journey_stages.stage
    left join in_stage
        on grid.month_start_date = in_stage.month_start_date and grid.stage = in_stage.stage
    left join entries
        on grid.month_start_date = entries.month_start_date and grid.stage = entries.stage
    left join exits
        on grid.month_start_date = exits.month_start_date and grid.stage = exits.stage
    left join revenue
        on grid.month_start_date = revenue.month_start_date and grid.stage = revenue.stage
    left join nps
        on grid.month_start_date = nps.month_start_date and grid.stage = nps.stage

)

select * from final
