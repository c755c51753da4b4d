{#- Known cross-system keys between identity records (deterministic links):
    webshop_customer_number: a web-shop account stores the CRM customer number;
    web_login: a web cookie logged in to a web-shop account;
    earlier_email: a CRM customer, web-shop account or app user carried an e-mail address in an
    earlier version that another identity record still holds (an ESP subscriber of the old
    address, a survey answer): the person changed address. Only an address that exactly one
    such record carried earlier and at most 5 identity records hold now links (a reused or
    shared address links nothing); CRM test customers link nothing;
    click_through: a web visit that landed from an e-mail or SMS campaign link (utm_medium email
    or sms, utm_campaign) within 5 minutes after a click on that campaign by an e-mail
    subscriber or SMS number, where that click is the only one that can explain the landing and
    the landing the only one that can follow the click (tracking redirects carry no subscriber
    id here; an ambiguous pair links nothing).
    Only links whose both ends are identity records are kept (a number that no CRM record has
    links nothing). -#}
with

webshop_accounts as (

    select * from {{ ref('stg_webshop__accounts') }}
    where is_current_version

),

crm_customer_versions as (

    select * from {{ ref('stg_crm__customers') }}

),

webshop_account_versions as (

    select * from {{ ref('stg_webshop__accounts') }}

),

app_user_versions as (

    select * from {{ ref('stg_app__users') }}

),

web_events as (

    select * from {{ ref('stg_web__events') }}

),

email_events as (

    select * from {{ ref('stg_esp__email_events') }}

),

sms_events as (

    select * from {{ ref('stg_sms__events') }}

),

records as (

    select * from {{ ref('int_identity_records_unioned') }}

),

account_customer_numbers as (

    select distinct
        'webshop' as left_source_system,
        account_id as left_source_record_id,
        'crm' as right_source_system,
        customer_number as right_source_record_id,
        'webshop_customer_number' as link_rule
    from webshop_accounts
    where customer_number is not null

),

cookie_logins as (

    select distinct
        'web' as left_source_system,
        cookie_id as left_source_record_id,
        'webshop' as right_source_system,
        account_id as right_source_record_id,
        'web_login' as link_rule
    from web_events
    where event_type = 'login' and account_id is not null

),

{# every valid e-mail a versioned record carried, with the one it carries now #}
record_emails as (

    select
        'crm' as source_system,
        customer_number as source_record_id,
        email,
        is_current_version
    from crm_customer_versions
    where is_email_valid and coalesce(customer_type, '') <> 'test'

    union all

    select
        'webshop' as source_system,
        account_id as source_record_id,
        email,
        is_current_version
    from webshop_account_versions
    where is_email_valid

    union all

    select
        'app' as source_system,
        app_user_id as source_record_id,
        email,
        is_current_version
    from app_user_versions
    where is_email_valid

),

earlier_emails as (

    select
        source_system,
        source_record_id,
        email
    from record_emails
    group by source_system, source_record_id, email
    having max(case when is_current_version then 1 else 0 end) = 0

),

unambiguous_earlier_emails as (

    select *
    from (
        select
            *,
            count(*) over (partition by email) as owners
        from earlier_emails
    ) as counted
    where owners = 1

),

email_holders as (

    select *
    from (
        select
            source_system,
            source_record_id,
            email,
            count(*) over (partition by email) as holders
        from records
        where email is not null and coalesce(customer_type, '') <> 'test'
    ) as counted
    where holders <= 5

),

earlier_email_links as (

    select distinct
        unambiguous_earlier_emails.source_system as left_source_system,
        unambiguous_earlier_emails.source_record_id as left_source_record_id,
        email_holders.source_system as right_source_system,
        email_holders.source_record_id as right_source_record_id,
        'earlier_email' as link_rule
    from unambiguous_earlier_emails
    inner join email_holders
        on unambiguous_earlier_emails.email = email_holders.email
    where
        not (
            unambiguous_earlier_emails.source_system = email_holders.source_system
            and unambiguous_earlier_emails.source_record_id = email_holders.source_record_id
        )

),

campaign_clicks as (

    select
        'esp' as source_system,
        subscriber_id as source_record_id,
        'email' as utm_medium,
        campaign_id,
        occurred_at
    from email_events
    where event_type = 'clicked' and campaign_id is not null

    union all

    select
        'sms' as source_system,
        msisdn as source_record_id,
        'sms' as utm_medium,
        campaign_id,
        occurred_at
    from sms_events
    where event_type = 'clicked' and campaign_id is not null

),

campaign_landings as (

    select
        event_id,
        cookie_id,
        utm_medium,
        utm_campaign,
        occurred_at,
        floor(extract(epoch from occurred_at) / 300) as time_bucket
    from web_events
    where utm_medium in ('email', 'sms') and utm_campaign is not null

),

{# a landing within 5 minutes after a click falls in the click's 5-minute bucket or the next:
    an equi-join on (campaign, bucket) keeps the candidate pairs few at any scale #}
{# each click also joins the next 5-minute bucket: a landing just across a boundary matches -#}
bucket_offsets as (

    select 0 as offset_buckets
    union all
    select 1 as offset_buckets

),

click_buckets as (

    select
        campaign_clicks.*,
        floor(extract(epoch from campaign_clicks.occurred_at) / 300)
        + bucket_offsets.offset_buckets as time_bucket
    from campaign_clicks
    cross join bucket_offsets

),

click_landing_candidates as (

    select
        campaign_landings.event_id,
        campaign_landings.cookie_id,
        campaign_clicks.source_system,
        campaign_clicks.source_record_id,
        count(*) over (partition by campaign_landings.event_id) as clicks_for_landing,
        count(*) over (
            partition by
                campaign_clicks.source_system,
                campaign_clicks.source_record_id,
                campaign_clicks.campaign_id,
                campaign_clicks.occurred_at
        ) as landings_for_click
    from campaign_landings
    inner join click_buckets as campaign_clicks
        on
            campaign_landings.utm_campaign = campaign_clicks.campaign_id
            and campaign_landings.utm_medium = campaign_clicks.utm_medium
            and campaign_landings.time_bucket = campaign_clicks.time_bucket
            and campaign_landings.occurred_at >= campaign_clicks.occurred_at
            and campaign_landings.occurred_at
            <= {{ dbt.dateadd('minute', 5, 'campaign_clicks.occurred_at') }}

),

click_through_links as (

    select distinct
        'web' as left_source_system,
        cookie_id as left_source_record_id,
        source_system as right_source_system,
        source_record_id as right_source_record_id,
        'click_through' as link_rule
    from click_landing_candidates
    where clicks_for_landing = 1 and landings_for_click = 1

),

candidate_links as (

    select * from account_customer_numbers
    union all
    select * from cookie_logins
    union all
    select * from earlier_email_links
    union all
    select * from click_through_links

),

final as (

    select
        candidate_links.left_source_system,
        candidate_links.left_source_record_id,
        candidate_links.right_source_system,
        candidate_links.right_source_record_id,
        candidate_links.link_rule
    from candidate_links
    inner join records as left_records
        on
            candidate_links.left_source_system = left_records.source_system
            and candidate_links.left_source_record_id = left_records.source_record_id
    inner join records as right_records
        on
            candidate_links.right_source_system = right_records.source_system
            and candidate_links.right_source_record_id = right_records.source_record_id

)

select * from final
