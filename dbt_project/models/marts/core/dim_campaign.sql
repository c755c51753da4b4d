{#- One row per campaign (current version of the CRM campaign calendar) with its channel's
    attributes and, for paid campaigns, delivered impressions, clicks and spend in SEK. -#}
with

campaigns as (

    select * from {{ ref('stg_crm__campaigns') }}
    where is_current_version

),

ad_spend as (

    select * from {{ ref('stg_ads__daily_spend') }}

),

currency_rates as (

    select * from {{ ref('currency_rates') }}

),

channels as (

    select * from {{ ref('channels') }}

),

spend_per_campaign as (

    select
        ad_spend.campaign_id,
        sum(ad_spend.impressions) as ad_impressions,
        sum(ad_spend.clicks) as ad_clicks,
        sum(ad_spend.spend * currency_rates.sek_per_unit) as ad_spend_sek
    from ad_spend
    left join currency_rates
        on ad_spend.currency = currency_rates.currency
    group by ad_spend.campaign_id

),

final as (

    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.channel,
        channels.channel_type,
        channels.department,
        campaigns.objective,
        campaigns.offer_id,
        campaigns.start_date,
        campaigns.end_date,
        campaigns.created_at,
        coalesce(channels.channel_type = 'paid', false) as is_paid,
        cast(coalesce(spend_per_campaign.ad_impressions, 0) as bigint) as ad_impressions,
        cast(coalesce(spend_per_campaign.ad_clicks, 0) as bigint) as ad_clicks,
        cast(coalesce(spend_per_campaign.ad_spend_sek, 0) as decimal(18, 2)) as ad_spend_sek
    from campaigns
    left join channels
        on campaigns.channel = channels.channel
    left join spend_per_campaign
        on campaigns.campaign_id = spend_per_campaign.campaign_id

)

select * from final
