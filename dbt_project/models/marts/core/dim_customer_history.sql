{#- Slowly changing (type 2) history of each customer's address, consent per channel and journey
    stage, rebuilt from the event history so it also covers the time before the pipeline ran:
    one row per customer per period in which none of them changed (valid_from inclusive,
    valid_to exclusive, null for the current row).
    Address: the latest observed address of any of the customer's CRM, web-shop or postal
    records (every version). Consent: the latest change per channel (fct_consent_events), fail
    closed — no consent before an opt-in. Stage: fct_customer_stage_history (from UTC midnight). -#}
with

crm_customers as (

    select * from {{ ref('stg_crm__customers') }}

),

webshop_accounts as (

    select * from {{ ref('stg_webshop__accounts') }}

),

postal_recipients as (

    select * from {{ ref('stg_postal__recipients') }}

),

consent_events as (

    select * from {{ ref('fct_consent_events') }}
    where customer_key is not null

),

stage_history as (

    select * from {{ ref('fct_customer_stage_history') }}

),

identity_map as (

    select
        source_system,
        source_record_id,
        cast(customer_key as {{ dbt.type_string() }}) as customer_key
    from {{ source('identity', 'customer_identity_map') }}

),

address_versions as (

    select
        'crm' as source_system,
        customer_number as source_record_id,
        street,
        postal_code,
        city,
        country,
        updated_at as observed_at
    from crm_customers
    union all
    select
        'webshop' as source_system,
        account_id as source_record_id,
        street,
        postal_code,
        city,
        country,
        updated_at as observed_at
    from webshop_accounts
    union all
    select
        'postal' as source_system,
        recipient_id as source_record_id,
        street,
        postal_code,
        city,
        country,
        updated_at as observed_at
    from postal_recipients

),

{# one timeline of changes per customer; each row sets one attribute group -#}
changes as (

    select
        identity_map.customer_key,
        address_versions.observed_at as changed_at,
        'address' as change_kind,
        address_versions.street,
        address_versions.postal_code,
        address_versions.city,
        address_versions.country,
        cast(null as {{ dbt.type_string() }}) as consent_channel,
        cast(null as boolean) as is_opt_in,
        cast(null as {{ dbt.type_string() }}) as stage
    from address_versions
    inner join identity_map
        on
            address_versions.source_system = identity_map.source_system
            and address_versions.source_record_id = identity_map.source_record_id
    where
        address_versions.street is not null
        or address_versions.postal_code is not null
        or address_versions.city is not null
    union all
    select
        customer_key,
        recorded_at as changed_at,
        {{ dbt.concat(["'consent_'", 'channel']) }} as change_kind,
        null as street,
        null as postal_code,
        null as city,
        null as country,
        channel as consent_channel,
        is_opt_in,
        null as stage
    from consent_events
    union all
    select
        customer_key,
        {{ utc_midnight('valid_from') }} as changed_at,
        'stage' as change_kind,
        null as street,
        null as postal_code,
        null as city,
        null as country,
        null as consent_channel,
        null as is_opt_in,
        stage
    from stage_history

),

{# number the changes of each attribute group; a group's value holds until its next change -#}
grouped as (

    select
        changes.*,
        row_number() over (
            partition by changes.customer_key
            order by
                changes.changed_at,
                changes.change_kind,
                changes.street,
                changes.postal_code,
                changes.city,
                changes.country,
                changes.is_opt_in,
                changes.stage
        ) as change_sequence,
        {% for group in ['address', 'consent_email', 'consent_sms', 'consent_postal',
                         'consent_phone', 'consent_push', 'stage'] %}
        sum(case when changes.change_kind = '{{ group }}' then 1 else 0 end) over (
            partition by changes.customer_key
            order by
                changes.changed_at,
                changes.change_kind,
                changes.street,
                changes.postal_code,
                changes.city,
                changes.country,
                changes.is_opt_in,
                changes.stage
            rows between unbounded preceding and current row
        ) as {{ group }}_group{% if not loop.last %},{% endif %}
        {% endfor %}
    from changes

),

states as (

    select
        customer_key,
        changed_at,
        change_sequence,
        max(case when change_kind = 'address' then street end)
            over (partition by customer_key, address_group) as street,
        max(case when change_kind = 'address' then postal_code end)
            over (partition by customer_key, address_group) as postal_code,
        max(case when change_kind = 'address' then city end)
            over (partition by customer_key, address_group) as city,
        max(case when change_kind = 'address' then country end)
            over (partition by customer_key, address_group) as country,
        {% for channel in ['email', 'sms', 'postal', 'phone', 'push'] %}
        coalesce(
            max(case when change_kind = 'consent_{{ channel }}' then is_opt_in end)
                over (partition by customer_key, consent_{{ channel }}_group),
            false
        ) as has_{{ channel }}_consent,
        {% endfor %}
        max(case when change_kind = 'stage' then stage end)
            over (partition by customer_key, stage_group) as journey_stage
    from grouped

),

{# the state after the last change at each instant -#}
instants as (

    select
        states.*,
        row_number() over (
            partition by states.customer_key, states.changed_at order by states.change_sequence desc
        ) as instant_rank
    from states

),

compared as (

    select
        instants.*,
        lag({{ history_state_hash() }}) over (
            partition by instants.customer_key order by instants.changed_at
        ) as previous_state_hash,
        {{ history_state_hash() }} as state_hash
    from instants
    where instants.instant_rank = 1

),

periods as (

    select
        compared.*,
        lead(compared.changed_at)
            over (partition by compared.customer_key order by compared.changed_at)
            as next_changed_at
    from compared
    where compared.previous_state_hash is null
        or compared.previous_state_hash <> compared.state_hash

),

final as (

    select
        {{ dbt.concat([
            'customer_key', "'|'", dbt.cast('changed_at', dbt.type_string()),
        ]) }} as customer_history_id,
        customer_key,
        changed_at as valid_from,
        next_changed_at as valid_to,
        next_changed_at is null as is_current,
        street,
        postal_code,
        city,
        country,
        has_email_consent,
        has_sms_consent,
        has_postal_consent,
        has_phone_consent,
        has_push_consent,
        journey_stage
    from periods

)

select * from final
