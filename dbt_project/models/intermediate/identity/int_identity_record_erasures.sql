{#- GDPR erasure requests attached to the identity records they name: customer_number -> CRM
    record, e-mail -> records with that e-mail, phone -> records with that E.164 number. -#}
with

erasure_requests as (

    select * from {{ ref('stg_consent__erasure_requests') }}

),

records as (

    select * from {{ ref('int_identity_records_unioned') }}

),

by_customer_number as (

    select
        records.source_system,
        records.source_record_id,
        erasure_requests.request_id,
        erasure_requests.requested_at
    from erasure_requests
    inner join records
        on erasure_requests.customer_number = records.source_record_id
    where records.source_system = 'crm'

),

by_email as (

    select
        records.source_system,
        records.source_record_id,
        erasure_requests.request_id,
        erasure_requests.requested_at
    from erasure_requests
    inner join records
        on erasure_requests.email = records.email
    where erasure_requests.is_email_valid

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

{# E.164 match, or for a number typed in national form its national significant number. #}
by_phone as (

    select
        record_phones.source_system,
        record_phones.source_record_id,
        erasure_requests.request_id,
        erasure_requests.requested_at
    from erasure_requests
    inner join record_phones
        on erasure_requests.phone_e164 = record_phones.phone_e164
    where erasure_requests.is_phone_valid

    union all

    select
        record_phones.source_system,
        record_phones.source_record_id,
        erasure_requests.request_id,
        erasure_requests.requested_at
    from erasure_requests
    inner join record_phones
        on {{ national_phone_digits('erasure_requests.phone') }} = record_phones.national_number

),

matches as (

    select * from by_customer_number
    union all
    select * from by_email
    union all
    select * from by_phone

),

final as (

    select distinct
        source_system,
        source_record_id,
        request_id,
        requested_at
    from matches

)

select * from final
