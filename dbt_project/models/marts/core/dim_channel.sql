{#- Every channel a touchpoint can carry (seed `channels`): type owned/paid/earned,
    online/offline, owning department. -#}
with

channels as (

    select * from {{ ref('channels') }}

),

final as (

    select
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(channel_name as {{ dbt.type_string() }}) as channel_name,
        cast(channel_type as {{ dbt.type_string() }}) as channel_type,
        cast(is_online as boolean) as is_online,
        case when is_online then 'online' else 'offline' end as channel_medium,
        cast(department as {{ dbt.type_string() }}) as department,
        cast(is_campaign_channel as boolean) as is_campaign_channel,
        channel_type = 'paid' as is_paid
    from channels

)

select * from final
