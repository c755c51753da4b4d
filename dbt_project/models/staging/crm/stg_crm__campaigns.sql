with

source as (

    select * from {{ source('crm', 'campaigns') }}

),

renamed as (

    select
        campaign_id,
        offer_id,
        start_date,
        end_date,
        created_at,
        _source_file,
        _row_number,
        _loaded_at,
        nullif(trim(campaign_name), '') as campaign_name,
        lower(trim(channel)) as channel,
        lower(trim(objective)) as objective
    from source

),

versions as (

    select
        *,
        row_number() over (
            partition by
                campaign_id,
                campaign_name,
                channel,
                objective,
                offer_id,
                start_date,
                end_date,
                created_at
            order by {{ load_order() }}
        ) as copy_number
    from renamed

),

final as (

    select
        campaign_id,
        campaign_name,
        channel,
        objective,
        offer_id,
        start_date,
        end_date,
        created_at,
        _source_file,
        _row_number,
        _loaded_at,
        row_number() over (
            partition by campaign_id
            order by created_at desc, {{ load_order('desc') }}
        ) = 1 as is_current_version
    from versions
    where copy_number = 1

)

select * from final
