with

source as (

    select * from {{ source('ads', 'daily_spend') }}

),

renamed as (

    select
        report_date,
        campaign_id,
        impressions,
        clicks,
        spend,
        _source_file,
        _row_number,
        _loaded_at,
        lower(trim(platform)) as platform,
        lower(trim(channel)) as channel,
        upper(trim(currency)) as currency
    from source

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by report_date, platform, campaign_id
            order by {{ load_order('desc') }}
        ) as copy_number
    from renamed

),

final as (

    select
        report_date,
        platform,
        campaign_id,
        channel,
        impressions,
        clicks,
        spend,
        currency,
        _source_file,
        _row_number,
        _loaded_at
    from deduplicated
    where copy_number = 1

)

select * from final
