{#- One row per touch on a conversion path, and per touch on a non-converting path.
    A conversion is an order of a known customer, not cancelled (var attribution_conversion:
    any_order | first_order | above_value with attribution_min_order_value_sek). Its path is the
    customer's marketing touches (outbound campaign touches and web sessions, without the
    attribution_drop_channels) in the attribution_lookback_days before it, after the customer's
    previous conversion, in time order (ties by touchpoint_id). Touches on no conversion path
    form non-converting paths per customer, a new one after a gap longer than the lookback. -#}
{%- set conversion = var('attribution_conversion') -%}
{%- if conversion not in ('any_order', 'first_order', 'above_value') -%}
    {{ exceptions.raise_compiler_error(
        "var attribution_conversion must be any_order, first_order or above_value, got "
        ~ conversion) }}
{%- endif -%}
{%- set lookback = var('attribution_lookback_days') | int -%}
{%- set drop_channels = var('attribution_drop_channels') -%}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

),

customer_orders as (

    select
        order_id as conversion_id,
        customer_key,
        ordered_at as converted_at,
        order_revenue_sek as conversion_revenue_sek,
        row_number() over (
            partition by customer_key order by ordered_at, order_id
        ) as order_number
    from orders
    where customer_key is not null and not is_cancelled

),

conversions as (

    select
        conversion_id,
        customer_key,
        converted_at,
        conversion_revenue_sek,
        lag(converted_at) over (
            partition by customer_key order by converted_at, conversion_id
        ) as previous_converted_at
    from customer_orders
    {%- if conversion == 'first_order' %}
    where order_number = 1
    {%- elif conversion == 'above_value' %}
    where conversion_revenue_sek >= {{ var('attribution_min_order_value_sek') }}
    {%- endif %}

),

marketing_touches as (

    select
        touchpoint_id,
        customer_key,
        channel,
        campaign_id,
        occurred_at
    from touchpoints
    where
        customer_key is not null
        and (is_marketing_touch or touchpoint_type = 'web_session')
        {%- if drop_channels %}
        and channel not in (
            {%- for channel in drop_channels %}'{{ channel }}'{{ ", " if not loop.last }}{% endfor -%}
        )
        {%- endif %}

),

converting_touches as (

    select
        {{ dbt.concat(["'conversion:'", 'conversions.conversion_id']) }} as path_id,
        true as is_converting,
        conversions.conversion_id,
        conversions.customer_key,
        conversions.converted_at,
        conversions.conversion_revenue_sek,
        marketing_touches.touchpoint_id,
        marketing_touches.channel,
        marketing_touches.campaign_id,
        marketing_touches.occurred_at
    from conversions
    inner join marketing_touches
        on
            conversions.customer_key = marketing_touches.customer_key
            and conversions.converted_at >= marketing_touches.occurred_at
            and marketing_touches.occurred_at
            >= {{ dbt.dateadd('day', -lookback, 'conversions.converted_at') }}
            and (
                conversions.previous_converted_at is null
                or conversions.previous_converted_at < marketing_touches.occurred_at
            )

),

unconverted_touches as (

    select
        marketing_touches.*,
        lag(marketing_touches.occurred_at) over (
            partition by marketing_touches.customer_key
            order by marketing_touches.occurred_at, marketing_touches.touchpoint_id
        ) as previous_occurred_at
    from marketing_touches
    left join converting_touches
        on marketing_touches.touchpoint_id = converting_touches.touchpoint_id
    where converting_touches.touchpoint_id is null

),

unconverted_path_starts as (

    select
        *,
        case
            when previous_occurred_at is null then 1
            when occurred_at > {{ dbt.dateadd('day', lookback, 'previous_occurred_at') }} then 1
            else 0
        end as starts_path
    from unconverted_touches

),

unconverted_path_numbers as (

    select
        *,
        sum(starts_path) over (
            partition by customer_key
            order by occurred_at, touchpoint_id
            rows between unbounded preceding and current row
        ) as path_number
    from unconverted_path_starts

),

non_converting_touches as (

    select
        {{ dbt.concat([
            "'open:'", 'customer_key', "':'",
            dbt.cast('path_number', dbt.type_string())
        ]) }} as path_id,
        false as is_converting,
        cast(null as {{ dbt.type_string() }}) as conversion_id,
        customer_key,
        cast(null as {{ dbt.type_timestamp() }}) as converted_at,
        cast(null as decimal(18, 2)) as conversion_revenue_sek,
        touchpoint_id,
        channel,
        campaign_id,
        occurred_at
    from unconverted_path_numbers

),

path_touches as (

    select * from converting_touches
    union all
    select * from non_converting_touches

),

{%- if var('attribution_collapse_repeats') %}

collapsed as (

    select *
    from (
        select
            *,
            lag(channel) over (
                partition by path_id order by occurred_at, touchpoint_id
            ) as previous_channel
        from path_touches
    ) as sequenced
    where previous_channel is null or previous_channel <> channel

),
{%- else %}

collapsed as (

    select * from path_touches

),
{%- endif %}

final as (

    select
        path_id,
        is_converting,
        conversion_id,
        customer_key,
        converted_at,
        conversion_revenue_sek,
        touchpoint_id,
        channel,
        campaign_id,
        occurred_at,
        row_number() over (
            partition by path_id order by occurred_at, touchpoint_id
        ) as touch_number,
        count(*) over (partition by path_id) as path_length
    from collapsed

)

select * from final
