{#- The journey population: golden-record customers that are neither test records nor weak
    identities (a lone cookie is not a known prospect).
    Pre-purchase milestones per customer (dates, UTC, up to the as-of date):
    aware_on = first seen (golden record) or first touch of any kind, whichever is earlier;
    engaged_on = first inbound engagement (open, click, visit, app use, call, survey answer);
    considering_on = first purchase intent (web session with add-to-cart/checkout, app add-to-cart);
    first_order_on = first non-cancelled order.
    Incremental per customer (delete+insert on customer_key): a daily run rebuilds, from all their
    touches, the customers whose inputs can have changed (macros/journey/milestones.sql:
    journey_milestone_changes); the post-hook drops customers that left the population. Every
    column is a function of the customer's own inputs and the as-of date, so rows not rebuilt
    equal a full rebuild's. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='customer_key',
        on_schema_change='fail',
        post_hook=["{{ delete_milestones_outside_population() }}"],
    )
}}

with

population as (

    select
        customer_key,
        first_seen_at,
        source_record_count
    from {{ ref('dim_customer') }}
    where {{ journey_population_condition() }}

),

orders as (

    select * from {{ ref('fct_orders') }}
    where customer_key is not null and not is_cancelled

),

{# the as-of date, and the instant it ends: timestamps are compared with it and only the
    earliest of each customer is turned into a date (the UTC date is monotonic) -#}
as_of as (

    select
        as_of_date,
        {{ utc_midnight(dbt.dateadd('day', 1, 'as_of_date')) }} as as_of_end_at
    from {{ ref('int_as_of_date') }}

),

{# the first day of int_customer_order_days, read from the orders (not waiting for it) -#}
first_orders as (

    select
        orders.customer_key,
        {{ utc_date('min(orders.ordered_at)') }} as first_order_on
    from orders
    cross join as_of
    where orders.ordered_at < as_of.as_of_end_at
    group by orders.customer_key

),

{# customers to (re)build: all on a full build -#}
customers as (

    select population.*
    from population
    {% if is_incremental() -%}
    inner join (
        {{ journey_milestone_changes('population', 'first_orders', 'as_of') }}
    ) as changed
        on population.customer_key = changed.customer_key
    {%- endif %}

),

touchpoints as (

    select touchpoints.*
    from {{ ref('fct_touchpoints') }} as touchpoints
    {% if is_incremental() -%}
    inner join customers
        on touchpoints.customer_key = customers.customer_key
    {%- else -%}
    where touchpoints.customer_key is not null
    {%- endif %}

),

web_sessions as (

    select web_sessions.*
    from {{ ref('fct_web_sessions') }} as web_sessions
    {% if is_incremental() -%}
    inner join customers
        on web_sessions.customer_key = customers.customer_key
    where web_sessions.has_add_to_cart or web_sessions.has_checkout
    {%- else -%}
    where
        web_sessions.customer_key is not null
        and (web_sessions.has_add_to_cart or web_sessions.has_checkout)
    {%- endif %}

),

{# per customer, the earliest touch of each kind up to the as-of date, and after it (the
    pending milestones: they are reached when the as-of date moves past them) -#}
touch_firsts as (

    select
        touchpoints.customer_key,
        min(
            case when touchpoints.occurred_at < as_of.as_of_end_at then touchpoints.occurred_at end
        ) as first_touch_at,
        min(
            case
                when
                    touchpoints.occurred_at < as_of.as_of_end_at
                    and touchpoints.direction = 'inbound'
                    and touchpoints.touchpoint_type <> 'order'
                    then touchpoints.occurred_at
            end
        ) as first_engagement_at,
        min(
            case
                when
                    touchpoints.occurred_at < as_of.as_of_end_at
                    and touchpoints.touchpoint_type = 'app_add_to_cart'
                    then touchpoints.occurred_at
            end
        ) as first_app_intent_at,
        min(
            case
                when touchpoints.occurred_at >= as_of.as_of_end_at then touchpoints.occurred_at
            end
        ) as next_touch_at,
        min(
            case
                when
                    touchpoints.occurred_at >= as_of.as_of_end_at
                    and touchpoints.direction = 'inbound'
                    and touchpoints.touchpoint_type <> 'order'
                    then touchpoints.occurred_at
            end
        ) as next_engagement_at,
        min(
            case
                when
                    touchpoints.occurred_at >= as_of.as_of_end_at
                    and touchpoints.touchpoint_type = 'app_add_to_cart'
                    then touchpoints.occurred_at
            end
        ) as next_app_intent_at,
        max(touchpoints._loaded_at) as _loaded_at
    from touchpoints
    cross join as_of
    group by touchpoints.customer_key

),

web_intent as (

    select
        web_sessions.customer_key,
        min(
            case
                when web_sessions.session_started_at < as_of.as_of_end_at
                    then web_sessions.session_started_at
            end
        ) as first_web_intent_at,
        min(
            case
                when web_sessions.session_started_at >= as_of.as_of_end_at
                    then web_sessions.session_started_at
            end
        ) as next_web_intent_at,
        max(web_sessions._loaded_at) as _loaded_at
    from web_sessions
    cross join as_of
    group by web_sessions.customer_key

),

combined as (

    select
        customers.customer_key,
        case
            when {{ utc_date('customers.first_seen_at') }} <= as_of.as_of_date
                then {{ utc_date('customers.first_seen_at') }}
        end as first_seen_on,
        case
            when {{ utc_date('customers.first_seen_at') }} > as_of.as_of_date
                then {{ utc_date('customers.first_seen_at') }}
        end as next_seen_on,
        {{ utc_date('touch_firsts.first_touch_at') }} as first_touch_on,
        {{ utc_date('touch_firsts.first_engagement_at') }} as first_engagement_on,
        {{ utc_date('touch_firsts.first_app_intent_at') }} as first_app_intent_on,
        {{ utc_date('web_intent.first_web_intent_at') }} as first_web_intent_on,
        {{ utc_date('touch_firsts.next_touch_at') }} as next_touch_on,
        {{ utc_date('touch_firsts.next_engagement_at') }} as next_engagement_on,
        {{ utc_date('touch_firsts.next_app_intent_at') }} as next_app_intent_on,
        {{ utc_date('web_intent.next_web_intent_at') }} as next_web_intent_on,
        first_orders.first_order_on,
        customers.first_seen_at,
        cast(customers.source_record_count as integer) as source_record_count,
        case
            when web_intent._loaded_at is null then touch_firsts._loaded_at
            when touch_firsts._loaded_at is null then web_intent._loaded_at
            when web_intent._loaded_at > touch_firsts._loaded_at then web_intent._loaded_at
            else touch_firsts._loaded_at
        end as _loaded_at
    from customers
    cross join as_of
    left join touch_firsts
        on customers.customer_key = touch_firsts.customer_key
    left join web_intent
        on customers.customer_key = web_intent.customer_key
    left join first_orders
        on customers.customer_key = first_orders.customer_key

),

milestones as (

    select
        customer_key,
        {{ journey_earliest('first_seen_on', 'first_touch_on') }} as aware_on,
        first_engagement_on as engaged_on,
        {{ journey_earliest('first_web_intent_on', 'first_app_intent_on') }} as considering_on,
        first_order_on,
        {{ journey_earliest('next_seen_on', 'next_touch_on') }} as next_aware_on,
        next_engagement_on,
        {{ journey_earliest('next_web_intent_on', 'next_app_intent_on') }} as next_considering_on,
        first_seen_at,
        source_record_count,
        _loaded_at
    from combined

),

final as (

    select
        customer_key,
        aware_on,
        engaged_on,
        considering_on,
        first_order_on,
        {#- the earliest day after the as-of date on which a milestone not yet reached would be
            (an as-of date on or after it changes the row) -#}
        {{ journey_earliest(
            'case when aware_on is null then next_aware_on end',
            journey_earliest(
                'case when engaged_on is null then next_engagement_on end',
                'case when considering_on is null then next_considering_on end',
            ),
        ) }} as pending_milestone_on,
        first_seen_at,
        source_record_count,
        _loaded_at
    from milestones

)

select * from final
