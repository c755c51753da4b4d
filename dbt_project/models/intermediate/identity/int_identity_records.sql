{#- THE identity input contract: one row per (source_system, source_record_id) of every identity
    source, latest state. Identity resolution (orchestration/identity) reads only this table and
    int_identity_links. -#}
{{ config(materialized='view') }}

with

records as (

    select * from {{ ref('int_identity_records_unioned') }}

),

{# CRM test customers (customer_type 'test') are dummies that share one name, address and
    phone: each is its own customer, never a match key for anyone — their match attributes are
    withheld here (the golden record still shows them, flagged is_test_record). #}
final as (

    select
        source_system,
        source_record_id,
        case when not is_test then email end as email,
        case when not is_test then phone_e164 end as phone_e164,
        given_names,
        surname,
        preferred_given_name,
        case when not is_test then birth_date end as birth_date,
        case when not is_test then street end as street,
        case when not is_test then postal_code end as postal_code,
        case when not is_test then city end as city,
        country,
        observed_at
    from (
        select
            *,
            coalesce(source_system = 'crm' and customer_type = 'test', false) as is_test
        from records
    ) as flagged

)

select * from final
