{#- One row per calendar day from var date_spine_start (inclusive) to date_spine_end
    (exclusive). -#}
with

days as (

    {{ dbt.date_spine(
        'day',
        date_literal(var('date_spine_start')),
        date_literal(var('date_spine_end')),
    ) }}

),

final as (

    select
        cast(date_day as date) as date_day,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start_date,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start_date,
        cast({{ dbt.date_trunc('year', 'date_day') }} as date) as year_start_date,
        cast(extract(year from date_day) as integer) as year_number,
        cast(extract(quarter from date_day) as integer) as quarter_number,
        cast(extract(month from date_day) as integer) as month_number,
        cast(extract(day from date_day) as integer) as day_of_month,
        cast({{ iso_day_of_week("date_day") }} as integer) as iso_day_of_week,
        {{ iso_day_of_week("date_day") }} in (6, 7) as is_weekend
    from days

)

select * from final
