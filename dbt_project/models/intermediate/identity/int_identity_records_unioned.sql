{#- Every identity record of every source (catalog IDENTITY_SOURCES) in one shape, latest state
    per record, ids exactly as loaded. Invalid e-mails/phones are null here: never match keys.
    Besides the identity contract columns it carries what survivorship needs
    (is_email_verified, is_postal_code_valid, customer_type, first_observed_at,
    email_observed_since). -#}
with

{# email_observed_since: since when the record has carried its current e-mail (its earliest
    version with that address) — tells a new address from an old one in survivorship;
    address_observed_since likewise for the street address. #}
crm_customers as (

    select *
    from (
        select
            *,
            min(updated_at) over (partition by customer_number, email) as email_observed_since,
            min(updated_at) over (
                partition by customer_number, street, postal_code
            ) as address_observed_since
        from {{ ref('stg_crm__customers') }}
    ) as versions
    where is_current_version

),

webshop_accounts as (

    select *
    from (
        select
            *,
            min(updated_at) over (partition by account_id, email) as email_observed_since,
            min(updated_at) over (
                partition by account_id, street, postal_code
            ) as address_observed_since
        from {{ ref('stg_webshop__accounts') }}
    ) as versions
    where is_current_version

),

esp_subscribers as (

    select * from {{ ref('stg_esp__subscribers') }}

),

sms_events as (

    select * from {{ ref('stg_sms__events') }}

),

app_users as (

    select * from {{ ref('stg_app__users') }}

),

web_events as (

    select * from {{ ref('stg_web__events') }}

),

callcenter_contacts as (

    select * from {{ ref('stg_callcenter__contacts') }}

),

postal_recipients as (

    select *
    from (
        select
            *,
            min(updated_at) over (
                partition by recipient_id, street, postal_code
            ) as address_observed_since
        from {{ ref('stg_postal__recipients') }}
    ) as versions
    where is_current_version

),

survey_responses as (

    select * from {{ ref('stg_survey__responses') }}

),

crm_records as (

    select
        'crm' as source_system,
        customer_number as source_record_id,
        case when is_email_valid then email end as email,
        case when is_phone_valid then phone_e164 end as phone_e164,
        given_names,
        surname,
        preferred_name as preferred_given_name,
        birth_date,
        street,
        postal_code,
        is_postal_code_valid,
        city,
        country,
        false as is_email_verified,
        customer_type,
        created_at as first_observed_at,
        email_observed_since,
        address_observed_since,
        updated_at as observed_at
    from crm_customers

),

webshop_records as (

    select
        'webshop' as source_system,
        account_id as source_record_id,
        case when is_email_valid then email end as email,
        case when is_phone_valid then phone_e164 end as phone_e164,
        first_name as given_names,
        last_name as surname,
        cast(null as varchar) as preferred_given_name,
        cast(null as date) as birth_date,
        street,
        postal_code,
        is_postal_code_valid,
        city,
        country,
        coalesce(email_verified and is_email_valid, false) as is_email_verified,
        cast(null as varchar) as customer_type,
        created_at as first_observed_at,
        email_observed_since,
        address_observed_since,
        updated_at as observed_at
    from webshop_accounts

),

esp_records as (

    select
        'esp' as source_system,
        subscriber_id as source_record_id,
        case when is_email_valid then email end as email,
        cast(null as varchar) as phone_e164,
        first_name as given_names,
        cast(null as varchar) as surname,
        cast(null as varchar) as preferred_given_name,
        cast(null as date) as birth_date,
        cast(null as varchar) as street,
        cast(null as varchar) as postal_code,
        false as is_postal_code_valid,
        cast(null as varchar) as city,
        cast(null as varchar) as country,
        false as is_email_verified,
        cast(null as varchar) as customer_type,
        subscribed_at as first_observed_at,
        subscribed_at as observed_at
    from esp_subscribers

),

sms_records as (

    select
        'sms' as source_system,
        msisdn as source_record_id,
        max(case when is_phone_valid then phone_e164 end) as phone_e164,
        min(occurred_at) as first_observed_at,
        max(occurred_at) as observed_at
    from sms_events
    group by msisdn

),

app_records as (

    select
        'app' as source_system,
        app_user_id as source_record_id,
        case when is_email_valid then email end as email,
        cast(null as varchar) as phone_e164,
        given_name as given_names,
        cast(null as varchar) as surname,
        cast(null as varchar) as preferred_given_name,
        cast(null as date) as birth_date,
        cast(null as varchar) as street,
        cast(null as varchar) as postal_code,
        false as is_postal_code_valid,
        cast(null as varchar) as city,
        cast(null as varchar) as country,
        false as is_email_verified,
        cast(null as varchar) as customer_type,
        min(created_at) over (partition by app_user_id) as first_observed_at,
        created_at as observed_at,
        is_current_version
    from app_users

),

web_records as (

    select
        'web' as source_system,
        cookie_id as source_record_id,
        min(occurred_at) as first_observed_at,
        max(occurred_at) as observed_at
    from web_events
    group by cookie_id

),

{# Call-center numbers carry no country: one typed in national form ("0401234567",
    "41234567") is read as Swedish by staging, which is wrong for the other markets. Such a
    number takes the E.164 number that other systems know in international form (with a country)
    for the same national significant number, when exactly one does. #}
known_phones as (

    select
        national_number,
        min(phone_e164) as phone_e164
    from (
        select
            phone_e164,
            {{ nordic_national_number('phone_e164') }} as national_number
        from crm_customers
        where is_phone_valid
        union
        select
            phone_e164,
            {{ nordic_national_number('phone_e164') }} as national_number
        from webshop_accounts
        where is_phone_valid
        union
        select
            phone_e164,
            {{ nordic_national_number('phone_e164') }} as national_number
        from sms_records
        where phone_e164 is not null
    ) as phones
    where national_number is not null
    group by national_number
    having count(distinct phone_e164) = 1

),

callcenter_phones as (

    select
        callcenter_contacts.contact_id,
        coalesce(
            known_phones.phone_e164,
            case when callcenter_contacts.is_phone_valid then callcenter_contacts.phone_e164 end
        ) as phone_e164
    from callcenter_contacts
    left join known_phones
        on {{ national_phone_digits('callcenter_contacts.phone') }} = known_phones.national_number

),

callcenter_records as (

    select
        'callcenter' as source_system,
        callcenter_contacts.contact_id as source_record_id,
        callcenter_phones.phone_e164,
        {{ full_name_given_names('callcenter_contacts.caller_name') }} as given_names,
        {{ full_name_surname('callcenter_contacts.caller_name') }} as surname,
        callcenter_contacts.started_at as observed_at
    from callcenter_contacts
    inner join callcenter_phones
        on callcenter_contacts.contact_id = callcenter_phones.contact_id

),

postal_records as (

    select
        'postal' as source_system,
        recipient_id as source_record_id,
        {{ full_name_given_names('full_name') }} as given_names,
        {{ full_name_surname('full_name') }} as surname,
        street,
        postal_code,
        is_postal_code_valid,
        city,
        country,
        address_observed_since,
        updated_at as observed_at
    from postal_recipients

),

survey_records as (

    select
        'survey' as source_system,
        response_id as source_record_id,
        case when is_email_valid then respondent_email end as email,
        {{ full_name_given_names('respondent_name') }} as given_names,
        {{ full_name_surname('respondent_name') }} as surname,
        answered_at as observed_at
    from survey_responses

),

unioned as (

    select
        source_system,
        source_record_id,
        email,
        phone_e164,
        given_names,
        surname,
        preferred_given_name,
        birth_date,
        street,
        postal_code,
        is_postal_code_valid,
        city,
        country,
        is_email_verified,
        customer_type,
        first_observed_at,
        email_observed_since,
        address_observed_since,
        observed_at
    from crm_records

    union all

    select
        source_system,
        source_record_id,
        email,
        phone_e164,
        given_names,
        surname,
        preferred_given_name,
        birth_date,
        street,
        postal_code,
        is_postal_code_valid,
        city,
        country,
        is_email_verified,
        customer_type,
        first_observed_at,
        email_observed_since,
        address_observed_since,
        observed_at
    from webshop_records

    union all

    select
        source_system,
        source_record_id,
        email,
        phone_e164,
        given_names,
        surname,
        preferred_given_name,
        birth_date,
        street,
        postal_code,
        is_postal_code_valid,
        city,
        country,
        is_email_verified,
        customer_type,
        first_observed_at,
        first_observed_at as email_observed_since,
        cast(null as timestamp with time zone) as address_observed_since,
        observed_at
    from esp_records

    union all

    select
        source_system,
        source_record_id,
        cast(null as varchar) as email,
        phone_e164,
        cast(null as varchar) as given_names,
        cast(null as varchar) as surname,
        cast(null as varchar) as preferred_given_name,
        cast(null as date) as birth_date,
        cast(null as varchar) as street,
        cast(null as varchar) as postal_code,
        false as is_postal_code_valid,
        cast(null as varchar) as city,
        cast(null as varchar) as country,
        false as is_email_verified,
        cast(null as varchar) as customer_type,
        first_observed_at,
        first_observed_at as email_observed_since,
        cast(null as timestamp with time zone) as address_observed_since,
        observed_at
    from sms_records

    union all

    select
        source_system,
        source_record_id,
        email,
        phone_e164,
        given_names,
        surname,
        preferred_given_name,
        birth_date,
        street,
        postal_code,
        is_postal_code_valid,
        city,
        country,
        is_email_verified,
        customer_type,
        first_observed_at,
        first_observed_at as email_observed_since,
        cast(null as timestamp with time zone) as address_observed_since,
        observed_at
    from app_records
    where is_current_version

    union all

    select
        source_system,
        source_record_id,
        cast(null as varchar) as email,
        cast(null as varchar) as phone_e164,
        cast(null as varchar) as given_names,
        cast(null as varchar) as surname,
        cast(null as varchar) as preferred_given_name,
        cast(null as date) as birth_date,
        cast(null as varchar) as street,
        cast(null as varchar) as postal_code,
        false as is_postal_code_valid,
        cast(null as varchar) as city,
        cast(null as varchar) as country,
        false as is_email_verified,
        cast(null as varchar) as customer_type,
        first_observed_at,
        first_observed_at as email_observed_since,
        cast(null as timestamp with time zone) as address_observed_since,
        observed_at
    from web_records

    union all

    select
        source_system,
        source_record_id,
        cast(null as varchar) as email,
        phone_e164,
        given_names,
        surname,
        cast(null as varchar) as preferred_given_name,
        cast(null as date) as birth_date,
        cast(null as varchar) as street,
        cast(null as varchar) as postal_code,
        false as is_postal_code_valid,
        cast(null as varchar) as city,
        cast(null as varchar) as country,
        false as is_email_verified,
        cast(null as varchar) as customer_type,
        observed_at as first_observed_at,
        observed_at as email_observed_since,
        cast(null as timestamp with time zone) as address_observed_since,
        observed_at
    from callcenter_records

    union all

    select
        source_system,
        source_record_id,
        cast(null as varchar) as email,
        cast(null as varchar) as phone_e164,
        given_names,
        surname,
        cast(null as varchar) as preferred_given_name,
        cast(null as date) as birth_date,
        street,
        postal_code,
        is_postal_code_valid,
        city,
        country,
        false as is_email_verified,
        cast(null as varchar) as customer_type,
        observed_at as first_observed_at,
        observed_at as email_observed_since,
        address_observed_since,
        observed_at
    from postal_records

    union all

    select
        source_system,
        source_record_id,
        email,
        cast(null as varchar) as phone_e164,
        given_names,
        surname,
        cast(null as varchar) as preferred_given_name,
        cast(null as date) as birth_date,
        cast(null as varchar) as street,
        cast(null as varchar) as postal_code,
        false as is_postal_code_valid,
        cast(null as varchar) as city,
        cast(null as varchar) as country,
        false as is_email_verified,
        cast(null as varchar) as customer_type,
        observed_at as first_observed_at,
        observed_at as email_observed_since,
        cast(null as timestamp with time zone) as address_observed_since,
        observed_at
    from survey_records

),

final as (

    select
        source_system,
        source_record_id,
        email,
        phone_e164,
        {{ fix_name_case('given_names') }} as given_names,
        {{ fix_name_case('surname') }} as surname,
        {{ fix_name_case('preferred_given_name') }} as preferred_given_name,
        birth_date,
        {{ fix_name_case('street') }} as street,
        postal_code,
        is_postal_code_valid,
        {{ fix_name_case('city') }} as city,
        country,
        is_email_verified,
        customer_type,
        first_observed_at,
        email_observed_since,
        address_observed_since,
        observed_at
    from unioned

)

select * from final
