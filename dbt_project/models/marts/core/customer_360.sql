{#- One row per known customer (golden record; anonymous web visitors, whose touches the facts
    keep under anonymous_id, are left out): value (RFM, value segment and Pareto view), orders,
    service and engagement in rolling windows ending at the as-of date, NPS, preferred channel
    (stated and observed), consent per channel, current journey stage, predicted CLV and churn. -#}
with

customers as (

    select * from {{ ref('dim_customer') }}
    where not is_anonymous_visitor

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

current_stages as (

    select * from {{ ref('fct_customer_stage_history') }}
    where is_current

),

customer_clv as (

    select * from {{ source('clv', 'customer_clv') }}

),

as_of as (

    select
        as_of_date,
        {{ utc_day_end('as_of_date') }} as window_end_at
    from {{ ref('int_as_of_date') }}

),

consented as (

    select
        customer_key,
        has_email_consent,
        has_sms_consent,
        has_postal_consent,
        has_phone_consent,
        has_push_consent
    from customers

),

{# stated preference: the channel of the latest opt-in that is still in force -#}
stated_channels as (

    select
        consent_events.customer_key,
        case consent_events.channel
            when 'phone' then 'telemarketing'
            else consent_events.channel
        end as stated_preferred_channel,
        row_number() over (
            partition by consent_events.customer_key
            order by consent_events.recorded_at desc, consent_events.consent_event_id desc
        ) as opt_in_rank
    from consent_events
    inner join consented
        on consent_events.customer_key = consented.customer_key
    cross join as_of
    where
        consent_events.recorded_at < as_of.window_end_at
        and (
            (consent_events.channel = 'email' and consented.has_email_consent)
            or (consent_events.channel = 'sms' and consented.has_sms_consent)
            or (consent_events.channel = 'postal' and consented.has_postal_consent)
            or (consent_events.channel = 'phone' and consented.has_phone_consent)
            or (consent_events.channel = 'push' and consented.has_push_consent)
        )

),

latest_stated_channels as (

    select
        customer_key,
        stated_preferred_channel
    from stated_channels
    where opt_in_rank = 1

),

joined as (

    select
        customers.customer_key,
        as_of.as_of_date,
        customers.is_test_record,
        customers.is_erased,
        coalesce(orders_summarised.order_count, 0) as order_count,
        coalesce(orders_summarised.cancelled_order_count, 0) as cancelled_order_count,
        orders_summarised.first_order_at,
        orders_summarised.last_order_at,
        orders_summarised.recency_days,
        orders_summarised.tenure_days,
        coalesce(orders_summarised.gross_revenue_sek, 0) as gross_revenue_sek,
        coalesce(orders_summarised.refunds_sek, 0) as refunds_sek,
        coalesce(orders_summarised.monetary_value_sek, 0) as monetary_value_sek,
        orders_summarised.average_order_value_sek,
        coalesce(orders_summarised.open_order_count, 0) as open_order_count,
        coalesce(orders_summarised.open_order_value_sek, 0) as open_order_value_sek,
        rfm_scored.recency_score,
        rfm_scored.frequency_score,
        rfm_scored.monetary_score,
        rfm_scored.rfm_score,
        rfm_scored.rfm_segment,
        coalesce(rfm_scored.value_segment, 'prospect') as value_segment,
        coalesce(rfm_scored.is_royal_and_loyal, false) as is_royal_and_loyal,
        rfm_scored.value_rank,
        rfm_scored.cumulative_revenue_share,
        rfm_scored.segment_revenue_share,
        coalesce(engagement.complaints_in_window, 0) as complaints_last_90_days,
        engagement.last_complaint_at,
        coalesce(engagement.web_visits_in_window, 0) as web_visits_last_30_days,
        coalesce(engagement.nps_response_count, 0) as nps_response_count,
        engagement.nps_latest_score,
        engagement.nps_average_score,
        latest_stated_channels.stated_preferred_channel,
        engagement.observed_preferred_channel,
        customers.has_email_consent,
        customers.has_sms_consent,
        customers.has_postal_consent,
        customers.has_phone_consent,
        customers.has_push_consent,
        current_stages.stage as journey_stage,
        current_stages.valid_from as journey_stage_since,
        customer_clv.predicted_purchases_365d,
        customer_clv.predicted_clv_365d_sek,
        customer_clv.probability_alive,
        customer_clv.churn_probability
    from customers
    cross join as_of
    left join orders_summarised
        on customers.customer_key = orders_summarised.customer_key
    left join rfm_scored
        on customers.customer_key = rfm_scored.customer_key
    left join engagement
        on customers.customer_key = engagement.customer_key
    left join latest_stated_channels
        on customers.customer_key = latest_stated_channels.customer_key
    left join current_stages
        on customers.customer_key = current_stages.customer_key
    left join customer_clv
        on customers.customer_key = customer_clv.customer_key

),

{# preferred channel: observed engagement where consented, else the stated one, else the first
    consented channel in the order e-mail, push, sms, postal, telemarketing -#}
final as (

    select
        cast(customer_key as {{ dbt.type_string() }}) as customer_key,
        as_of_date,
        is_test_record,
        is_erased,
        cast(order_count as integer) as order_count,
        cast(cancelled_order_count as integer) as cancelled_order_count,
        first_order_at,
        last_order_at,
        recency_days,
        tenure_days,
        cast(gross_revenue_sek as decimal(18, 2)) as gross_revenue_sek,
        cast(refunds_sek as decimal(18, 2)) as refunds_sek,
        cast(monetary_value_sek as decimal(18, 2)) as monetary_value_sek,
        average_order_value_sek,
        cast(open_order_count as integer) as open_order_count,
        cast(open_order_value_sek as decimal(18, 2)) as open_order_value_sek,
        recency_score,
        frequency_score,
        monetary_score,
        rfm_score,
        rfm_segment,
        value_segment,
        is_royal_and_loyal,
        value_rank,
        cumulative_revenue_share,
        segment_revenue_share,
        cast(complaints_last_90_days as integer) as complaints_last_90_days,
        last_complaint_at,
        cast(web_visits_last_30_days as integer) as web_visits_last_30_days,
        cast(nps_response_count as integer) as nps_response_count,
        nps_latest_score,
        nps_average_score,
        stated_preferred_channel,
        observed_preferred_channel,
        case
            when observed_preferred_channel = 'email' and has_email_consent then 'email'
            when observed_preferred_channel = 'sms' and has_sms_consent then 'sms'
            when observed_preferred_channel = 'push' and has_push_consent then 'push'
            when stated_preferred_channel is not null then stated_preferred_channel
            when has_email_consent then 'email'
            when has_push_consent then 'push'
            when has_sms_consent then 'sms'
            when has_postal_consent then 'postal'
            when has_phone_consent then 'telemarketing'
        end as preferred_channel,
        has_email_consent,
        has_sms_consent,
        has_postal_consent,
        has_phone_consent,
        has_push_consent,
        journey_stage,
        journey_stage_since,
        cast(predicted_purchases_365d as {{ type_double() }}) as predicted_purchases_365d,
        cast(predicted_clv_365d_sek as {{ type_double() }}) as predicted_clv_365d_sek,
        cast(probability_alive as {{ type_double() }}) as probability_alive,
        cast(churn_probability as {{ type_double() }}) as churn_probability
    from joined

)

select * from final
