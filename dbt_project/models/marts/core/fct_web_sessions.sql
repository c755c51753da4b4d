{#- Web sessions: cookie events split by 30 minutes of inactivity (var session_timeout_minutes),
    stitched to a web-shop account by login — retroactively for the cookie's anonymous past.
    Incremental by cookie (delete+insert on cookie_id): every cookie with events loaded since the
    last run is restated. Its events are sessionised again only from its restart point: the
    earliest new event, or the start of the stored session that event can join (one ending less
    than the timeout plus an hour before it). Earlier sessions ("kept") end more than the timeout
    before any new event, so their boundaries, numbers and aggregates are those of a full build
    and are taken from the table; the first event from the restart point starts a session in a
    full build too (its predecessor is the same old event), so numbering continues after the
    kept sessions. Every session of the cookie is stitched again from all its logins (a later
    login re-stitches the anonymous past), exactly as a full build does. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='cookie_id',
        on_schema_change='fail',
        pre_hook=[
            "{{ refresh_customer_keys(\"'webshop'\", 'account_id', anonymous_expression='fact.cookie_id') }}",
        ],
    )
}}

with

{# the events are read by separate CTEs (none is materialised whole) -#}
new_web_events as (

    select
        cookie_id,
        occurred_at
    from {{ ref('stg_web__events') }}
    where {{ loaded_since_last_run() }}

),

identity_map as (

    select
        source_record_id as account_id,
        cast(customer_key as {{ dbt.type_string() }}) as customer_key
    from {{ source('identity', 'customer_identity_map') }}
    where source_system = 'webshop'

),

changed_cookies as (

    select
        cookie_id,
        min(occurred_at) as earliest_new_event_at
    from new_web_events
    group by cookie_id

),

{% if is_incremental() -%}
{%- set restart_bound = web_session_restart_bound(ref('stg_web__events')) -%}
stored_sessions as (

    select stored.*
    from {{ this }} as stored
    inner join changed_cookies
        on stored.cookie_id = changed_cookies.cookie_id

),

{# the stored session the earliest new event can join or extend, if any (filters in `where`,
    after an equi-join: inequality join conditions wreck the row estimates) -#}
joinable_sessions as (

    select
        stored_sessions.cookie_id,
        min(stored_sessions.session_started_at) as session_started_at
    from stored_sessions
    inner join changed_cookies
        on stored_sessions.cookie_id = changed_cookies.cookie_id
    where
        stored_sessions.session_started_at <= changed_cookies.earliest_new_event_at
        and stored_sessions.session_ended_at >= {{ dbt.dateadd(
            'minute',
            -1 * (var('session_timeout_minutes') + 60),
            'changed_cookies.earliest_new_event_at',
        ) }}
    group by stored_sessions.cookie_id

),

restart_points as (

    select
        changed_cookies.cookie_id,
        coalesce(
            joinable_sessions.session_started_at, changed_cookies.earliest_new_event_at
        ) as restart_at
    from changed_cookies
    left join joinable_sessions
        on changed_cookies.cookie_id = joinable_sessions.cookie_id

),

kept_sessions as (

    select stored_sessions.*
    from stored_sessions
    inner join restart_points
        on stored_sessions.cookie_id = restart_points.cookie_id
    where stored_sessions.session_started_at < restart_points.restart_at

),

kept_session_counts as (

    select
        cookie_id,
        count(*) as kept_session_count
    from kept_sessions
    group by cookie_id

),

restarts as (

    select
        restart_points.cookie_id,
        restart_points.restart_at,
        coalesce(kept_session_counts.kept_session_count, 0) as kept_session_count
    from restart_points
    left join kept_session_counts
        on restart_points.cookie_id = kept_session_counts.cookie_id

),

recent_web_events as (

    select * from {{ ref('stg_web__events') }}
    where
        {% if restart_bound == 'none' -%}
        1 = 0
        {%- elif restart_bound is none -%}
        true
        {%- else -%}
        occurred_at >= {{ dbt.string_literal(restart_bound) }}
        {%- endif %}

),

cookie_events as (

    select
        recent_web_events.*,
        restarts.kept_session_count
    from recent_web_events
    inner join restarts
        on recent_web_events.cookie_id = restarts.cookie_id
    where recent_web_events.occurred_at >= restarts.restart_at

),

{# every login of a restated cookie: kept sessions are stitched again too -#}
logins as (

    select
        login_events.cookie_id,
        login_events.account_id,
        login_events.occurred_at as logged_in_at
    from {{ ref('stg_web__events') }} as login_events
    inner join changed_cookies
        on login_events.cookie_id = changed_cookies.cookie_id
    where login_events.event_type = 'login' and login_events.account_id is not null

),
{%- else %}
web_events as (

    select * from {{ ref('stg_web__events') }}

),

cookie_events as (

    select
        web_events.*,
        0 as kept_session_count
    from web_events
    inner join changed_cookies
        on web_events.cookie_id = changed_cookies.cookie_id

),

logins as (

    select
        cookie_id,
        account_id,
        occurred_at as logged_in_at
    from cookie_events
    where event_type = 'login' and account_id is not null

),
{%- endif %}

gaps as (

    select
        cookie_events.*,
        lag(cookie_events.occurred_at) over (
            partition by cookie_events.cookie_id
            order by cookie_events.occurred_at, cookie_events.event_id
        ) as previous_occurred_at
    from cookie_events

),

session_starts as (

    select
        gaps.*,
        case
            when gaps.previous_occurred_at is null then 1
            when
                {{ dbt.datediff('previous_occurred_at', 'occurred_at', 'second') }}
                > {{ var('session_timeout_minutes') * 60 }}
                then 1
            else 0
        end as is_session_start
    from gaps

),

numbered_events as (

    select
        session_starts.*,
        session_starts.kept_session_count + sum(session_starts.is_session_start) over (
            partition by session_starts.cookie_id
            order by session_starts.occurred_at, session_starts.event_id
            rows between unbounded preceding and current row
        ) as session_number
    from session_starts

),

sessions as (

    select
        cookie_id,
        session_number,
        min(occurred_at) as session_started_at,
        max(occurred_at) as session_ended_at,
        count(*) as event_count,
        sum(case when event_type = 'page_view' then 1 else 0 end) as page_view_count,
        max(case when event_type = 'login' then 1 else 0 end) = 1 as has_login,
        max(case when event_type = 'add_to_cart' then 1 else 0 end) = 1 as has_add_to_cart,
        max(case when event_type = 'checkout' then 1 else 0 end) = 1 as has_checkout,
        max(_loaded_at) as _loaded_at
    from numbered_events
    group by cookie_id, session_number

),

landing_events as (

    select
        cookie_id,
        session_number,
        page_path as landing_page_path,
        utm_source,
        utm_medium,
        utm_campaign,
        referrer_host
    from numbered_events
    where is_session_start = 1

),

rebuilt_sessions as (

    select
        sessions.cookie_id,
        sessions.session_number,
        sessions.session_started_at,
        sessions.session_ended_at,
        sessions.event_count,
        sessions.page_view_count,
        sessions.has_login,
        sessions.has_add_to_cart,
        sessions.has_checkout,
        landing_events.landing_page_path,
        landing_events.utm_source,
        landing_events.utm_medium,
        landing_events.utm_campaign,
        landing_events.referrer_host,
        sessions._loaded_at
    from sessions
    inner join landing_events
        on
            sessions.cookie_id = landing_events.cookie_id
            and sessions.session_number = landing_events.session_number

),

all_sessions as (

    select * from rebuilt_sessions
    {%- if is_incremental() %}
    union all
    select
        cookie_id,
        session_number,
        session_started_at,
        session_ended_at,
        event_count,
        page_view_count,
        has_login,
        has_add_to_cart,
        has_checkout,
        landing_page_path,
        utm_source,
        utm_medium,
        campaign_id as utm_campaign,
        referrer_host,
        _loaded_at
    from kept_sessions
    {%- endif %}

),

{# per session: the first login inside it, else the latest login before it, else the first
    login after it (retroactive stitching of the anonymous past) -#}
login_candidates as (

    select
        all_sessions.cookie_id,
        all_sessions.session_number,
        logins.account_id,
        case
            when logins.logged_in_at < all_sessions.session_started_at then 'prior_login'
            when logins.logged_in_at > all_sessions.session_ended_at then 'retroactive'
            else 'login'
        end as stitch_method,
        row_number() over (
            partition by all_sessions.cookie_id, all_sessions.session_number
            order by
                case
                    when logins.logged_in_at < all_sessions.session_started_at then 1
                    when logins.logged_in_at > all_sessions.session_ended_at then 2
                    else 0
                end,
                case
                    when logins.logged_in_at >= all_sessions.session_started_at
                        then logins.logged_in_at
                end asc nulls last,
                case
                    when logins.logged_in_at < all_sessions.session_started_at
                        then logins.logged_in_at
                end desc nulls last,
                logins.account_id
        ) as candidate_rank
    from all_sessions
    inner join logins
        on all_sessions.cookie_id = logins.cookie_id

),

session_accounts as (

    select
        cookie_id,
        session_number,
        account_id,
        stitch_method
    from login_candidates
    where candidate_rank = 1

),

joined as (

    select
        all_sessions.cookie_id,
        all_sessions.session_number,
        session_accounts.account_id,
        session_accounts.stitch_method,
        identity_map.customer_key,
        all_sessions.session_started_at,
        all_sessions.session_ended_at,
        all_sessions.event_count,
        all_sessions.page_view_count,
        all_sessions.has_login,
        all_sessions.has_add_to_cart,
        all_sessions.has_checkout,
        all_sessions.landing_page_path,
        all_sessions.utm_source,
        all_sessions.utm_medium,
        all_sessions.utm_campaign,
        all_sessions.referrer_host,
        all_sessions._loaded_at
    from all_sessions
    left join session_accounts
        on
            all_sessions.cookie_id = session_accounts.cookie_id
            and all_sessions.session_number = session_accounts.session_number
    left join identity_map
        on session_accounts.account_id = identity_map.account_id

),

final as (

    select
        {{ dbt.concat(['cookie_id', "'-'", dbt.cast('session_number', dbt.type_string())]) }}
            as session_id,
        cookie_id,
        cast(session_number as integer) as session_number,
        customer_key,
        account_id,
        stitch_method,
        case when customer_key is null then cookie_id end as anonymous_id,
        session_started_at,
        session_ended_at,
        cast(
            {{ dbt.datediff('session_started_at', 'session_ended_at', 'second') }} as bigint  -- noqa: LT05
        ) as session_duration_seconds,
        cast(event_count as integer) as event_count,
        cast(page_view_count as integer) as page_view_count,
        has_login,
        has_add_to_cart,
        has_checkout,
        landing_page_path,
        utm_source,
        utm_medium,
        utm_campaign as campaign_id,
        referrer_host,
        {{ web_session_channel('utm_medium', 'referrer_host') }} as channel,
        _loaded_at
    from joined

)

select * from final
