{#- One row per consent change and the customer it applies to: consent-center opt-ins/opt-outs
    and the opt-outs channel platforms record themselves (e-mail unsubscribes, SMS opt-outs).
    Subjects resolve to identity records as the golden record does (int_identity_record_consents);
    a change naming no known record is kept with customer_key null. An event naming records of
    several customers yields one row per customer.
    Incremental (delete+insert of all rows of a change, by consent_event_id): changes loaded since
    the last run, and changes whose customers differ from the stored ones because identity
    resolution re-keyed their records. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='consent_event_id',
        on_schema_change='fail',
    )
}}

with

consent_events as (

    select * from {{ ref('stg_consent__events') }}

),

email_events as (

    select * from {{ ref('stg_esp__email_events') }}
    where event_type = 'unsubscribed'

),

sms_events as (

    select * from {{ ref('stg_sms__events') }}
    where event_type = 'opted_out'

),

record_consents as (

    select * from {{ ref('int_identity_record_consents') }}

),

identity_map as (

    select
        source_system,
        source_record_id,
        cast(customer_key as {{ dbt.type_string() }}) as customer_key
    from {{ source('identity', 'customer_identity_map') }}

),

all_changes as (

    select
        {{ dbt.concat(["'consent:'", 'consent_event_id']) }} as consent_event_id,
        'consent' as source_system,
        subject_type,
        channel,
        action,
        collected_via,
        recorded_at,
        _loaded_at
    from consent_events
    union all
    select
        {{ dbt.concat(["'esp:'", 'event_id']) }} as consent_event_id,
        'esp' as source_system,
        'subscriber_id' as subject_type,
        'email' as channel,
        'opt_out' as action,
        'esp' as collected_via,
        occurred_at as recorded_at,
        _loaded_at
    from email_events
    union all
    select
        {{ dbt.concat(["'sms:'", 'event_id']) }} as consent_event_id,
        'sms' as source_system,
        'msisdn' as subject_type,
        'sms' as channel,
        'opt_out' as action,
        'sms' as collected_via,
        occurred_at as recorded_at,
        _loaded_at
    from sms_events

),

customers_per_change as (

    select distinct
        record_consents.consent_event_source as consent_event_id,
        identity_map.customer_key
    from record_consents
    inner join identity_map
        on
            record_consents.source_system = identity_map.source_system
            and record_consents.source_record_id = identity_map.source_record_id

),

{% if is_incremental() -%}
stored_customers as (

    select consent_event_id, customer_key from {{ this }}
    where customer_key is not null

),

re_resolved as (

    select consent_event_id from (
        select consent_event_id, customer_key from customers_per_change
        except
        select consent_event_id, customer_key from stored_customers
    ) as gained
    union
    select consent_event_id from (
        select consent_event_id, customer_key from stored_customers
        except
        select consent_event_id, customer_key from customers_per_change
    ) as lost

),
{%- endif %}

changes as (

    select * from all_changes
    where
        {{ loaded_since_last_run() }}
        {% if is_incremental() -%}
        or consent_event_id in (select consent_event_id from re_resolved)
        {%- endif %}

),

final as (

    select
        {{ dbt.concat([
            'changes.consent_event_id',
            "'|'",
            "coalesce(customers_per_change.customer_key, '')",
        ]) }} as consent_event_key,
        changes.consent_event_id,
        customers_per_change.customer_key,
        changes.source_system,
        changes.subject_type,
        changes.channel,
        changes.action,
        changes.action = 'opt_in' as is_opt_in,
        changes.collected_via,
        changes.recorded_at,
        changes._loaded_at
    from changes
    left join customers_per_change
        on changes.consent_event_id = customers_per_change.consent_event_id

)

select * from final
