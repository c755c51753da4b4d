{#- Consent changes per identity record and channel: each consent-center event attached to every
    identity record its subject names (customer_number -> CRM record, email -> records with that
    e-mail, phone -> records with that E.164 number, app_user_id -> app record), plus the opt-outs
    that channel platforms record themselves (e-mail unsubscribes, SMS opt-outs). The golden
    record takes the latest event per customer and channel (fail closed). -#}
with

consent_events as (

    select * from {{ ref('stg_consent__events') }}

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

valid_consent_events as (

    select * from consent_events
    where action in ('opt_in', 'opt_out')

),

center_by_record_id as (

    select
        records.source_system,
        records.source_record_id,
        valid_consent_events.channel,
        valid_consent_events.action,
        valid_consent_events.recorded_at,
        'consent:' || valid_consent_events.consent_event_id as consent_event_source
    from valid_consent_events
    inner join records
        on
            valid_consent_events.subject_value_normalised = records.source_record_id
            and (
                (
                    valid_consent_events.subject_type = 'customer_number'
                    and records.source_system = 'crm'
                )
                or (
                    valid_consent_events.subject_type = 'app_user_id'
                    and records.source_system = 'app'
                )
            )

),

center_by_email as (

    select
        records.source_system,
        records.source_record_id,
        valid_consent_events.channel,
        valid_consent_events.action,
        valid_consent_events.recorded_at,
        'consent:' || valid_consent_events.consent_event_id as consent_event_source
    from valid_consent_events
    inner join records
        on valid_consent_events.subject_value_normalised = records.email
    where valid_consent_events.subject_type = 'email'

),

{# A phone subject matches on E.164 (international form, or national form read as Swedish)
    or, typed in national form, on the national significant number of the records' numbers
    (see macros/staging/phones.sql). #}
phone_subjects as (

    select
        *,
        {{ national_phone_digits('subject_value') }} as subject_national_number
    from valid_consent_events
    where subject_type = 'phone'

),

record_phones as (

    select
        source_system,
        source_record_id,
        phone_e164,
        {{ nordic_national_number('phone_e164') }} as national_number
    from records
    where phone_e164 is not null

),

phone_matches as (

    select
        record_phones.source_system,
        record_phones.source_record_id,
        phone_subjects.consent_event_id
    from phone_subjects
    inner join record_phones
        on phone_subjects.subject_value_normalised = record_phones.phone_e164

    union

    select
        record_phones.source_system,
        record_phones.source_record_id,
        phone_subjects.consent_event_id
    from phone_subjects
    inner join record_phones
        on phone_subjects.subject_national_number = record_phones.national_number

),

center_by_phone as (

    select
        phone_matches.source_system,
        phone_matches.source_record_id,
        phone_subjects.channel,
        phone_subjects.action,
        phone_subjects.recorded_at,
        'consent:' || phone_subjects.consent_event_id as consent_event_source
    from phone_matches
    inner join phone_subjects
        on phone_matches.consent_event_id = phone_subjects.consent_event_id

),

esp_unsubscribes as (

    select
        'esp' as source_system,
        subscriber_id as source_record_id,
        'email' as channel,
        'opt_out' as action,
        occurred_at as recorded_at,
        'esp:' || event_id as consent_event_source
    from email_events
    where event_type = 'unsubscribed'

),

sms_opt_outs as (

    select
        'sms' as source_system,
        msisdn as source_record_id,
        'sms' as channel,
        'opt_out' as action,
        occurred_at as recorded_at,
        'sms:' || event_id as consent_event_source
    from sms_events
    where event_type = 'opted_out'

),

final as (

    select * from center_by_record_id
    union all
    select * from center_by_email
    union all
    select * from center_by_phone
    union all
    select * from esp_unsubscribes
    union all
    select * from sms_opt_outs

)

select * from final
