{#- Known cross-system keys between identity records (deterministic links):
    webshop_customer_number: a web-shop account stores the CRM customer number;
    web_login: a web cookie logged in to a web-shop account.
    Only links whose both ends are identity records are kept (a number that no CRM record has
    links nothing). -#}
with

webshop_accounts as (

    select * from {{ ref('stg_webshop__accounts') }}
    where is_current_version

),

web_events as (

    select * from {{ ref('stg_web__events') }}

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

candidate_links as (

    select * from account_customer_numbers
    union all
    select * from cookie_logins

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
