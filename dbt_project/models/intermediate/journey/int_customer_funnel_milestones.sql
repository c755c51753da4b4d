{#- The journey population: golden-record customers that are neither test records nor weak
    identities (a lone cookie is not a known prospect).
    Pre-purchase milestones per customer (dates, UTC, up to the as-of date):
    aware_on = first seen (golden record) or first touch of any kind, whichever is earlier;
    engaged_on = first inbound engagement (open, click, visit, app use, call, survey answer);
    considering_on = first purchase intent (web session with add-to-cart/checkout, app add-to-cart);
    first_order_on = first non-cancelled order. -#}
with

customers as (

    select
        customer_key,
        first_seen_at
    from {{ ref('dim_customer') }}
    where not coalesce(is_identity_weak, false) and not coalesce(is_test_record, false)

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}
    where customer_key is not null

),

web_sessions as (

    select * from {{ ref('fct_web_sessions') }}
    where customer_key is not null and (has_add_to_cart or has_checkout)

),

order_days as (

    select * from {{ ref('int_customer_order_days') }}

),

{# the as-of date, and the instant it ends: timestamps are compared with it and only the
    earliest of each customer is turned into a date (the UTC date is monotonic) -#}
as_of as (

    select
        as_of_date,
        {{ utc_midnight(dbt.dateadd('day', 1, 'as_of_date')) }} as as_of_end_at
    from {{ ref('int_as_of_date') }}

),

touch_firsts as (

    select
        touchpoints.customer_key,
        min(touchpoints.occurred_at) as first_touch_at,
        min(
            case
                when touchpoints.direction = 'inbound' and touchpoints.touchpoint_type <> 'order'
                    then touchpoints.occurred_at
            end
        ) as first_engagement_at,
        min(
            case
                when touchpoints.touchpoint_type = 'app_add_to_cart'
                    then touchpoints.occurred_at
            end
        ) as first_app_intent_at
    from touchpoints
    cross join as_of
    where touchpoints.occurred_at < as_of.as_of_end_at
    group by touchpoints.customer_key

),

touch_milestones as (

    select
        customer_key,
        {{ utc_date('first_touch_at') }} as first_touch_on,
        {{ utc_date('first_engagement_at') }} as first_engagement_on,
        {{ utc_date('first_app_intent_at') }} as first_app_intent_on
    from touch_firsts

),

web_intent as (

    select
        web_sessions.customer_key,
        {{ utc_date('min(web_sessions.session_started_at)') }} as first_web_intent_on
    from web_sessions
    cross join as_of
    where web_sessions.session_started_at < as_of.as_of_end_at
    group by web_sessions.customer_key

),

first_orders as (

    select
        customer_key,
        min(order_date) as first_order_on
    from order_days
    group by customer_key

),

combined as (

    select
        customers.customer_key,
        case
            when {{ utc_date('customers.first_seen_at') }} <= as_of.as_of_date
                then {{ utc_date('customers.first_seen_at') }}
        end as first_seen_on,
        touch_milestones.first_touch_on,
        touch_milestones.first_engagement_on,
        touch_milestones.first_app_intent_on,
        web_intent.first_web_intent_on,
        first_orders.first_order_on
    from customers
    cross join as_of
    left join touch_milestones
        on customers.customer_key = touch_milestones.customer_key
    left join web_intent
        on customers.customer_key = web_intent.customer_key
    left join first_orders
        on customers.customer_key = first_orders.customer_key

),

final as (

    select
        customer_key,
        case
            when first_seen_on is null then first_touch_on
            when first_touch_on is null then first_seen_on
            when first_seen_on < first_touch_on then first_seen_on
            else first_touch_on
        end as aware_on,
        first_engagement_on as engaged_on,
        case
            when first_web_intent_on is null then first_app_intent_on
            when first_app_intent_on is null then first_web_intent_on
            when first_app_intent_on < first_web_intent_on then first_app_intent_on
            else first_web_intent_on
        end as considering_on,
        first_order_on
    from combined

)

select * from final
