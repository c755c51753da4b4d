{#- Attributed conversions and revenue per model, month, channel and campaign, with ad spend
    (SEK) from the ad platforms, cost per conversion and return on ad spend. Spend without any
    attributed conversion still shows, under every model, with 0 conversions. -#}
with

credits as (

    select * from {{ source('attribution', 'fct_attribution_credits') }}

),

paths as (

    select * from {{ ref('int_conversion_paths') }}
    where is_converting

),

daily_spend as (

    select * from {{ ref('stg_ads__daily_spend') }}

),

currency_rates as (

    select * from {{ ref('currency_rates') }}

),

credited_touches as (

    select
        credits.model,
        cast({{ dbt.date_trunc('month', 'paths.converted_at') }} as date) as attribution_month,
        paths.channel,
        paths.campaign_id,
        credits.credit,
        credits.revenue_credit
    from credits
    inner join paths
        on
            credits.conversion_id = paths.conversion_id
            and credits.touchpoint_id = paths.touchpoint_id

),

attributed as (

    select
        model,
        attribution_month,
        channel,
        campaign_id,
        sum(credit) as attributed_conversions,
        sum(revenue_credit) as attributed_revenue_sek
    from credited_touches
    group by model, attribution_month, channel, campaign_id

),

spend as (

    select
        cast({{ dbt.date_trunc('month', 'daily_spend.report_date') }} as date) as attribution_month,
        daily_spend.channel,
        daily_spend.campaign_id,
        sum(daily_spend.spend * currency_rates.sek_per_unit) as spend_sek
    from daily_spend
    left join currency_rates
        on daily_spend.currency = currency_rates.currency
    group by 1, 2, 3

),

models as (

    select distinct model from credits

),

grid as (

    select
        model,
        attribution_month,
        channel,
        campaign_id
    from attributed
    union
    select
        models.model,
        spend.attribution_month,
        spend.channel,
        spend.campaign_id
    from spend
    cross join models

),

final as (

    select
        grid.model,
        grid.attribution_month,
        grid.channel,
        grid.campaign_id,
        coalesce(attributed.attributed_conversions, 0) as attributed_conversions,
        coalesce(attributed.attributed_revenue_sek, 0) as attributed_revenue_sek,
        coalesce(spend.spend_sek, 0) as spend_sek,
        spend.spend_sek / nullif(attributed.attributed_conversions, 0)
            as cost_per_conversion_sek,
        coalesce(attributed.attributed_revenue_sek, 0) / nullif(spend.spend_sek, 0)
            as return_on_ad_spend
    from grid
    left join attributed
        on
            grid.model = attributed.model
            and grid.attribution_month = attributed.attribution_month
            and grid.channel = attributed.channel
            and grid.campaign_id is not distinct from attributed.campaign_id
    left join spend
        on
            grid.attribution_month = spend.attribution_month
            and grid.channel = spend.channel
            and grid.campaign_id is not distinct from spend.campaign_id

)

select * from final
