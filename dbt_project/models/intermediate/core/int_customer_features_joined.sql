{#- Everything customer_360 shows per customer that does not come from the golden record or the
    journey: order summary, RFM and value segment, service and engagement, the stated preferred
    channel (the latest opt-in still in force at the as-of date) and the CLV scores, joined once
    here — beside the journey models, not after them — so customer_360 only adds the golden
    record and the current journey stage. One row per customer with any of them. -#}
with

customers as (

    select
        customer_key,
        has_email_consent,
        has_sms_consent,
        has_postal_consent,
        has_phone_consent,
        has_push_consent
    from {{ ref('dim_customer') }}

),

orders_summarised as (

    select * from {{ ref('int_customer_orders_summarised') }}

),

rfm_scored as (

    select * from {{ ref('int_customer_rfm_scored') }}

),

engagement as (

    select * from {{ ref('int_customer_engagement_summarised') }}

),

consent_events as (

    select * from {{ ref('fct_consent_events') }}
    where customer_key is not null and is_opt_in

),

customer_clv as (

    select * from {{ source('clv', 'customer_clv') }}
    where customer_key is not null

),

as_of as (

    select {{ utc_day_end('as_of_date') }} as window_end_at
    from {{ ref('int_as_of_date') }}

),

{# stated preference: the channel of the latest opt-in that is still in force -#}
stated_channels as (

    select
        consent_events.customer_key,
        {{ value_at_max(
            "case consent_events.channel when 'phone' then 'telemarketing'"
            ~ " else consent_events.channel end",
            ['consent_events.recorded_at', 'consent_events.consent_event_id'],
        ) }} as stated_preferred_channel
    from consent_events
    inner join customers
        on consent_events.customer_key = customers.customer_key
    cross join as_of
    where
        consent_events.recorded_at < as_of.window_end_at
        and (
            (consent_events.channel = 'email' and customers.has_email_consent)
            or (consent_events.channel = 'sms' and customers.has_sms_consent)
            or (consent_events.channel = 'postal' and customers.has_postal_consent)
            or (consent_events.channel = 'phone' and customers.has_phone_consent)
            or (consent_events.channel = 'push' and customers.has_push_consent)
        )
    group by consent_events.customer_key

),

featured_customers as (

    select customer_key from orders_summarised
    union
    select customer_key from engagement
    union
    select customer_key from stated_channels
    union
    select customer_key from customer_clv

),

final as (

    select
        featured_customers.customer_key,
        orders_summarised.order_count,
        orders_summarised.cancelled_order_count,
        orders_summarised.first_order_at,
        orders_summarised.last_order_at,
        orders_summarised.recency_days,
        orders_summarised.tenure_days,
        orders_summarised.gross_revenue_sek,
        orders_summarised.refunds_sek,
        orders_summarised.monetary_value_sek,
        orders_summarised.average_order_value_sek,
        orders_summarised.open_order_count,
        orders_summarised.open_order_value_sek,
        rfm_scored.recency_score,
        rfm_scored.frequency_score,
        rfm_scored.monetary_score,
        rfm_scored.rfm_score,
        rfm_scored.rfm_segment,
        rfm_scored.value_segment,
        rfm_scored.is_royal_and_loyal,
        rfm_scored.value_rank,
        rfm_scored.cumulative_revenue_share,
        rfm_scored.segment_revenue_share,
        engagement.complaints_in_window,
        engagement.last_complaint_at,
        engagement.web_visits_in_window,
        engagement.nps_response_count,
        engagement.nps_latest_score,
        engagement.nps_average_score,
        engagement.observed_preferred_channel,
        stated_channels.stated_preferred_channel,
        cast(customer_clv.predicted_purchases_365d as {{ type_double() }})
            as predicted_purchases_365d,
        cast(customer_clv.predicted_clv_365d_sek as {{ type_double() }}) as predicted_clv_365d_sek,
        cast(customer_clv.probability_alive as {{ type_double() }}) as probability_alive,
        cast(customer_clv.churn_probability as {{ type_double() }}) as churn_probability
    from featured_customers
    left join orders_summarised
        on featured_customers.customer_key = orders_summarised.customer_key
    left join rfm_scored
        on featured_customers.customer_key = rfm_scored.customer_key
    left join engagement
        on featured_customers.customer_key = engagement.customer_key
    left join stated_channels
        on featured_customers.customer_key = stated_channels.customer_key
    left join customer_clv
        on featured_customers.customer_key = customer_clv.customer_key

)

select * from final
