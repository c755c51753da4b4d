{#- Audience candidates of the latest run that will not be contacted, with the reason: the first
    suppression rule that stopped every allowed channel, or cadence, contact cap or holdout. -#}
with

candidates as (

    select * from {{ ref('act_audience_candidates') }}

),

eligibility as (

    select * from {{ ref('act_channel_eligibility') }}

),

decisions as (

    select * from {{ ref('act_audience_decisions') }}

),

latest_run as (

    select max(planned_at) as planned_at from decisions

),

latest_decisions as (

    select decisions.*
    from decisions
    inner join latest_run
        on decisions.planned_at = latest_run.planned_at

),

candidate_channels as (

    select
        candidates.customer_key,
        candidates.audience,
        max(case when eligibility.is_contactable then 1 else 0 end) as has_contactable_channel,
        min(
            case
                when not eligibility.is_contactable
                    then {{ dbt.concat(['candidates.channel', "':'",
                        'eligibility.suppression_reason']) }}
            end
        ) as channel_suppressions
    from candidates
    inner join eligibility
        on
            candidates.customer_key = eligibility.customer_key
            and candidates.channel = eligibility.channel
    group by candidates.customer_key, candidates.audience

),

final as (

    select
        candidate_channels.customer_key,
        candidate_channels.audience,
        case
            when candidate_channels.has_contactable_channel = 0
                then candidate_channels.channel_suppressions
            when latest_decisions.assignment = 'holdout' then 'holdout'
            else 'cadence_or_contact_cap'
        end as suppression_reason
    from candidate_channels
    left join latest_decisions
        on
            candidate_channels.customer_key = latest_decisions.customer_key
            and candidate_channels.audience = latest_decisions.audience
    where latest_decisions.assignment is null or latest_decisions.assignment = 'holdout'

)

select * from final
