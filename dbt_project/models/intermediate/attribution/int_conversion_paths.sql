{#- One row per touch on a conversion path, and per touch on a non-converting path.
    A conversion is an order of a known customer, not cancelled (var attribution_conversion:
    any_order | first_order | above_value with attribution_min_order_value_sek). Its path is the
    customer's marketing touches (outbound campaign touches and paid-media clicks, without the
    attribution_drop_channels) in the attribution_lookback_days before it, after the customer's
    previous conversion, in time order (ties by touchpoint_id). Other web sessions (direct,
    organic search, referral, clicks on owned-channel links) are the customer's own visits, among
    them the session the order is placed in; they join the paths only with
    attribution_include_web_sessions. Touches on no conversion path form non-converting paths:
    per customer, consecutive windows of attribution_lookback_days from their first such touch,
    so a non-converting path spans no more time than a converting one. -#}
{%- set conversion = var('attribution_conversion') -%}
{%- if conversion not in ('any_order', 'first_order', 'above_value') -%}
    {{ exceptions.raise_compiler_error(
        "var attribution_conversion must be any_order, first_order or above_value, got "
        ~ conversion) }}
{%- endif -%}
{%- set lookback = var('attribution_lookback_days') | int -%}
{%- if lookback <= 0 -%}
    {{ exceptions.raise_compiler_error(
        "var attribution_lookback_days must be a positive number of days, got "
        ~ var('attribution_lookback_days')) }}
{%- endif -%}
{%- set drop_channels = var('attribution_drop_channels') -%}
{%- set kept_channel_condition = (
    "channel not in ('" ~ drop_channels | join("', '") ~ "')" if drop_channels else 'true'
) -%}
{%- set include_web_sessions = var('attribution_include_web_sessions', false) -%}

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
        row_number() over (
            partition by customer_key order by converted_at, conversion_id
        ) as conversion_number
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
        {%- if include_web_sessions %}
        and (is_marketing_touch or touchpoint_type = 'web_session')
        {%- else %}
        and is_marketing_touch
        {%- endif %}
        and {{ kept_channel_condition }}

),

{# a touch belongs to the customer's next conversion at or after it (so never to one after a
   conversion in between), if that is within the lookback: one sorted pass over the customer's
   touches and conversions, touches first at equal times, instead of a join of every touch
   with every conversion -#}
customer_events as (

    select
        customer_key,
        occurred_at as event_at,
        0 as event_order,
        touchpoint_id,
        cast(null as {{ dbt.type_bigint() }}) as conversion_number
    from marketing_touches
    union all
    select
        customer_key,
        converted_at as event_at,
        1 as event_order,
        cast(null as {{ dbt.type_string() }}) as touchpoint_id,
        conversion_number
    from conversions

),

next_conversions as (

    select
        touchpoint_id,
        customer_key,
        next_conversion_number
    from (
        select
            touchpoint_id,
            customer_key,
            event_order,
            min(conversion_number) over (
                partition by customer_key
                order by event_at, event_order
                rows between current row and unbounded following
            ) as next_conversion_number
        from customer_events
    ) as scanned
    where event_order = 0 and next_conversion_number is not null

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
    from next_conversions
    inner join conversions
        on
            next_conversions.customer_key = conversions.customer_key
            and next_conversions.next_conversion_number = conversions.conversion_number
    inner join marketing_touches
        on next_conversions.touchpoint_id = marketing_touches.touchpoint_id
    where
        marketing_touches.occurred_at
        >= {{ dbt.dateadd('day', -lookback, 'conversions.converted_at') }}

),

unconverted_touches as (

    select
        marketing_touches.*,
        min(marketing_touches.occurred_at) over (
            partition by marketing_touches.customer_key
        ) as first_occurred_at
    from marketing_touches
    left join converting_touches
        on marketing_touches.touchpoint_id = converting_touches.touchpoint_id
    where converting_touches.touchpoint_id is null

),

unconverted_windows as (

    select
        *,
        floor(
            {{ dbt.datediff('first_occurred_at', 'occurred_at', 'second') }}
            / ({{ lookback }} * 86400.0)
        ) as window_number
    from unconverted_touches

),

unconverted_path_numbers as (

    select
        *,
        dense_rank() over (
            partition by customer_key order by window_number
        ) as path_number
    from unconverted_windows

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
