{#- The contacts planned by the latest run: one row per customer and audience in the treatment
    group, with the channel chosen and the reason codes ("why is this customer on this list"). -#}
with

decisions as (

    select * from {{ ref('act_audience_decisions') }}

),

latest_run as (

    select max(planned_at) as planned_at from decisions

),

final as (

    select
        decisions.customer_key,
        decisions.audience,
        decisions.channel,
        decisions.message_id,
        decisions.planned_at,
        decisions.priority,
        decisions.contact_rank,
        decisions.app_user_id,
        decisions.reason
    from decisions
    inner join latest_run
        on decisions.planned_at = latest_run.planned_at
    where decisions.assignment = 'treatment'

)

select * from final
