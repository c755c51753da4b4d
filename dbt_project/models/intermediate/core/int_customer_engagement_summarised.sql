{#- Service and engagement per customer up to the as-of date: complaint calls in the last
    var complaint_window_days, web visits (sessions) in the last var web_visit_window_days,
    NPS latest and average, and the observed preferred outreach channel: the channel
    (email, sms, push) with the most inbound engagement in the last var engagement_window_days
    (opens/clicks, push opens, web sessions arriving from that channel; ties: latest engagement).
    A window of N days ending at the as-of date is the UTC instants from midnight N - 1 days
    before the as-of date up to the midnight after it: the facts are filtered on their own
    timestamps (no per-row date conversion), so each scan reads only the window's rows. -#}
with

complaint_calls as (

    select * from {{ ref('fct_touchpoints') }}
    where
        customer_key is not null
        and touchpoint_type = 'call_inbound'
        and interaction_reason = 'complaint'

),

inbound_engagements as (

    select * from {{ ref('fct_touchpoints') }}
    where
        customer_key is not null
        and direction = 'inbound'
        and channel in ('email', 'sms', 'push')

),

web_sessions as (

    select * from {{ ref('fct_web_sessions') }}
    where customer_key is not null

),

nps_responses as (

    select * from {{ ref('fct_nps_responses') }}
    where customer_key is not null and is_score_valid

),

as_of as (

    select
        as_of_date,
        {{ utc_day_end('as_of_date') }} as window_end_at,
        {{ utc_window_start('as_of_date', var('complaint_window_days')) }}
            as complaint_window_start_at,
        {{ utc_window_start('as_of_date', var('web_visit_window_days')) }}
            as web_visit_window_start_at,
        {{ utc_window_start('as_of_date', var('engagement_window_days')) }}
            as engagement_window_start_at
    from {{ ref('int_as_of_date') }}

),

complaints as (

    select
        complaint_calls.customer_key,
        count(*) as complaint_count,
        max(complaint_calls.occurred_at) as last_complaint_at
    from complaint_calls
    cross join as_of
    where
        complaint_calls.occurred_at >= as_of.complaint_window_start_at
        and complaint_calls.occurred_at < as_of.window_end_at
    group by complaint_calls.customer_key

),

web_visits as (

    select
        web_sessions.customer_key,
        count(*) as web_visit_count
    from web_sessions
    cross join as_of
    where
        web_sessions.session_started_at >= as_of.web_visit_window_start_at
        and web_sessions.session_started_at < as_of.window_end_at
    group by web_sessions.customer_key

),

engagements as (

    select
        inbound_engagements.customer_key,
        inbound_engagements.channel,
        count(*) as engagement_count,
        max(inbound_engagements.occurred_at) as last_engaged_at
    from inbound_engagements
    cross join as_of
    where
        inbound_engagements.occurred_at >= as_of.engagement_window_start_at
        and inbound_engagements.occurred_at < as_of.window_end_at
    group by inbound_engagements.customer_key, inbound_engagements.channel

),

observed_channels as (

    select
        customer_key,
        channel as observed_preferred_channel,
        row_number() over (
            partition by customer_key
            order by engagement_count desc, last_engaged_at desc, channel asc
        ) as channel_rank
    from engagements

),

nps_dated as (

    select
        nps_responses.customer_key,
        nps_responses.nps_score,
        nps_responses.answered_at,
        row_number() over (
            partition by nps_responses.customer_key
            order by nps_responses.answered_at desc, nps_responses.response_id desc
        ) as recency_rank
    from nps_responses
    cross join as_of
    where nps_responses.answered_at < as_of.window_end_at

),

nps as (

    select
        customer_key,
        count(*) as nps_response_count,
        avg(nps_score) as nps_average_score,
        max(case when recency_rank = 1 then nps_score end) as nps_latest_score,
        max(answered_at) as nps_latest_answered_at
    from nps_dated
    group by customer_key

),

customers as (

    select customer_key from complaints
    union
    select customer_key from web_visits
    union
    select customer_key from observed_channels
    union
    select customer_key from nps

),

final as (

    select
        customers.customer_key,
        cast(coalesce(complaints.complaint_count, 0) as integer) as complaints_in_window,
        complaints.last_complaint_at,
        cast(coalesce(web_visits.web_visit_count, 0) as integer) as web_visits_in_window,
        observed_channels.observed_preferred_channel,
        cast(coalesce(nps.nps_response_count, 0) as integer) as nps_response_count,
        cast(nps.nps_latest_score as integer) as nps_latest_score,
        cast(nps.nps_average_score as {{ type_double() }}) as nps_average_score,
        nps.nps_latest_answered_at
    from customers
    left join complaints
        on customers.customer_key = complaints.customer_key
    left join web_visits
        on customers.customer_key = web_visits.customer_key
    left join observed_channels
        on
            customers.customer_key = observed_channels.customer_key
            and observed_channels.channel_rank = 1
    left join nps
        on customers.customer_key = nps.customer_key

)

select * from final
