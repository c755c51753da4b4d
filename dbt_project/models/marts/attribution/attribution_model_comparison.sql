{#- The models side by side per channel over the whole period: attributed conversions, revenue
    and share under each model, the change against last touch, spend and return on ad spend. -#}
with

summary as (

    select * from {{ ref('attribution_summary') }}

),

by_channel as (

    select
        model,
        channel,
        sum(attributed_conversions) as attributed_conversions,
        sum(attributed_revenue_sek) as attributed_revenue_sek,
        sum(spend_sek) as spend_sek
    from summary
    group by model, channel

),

model_totals as (

    select
        model,
        sum(attributed_conversions) as model_conversions
    from by_channel
    group by model

),

last_touch as (

    select
        channel,
        attributed_conversions as last_touch_conversions
    from by_channel
    where model = 'last_touch'

),

final as (

    select
        by_channel.model,
        by_channel.channel,
        by_channel.attributed_conversions,
        by_channel.attributed_revenue_sek,
        by_channel.attributed_conversions / nullif(model_totals.model_conversions, 0)
            as conversion_share,
        last_touch.last_touch_conversions,
        by_channel.attributed_conversions - coalesce(last_touch.last_touch_conversions, 0)
            as change_against_last_touch,
        by_channel.spend_sek,
        by_channel.attributed_revenue_sek / nullif(by_channel.spend_sek, 0)
            as return_on_ad_spend
    from by_channel
    inner join model_totals
        on by_channel.model = model_totals.model
    left join last_touch
        on by_channel.channel = last_touch.channel

)

select * from final
