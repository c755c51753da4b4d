{#- Every interaction of any kind across all systems: one row per touch, with the customer when
    identity resolution knows them and the anonymous id (cookie) otherwise.
    Incremental: rows loaded since the last run (with lookback) are upserted by touchpoint_id.
    Web touches are sessions, which a late event or a later login restates for the whole cookie:
    the pre-hook first removes the web touches of every cookie that fct_web_sessions restated,
    so the delete by touchpoint_id looks at the other systems' rows only (incremental_predicates:
    zone maps skip the web rows' row groups). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='touchpoint_id',
        incremental_predicates=["source_system <> 'web'"],
        on_schema_change='fail',
        pre_hook=[
            "{{ delete_restated_web_touchpoints() }}",
            "{{ refresh_customer_keys('fact.source_system', 'source_record_id',"
            " condition=\"fact.source_system <> 'web'\", anonymous_expression='fact.source_record_id') }}",
            "{{ refresh_web_touchpoint_keys() }}",
        ],
    )
}}

with

email_events as (

    select * from {{ ref('stg_esp__email_events') }}
    where {{ loaded_since_last_run() }}

),

sms_events as (

    select * from {{ ref('stg_sms__events') }}
    where {{ loaded_since_last_run() }}

),

app_events as (

    select * from {{ ref('stg_app__events') }}
    where {{ loaded_since_last_run() }}

),

calls as (

    select * from {{ ref('stg_callcenter__contacts') }}
    where {{ loaded_since_last_run() }}

),

mailings as (

    select * from {{ ref('stg_postal__mailings') }}
    where {{ loaded_since_last_run() }}

),

orders as (

    select * from {{ ref('stg_webshop__orders') }}
    where is_current_version

),

order_returns as (

    select * from {{ ref('stg_webshop__returns') }}

),

survey_responses as (

    select * from {{ ref('stg_survey__responses') }}
    where {{ loaded_since_last_run() }}

),

{# fct_web_sessions read twice: once the restated cookies only, once whole (joined) -#}
restated_web_sessions as (

    select cookie_id from {{ ref('fct_web_sessions') }}
    where {{ loaded_since_last_run() }}

),

web_sessions as (

    select * from {{ ref('fct_web_sessions') }}

),

channels as (

    select * from {{ ref('channels') }}

),

identity_map as (

    select
        source_system,
        source_record_id,
        cast(customer_key as {{ dbt.type_string() }}) as customer_key
    from {{ source('identity', 'customer_identity_map') }}
    {# the systems of record_touches: the map's web cookies (about half of it) are skipped -#}
    where source_system in ('esp', 'sms', 'app', 'callcenter', 'postal', 'webshop', 'survey')

),

{# one CTE per source system, all with the same columns -#}
email_touches as (

    select
        {{ dbt.concat(["'esp:'", 'event_id']) }} as touchpoint_id,
        'esp' as source_system,
        subscriber_id as source_record_id,
        case event_type
            when 'sent' then 'email_sent'
            when 'delivered' then 'email_delivered'
            when 'opened' then 'email_opened'
            when 'clicked' then 'email_clicked'
            when 'bounced_hard' then 'email_bounced'
            when 'bounced_soft' then 'email_bounced'
            when 'unsubscribed' then 'email_unsubscribed'
            else {{ dbt.concat(["'email_'", 'event_type']) }}
        end as touchpoint_type,
        'email' as channel,
        campaign_id,
        case
            when event_type in ('opened', 'clicked', 'unsubscribed') then 'inbound'
            else 'outbound'
        end as direction,
        cast(null as {{ dbt.type_string() }}) as department_override,
        event_type as interaction_reason,
        event_type = 'sent' and campaign_id is not null as is_marketing_touch,
        occurred_at,
        _loaded_at
    from email_events

),

sms_touches as (

    select
        {{ dbt.concat(["'sms:'", 'event_id']) }} as touchpoint_id,
        'sms' as source_system,
        msisdn as source_record_id,
        {{ dbt.concat(["'sms_'", 'event_type']) }} as touchpoint_type,
        'sms' as channel,
        campaign_id,
        case
            when event_type in ('clicked', 'opted_out') then 'inbound'
            else 'outbound'
        end as direction,
        cast(null as {{ dbt.type_string() }}) as department_override,
        event_type as interaction_reason,
        event_type = 'sent' and campaign_id is not null as is_marketing_touch,
        occurred_at,
        _loaded_at
    from sms_events

),

app_touches as (

    select
        {{ dbt.concat(["'app:'", 'event_id']) }} as touchpoint_id,
        'app' as source_system,
        app_user_id as source_record_id,
        case
            when event_type in ('push_received', 'push_opened') then event_type
            else {{ dbt.concat(["'app_'", dbt.replace('event_type', "'app_'", "''")]) }}
        end as touchpoint_type,
        case
            when event_type in ('push_received', 'push_opened') then 'push'
            else 'app'
        end as channel,
        campaign_id,
        case when event_type = 'push_received' then 'outbound' else 'inbound' end as direction,
        cast(null as {{ dbt.type_string() }}) as department_override,
        event_type as interaction_reason,
        event_type = 'push_received' and campaign_id is not null as is_marketing_touch,
        occurred_at,
        _loaded_at
    from app_events

),

call_touches as (

    select
        {{ dbt.concat(["'callcenter:'", 'contact_id']) }} as touchpoint_id,
        'callcenter' as source_system,
        contact_id as source_record_id,
        case when direction = 'outbound' then 'call_outbound' else 'call_inbound' end
            as touchpoint_type,
        case
            when direction = 'outbound' and (reason = 'telemarketing' or campaign_id is not null)
                then 'telemarketing'
            else 'callcenter'
        end as channel,
        campaign_id,
        case when direction = 'outbound' then 'outbound' else 'inbound' end as direction,
        cast(null as {{ dbt.type_string() }}) as department_override,
        reason as interaction_reason,
        direction = 'outbound' and campaign_id is not null as is_marketing_touch,
        started_at as occurred_at,
        _loaded_at
    from calls

),

letter_touches as (

    select
        {{ dbt.concat(["'postal:'", 'mailing_id']) }} as touchpoint_id,
        'postal' as source_system,
        recipient_id as source_record_id,
        case
            when delivery_status = 'undeliverable' then 'letter_undeliverable'
            else 'letter_sent'
        end as touchpoint_type,
        'postal' as channel,
        campaign_id,
        'outbound' as direction,
        cast(null as {{ dbt.type_string() }}) as department_override,
        delivery_status as interaction_reason,
        delivery_status <> 'undeliverable' and campaign_id is not null as is_marketing_touch,
        sent_at as occurred_at,
        _loaded_at
    from mailings

),

order_touches as (

    select
        {{ dbt.concat(["'order:'", 'order_id']) }} as touchpoint_id,
        'webshop' as source_system,
        account_id as source_record_id,
        'order' as touchpoint_type,
        'web' as channel,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        'inbound' as direction,
        cast(null as {{ dbt.type_string() }}) as department_override,
        status as interaction_reason,
        false as is_marketing_touch,
        ordered_at as occurred_at,
        _loaded_at
    from orders
    where {{ loaded_since_last_run() }}

),

order_returns_to_build as (

    select * from order_returns
    where {{ returns_to_rebuild('orders') }}

),

return_touches as (

    select
        {{ dbt.concat(["'return:'", 'order_returns.return_id']) }} as touchpoint_id,
        'webshop' as source_system,
        orders.account_id as source_record_id,
        'order_return' as touchpoint_type,
        'web' as channel,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        'inbound' as direction,
        'service' as department_override,
        order_returns.reason as interaction_reason,
        false as is_marketing_touch,
        order_returns.returned_at as occurred_at,
        order_returns._loaded_at
    from order_returns_to_build as order_returns
    left join orders
        on order_returns.order_id = orders.order_id

),

nps_touches as (

    select
        {{ dbt.concat(["'survey:'", 'response_id']) }} as touchpoint_id,
        'survey' as source_system,
        response_id as source_record_id,
        'nps_response' as touchpoint_type,
        'survey' as channel,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        'inbound' as direction,
        cast(null as {{ dbt.type_string() }}) as department_override,
        survey_id as interaction_reason,
        false as is_marketing_touch,
        answered_at as occurred_at,
        _loaded_at
    from survey_responses

),

{# a cookie restated by fct_web_sessions brings all its sessions (see the pre-hook) -#}
restated_cookies as (

    select distinct cookie_id
    from restated_web_sessions

),

web_touches as (

    select
        {{ dbt.concat(["'web:'", 'web_sessions.session_id']) }} as touchpoint_id,
        'web' as source_system,
        web_sessions.cookie_id as source_record_id,
        'web_session' as touchpoint_type,
        web_sessions.channel,
        web_sessions.campaign_id,
        'inbound' as direction,
        cast(null as {{ dbt.type_string() }}) as department_override,
        web_sessions.utm_medium as interaction_reason,
        web_sessions.channel in ('paid_search', 'paid_social', 'display') as is_marketing_touch,
        web_sessions.session_started_at as occurred_at,
        web_sessions._loaded_at,
        web_sessions.customer_key as stitched_customer_key
    from web_sessions
    inner join restated_cookies
        on web_sessions.cookie_id = restated_cookies.cookie_id

),

{# the touches of identity records, keyed with one join on the identity map -#}
record_touches as (

    {% for touches in ['email_touches', 'sms_touches', 'app_touches', 'call_touches',
                       'letter_touches', 'order_touches', 'return_touches', 'nps_touches'] %}
    select * from {{ touches }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

keyed_touches as (

    select
        record_touches.*,
        identity_map.customer_key
    from record_touches
    left join identity_map
        on
            record_touches.source_system = identity_map.source_system
            and record_touches.source_record_id = identity_map.source_record_id
    union all
    select
        touchpoint_id,
        source_system,
        source_record_id,
        touchpoint_type,
        channel,
        campaign_id,
        direction,
        department_override,
        interaction_reason,
        is_marketing_touch,
        occurred_at,
        _loaded_at,
        stitched_customer_key as customer_key
    from web_touches

),

final as (

    select
        keyed_touches.touchpoint_id,
        keyed_touches.customer_key,
        case
            when keyed_touches.customer_key is null then keyed_touches.source_record_id
        end as anonymous_id,
        keyed_touches.source_system,
        keyed_touches.source_record_id,
        keyed_touches.touchpoint_type,
        keyed_touches.channel,
        keyed_touches.campaign_id,
        keyed_touches.direction,
        coalesce(keyed_touches.department_override, channels.department) as department,
        keyed_touches.interaction_reason,
        coalesce(keyed_touches.is_marketing_touch, false) as is_marketing_touch,
        keyed_touches.occurred_at,
        keyed_touches._loaded_at
    from keyed_touches
    left join channels
        on keyed_touches.channel = channels.channel

)

select * from final
