{#- KPIs per journey stage per calendar month, from the first stage interval to the as-of date:
    customers in the stage during the month and at its end, entries, exits, conversions
    (to a healthier stage) and churn (to lapsed) with rates over customers in the stage,
    median days in stage of the intervals that ended in the month, revenue of orders placed while
    in the stage, and NPS of answers given while in the stage. -#}
with

stage_history as (

    select * from {{ ref('fct_customer_stage_history') }}

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

in_stage as (

    select
        grid.month_start_date,
        grid.stage,
        count(distinct stage_history.customer_key) as customers_in_stage,
        count(
            distinct case
                when
                    stage_history.valid_to is null
                    or stage_history.valid_to > grid.month_end_date
                    then stage_history.customer_key
            end
        ) as customers_at_month_end,
        count(
            distinct case
                when stage_history.valid_from >= grid.month_start_date
                    then stage_history.customer_key
            end
        ) as customers_entered
    from grid
    inner join stage_history
        on
            grid.stage = stage_history.stage
            and grid.month_end_date >= stage_history.valid_from
            and (
                stage_history.valid_to is null
                or grid.month_start_date < stage_history.valid_to
            )
    group by grid.month_start_date, grid.stage

),

exits as (

    select
        grid.month_start_date,
        grid.stage,
        count(*) as customers_exited,
        sum(case when transitions.is_conversion then 1 else 0 end) as conversions,
        sum(case when transitions.is_churn then 1 else 0 end) as churned,
        {{ median_of('transitions.days_in_from_stage') }} as median_days_in_stage
    from grid
    inner join transitions
        on
            grid.stage = transitions.from_stage
            and transitions.transitioned_on between grid.month_start_date and grid.month_end_date
    group by grid.month_start_date, grid.stage

),

revenue as (

    select
        grid.month_start_date,
        grid.stage,
        sum(order_days.revenue_sek) as revenue_sek,
        sum(order_days.order_count) as order_count
    from grid
    inner join stage_history
        on grid.stage = stage_history.stage
    inner join order_days
        on
            stage_history.customer_key = order_days.customer_key
            and stage_history.valid_from <= order_days.order_date
            and (stage_history.valid_to is null or stage_history.valid_to > order_days.order_date)
            and order_days.order_date between grid.month_start_date and grid.month_end_date
    group by grid.month_start_date, grid.stage

),

nps as (

    select
        grid.month_start_date,
        grid.stage,
        count(*) as nps_response_count,
        avg(nps_responses.nps_score) as nps_average_score,
        100.0 * (
            sum(case when nps_responses.nps_category = 'promoter' then 1 else 0 end)
            - sum(case when nps_responses.nps_category = 'detractor' then 1 else 0 end)
        ) / count(*) as net_promoter_score
    from grid
    inner join stage_history
        on grid.stage = stage_history.stage
    inner join nps_responses
        on
            stage_history.customer_key = nps_responses.customer_key
            and {{ utc_date('nps_responses.answered_at') }} >= stage_history.valid_from
            and (
                stage_history.valid_to is null
                or {{ utc_date('nps_responses.answered_at') }} < stage_history.valid_to
            )
            and {{ utc_date('nps_responses.answered_at') }}
            between grid.month_start_date and grid.month_end_date
    group by grid.month_start_date, grid.stage

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
        cast(coalesce(in_stage.customers_entered, 0) as bigint) as customers_entered,
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
    left join exits
        on grid.month_start_date = exits.month_start_date and grid.stage = exits.stage
    left join revenue
        on grid.month_start_date = revenue.month_start_date and grid.stage = revenue.stage
    left join nps
        on grid.month_start_date = nps.month_start_date and grid.stage = nps.stage

)

select * from final
