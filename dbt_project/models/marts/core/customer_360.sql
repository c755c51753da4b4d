{#- One row per customer (golden record): value (RFM, value segment and Pareto view), orders,
    service and engagement in rolling windows ending at the as-of date, NPS, preferred channel
    (stated and observed), consent per channel, current journey stage, predicted CLV and churn.
    All but the golden record and the journey stage is joined beforehand
    (int_customer_features_joined), so this table, built after the journey, is one cheap pass. -#}
with

customers as (

    select
        customer_key,
        is_test_record,
        is_erased,
        has_email_consent,
        has_sms_consent,
        has_postal_consent,
        has_phone_consent,
        has_push_consent
    from {{ ref('dim_customer') }}

),

features as (

    select * from {{ ref('int_customer_features_joined') }}

),

current_stages as (

    select
        customer_key,
        stage,
        valid_from
    from {{ ref('fct_customer_stage_history') }}
    where is_current

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

joined as (

    select
        customers.customer_key,
        as_of.as_of_date,
        customers.is_test_record,
        customers.is_erased,
        coalesce(features.order_count, 0) as order_count,
        coalesce(features.cancelled_order_count, 0) as cancelled_order_count,
        features.first_order_at,
        features.last_order_at,
        features.recency_days,
        features.tenure_days,
        coalesce(features.gross_revenue_sek, 0) as gross_revenue_sek,
        coalesce(features.refunds_sek, 0) as refunds_sek,
        coalesce(features.monetary_value_sek, 0) as monetary_value_sek,
        features.average_order_value_sek,
        coalesce(features.open_order_count, 0) as open_order_count,
        coalesce(features.open_order_value_sek, 0) as open_order_value_sek,
        features.recency_score,
        features.frequency_score,
        features.monetary_score,
        features.rfm_score,
        features.rfm_segment,
        coalesce(features.value_segment, 'prospect') as value_segment,
        coalesce(features.is_royal_and_loyal, false) as is_royal_and_loyal,
        features.value_rank,
        features.cumulative_revenue_share,
        features.segment_revenue_share,
        coalesce(features.complaints_in_window, 0) as complaints_last_90_days,
        features.last_complaint_at,
        coalesce(features.web_visits_in_window, 0) as web_visits_last_30_days,
        coalesce(features.nps_response_count, 0) as nps_response_count,
        features.nps_latest_score,
        features.nps_average_score,
        features.stated_preferred_channel,
        features.observed_preferred_channel,
        customers.has_email_consent,
        customers.has_sms_consent,
        customers.has_postal_consent,
        customers.has_phone_consent,
        customers.has_push_consent,
        current_stages.stage as journey_stage,
        current_stages.valid_from as journey_stage_since,
        features.predicted_purchases_365d,
        features.predicted_clv_365d_sek,
        features.probability_alive,
        features.churn_probability
    from customers
    cross join as_of
    left join features
        on customers.customer_key = features.customer_key
    left join current_stages
        on customers.customer_key = current_stages.customer_key

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
