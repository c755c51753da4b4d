{#- One row per customer and activation channel: may we contact this customer there now, and if
    not, the first rule that stops it. Fail closed: no recorded, current opt-in → not contactable.
    Rules in order: erased, test/internal record, no consent, no address for the channel, hard
    bounce of the e-mail address, open complaint's quiet period. -#}
with

customers as (

    select * from {{ ref('customer_360') }}

),

golden_records as (

    select * from {{ ref('dim_customer') }}

),

identity_map as (

    select * from {{ source('identity', 'customer_identity_map') }}

),

email_events as (

    select * from {{ ref('stg_esp__email_events') }}

),

rules as (

    select * from {{ ref('act_rules') }}

),

channels as (

    {%- for channel in ['email', 'sms', 'postal', 'push', 'telemarketing', 'paid_social'] %}
    select '{{ channel }}' as channel
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

quiet_period as (

    select coalesce(max(window_days), 0) as quiet_period_days
    from rules
    where rule_name = 'complaint_quiet_period'

),

hard_bounced_emails as (

    select distinct email
    from email_events
    where event_type = 'bounced_hard' and is_email_valid

),

{# the most recently seen app user of the customer receives push messages -#}
app_users as (

    select
        customer_key,
        source_record_id as app_user_id,
        row_number() over (
            partition by customer_key order by source_record_id desc
        ) as app_user_rank
    from identity_map
    where source_system = 'app'

),

customer_channels as (

    select
        customers.customer_key,
        channels.channel,
        customers.as_of_date,
        customers.is_erased,
        customers.is_test_record,
        customers.last_complaint_at,
        golden_records.email,
        golden_records.phone_e164,
        golden_records.street,
        golden_records.postal_code,
        golden_records.city,
        app_users.app_user_id,
        case channels.channel
            when 'email' then customers.has_email_consent
            when 'sms' then customers.has_sms_consent
            when 'postal' then customers.has_postal_consent
            when 'push' then customers.has_push_consent
            when 'telemarketing' then customers.has_phone_consent
            when 'paid_social' then customers.has_email_consent
        end as has_consent,
        case channels.channel
            when 'email' then golden_records.email is not null
            when 'sms' then golden_records.phone_e164 is not null
            when 'postal'
                then
                    golden_records.street is not null
                    and golden_records.postal_code is not null
                    and golden_records.city is not null
            when 'push' then app_users.app_user_id is not null
            when 'telemarketing' then golden_records.phone_e164 is not null
            when 'paid_social' then
                golden_records.email is not null or golden_records.phone_e164 is not null
        end as has_address,
        hard_bounced_emails.email is not null
        and channels.channel in ('email', 'paid_social') as has_hard_bounce
    from customers
    cross join channels
    inner join golden_records
        on customers.customer_key = golden_records.customer_key
    left join app_users
        on
            customers.customer_key = app_users.customer_key
            and app_users.app_user_rank = 1
    left join hard_bounced_emails
        on golden_records.email = hard_bounced_emails.email

),

rules_applied as (

    select
        customer_channels.customer_key,
        customer_channels.channel,
        customer_channels.app_user_id,
        case
            when customer_channels.is_erased then 'erased'
            when customer_channels.is_test_record then 'test_record'
            when not coalesce(customer_channels.has_consent, false) then 'no_consent'
            when not customer_channels.has_address then 'no_address'
            when customer_channels.has_hard_bounce then 'hard_bounce'
            when
                customer_channels.last_complaint_at is not null
                and {{ dbt.datediff(utc_date('customer_channels.last_complaint_at'),
                    'customer_channels.as_of_date', 'day') }}
                < quiet_period.quiet_period_days
                then 'complaint_quiet_period'
        end as suppression_reason
    from customer_channels
    cross join quiet_period

),

final as (

    select
        customer_key,
        channel,
        app_user_id,
        suppression_reason,
        suppression_reason is null as is_contactable
    from rules_applied

)

select * from final
