{#- Control groups: every customer held out of an audience, per planned date (all runs). The
    assignment is a deterministic hash of audience and customer key, so the same customer stays in
    the same group of an audience from run to run. Holdout members are never exported. -#}
with

decisions as (

    select * from {{ ref('act_audience_decisions') }}

),

final as (

    select
        customer_key,
        audience,
        channel,
        planned_at,
        holdout_bucket
    from decisions
    where assignment = 'holdout'

)

select * from final
