{#- Slowly changing (type 2) history of each customer's address, consent per channel, journey
    stage and value segment: one row per customer per period in which none of them changed
    (valid_from inclusive, valid_to exclusive, null for the current row).
    Address, consent and stage are rebuilt from the event history, so they also cover the time
    before the pipeline ran. Address: the latest observed address of any of the customer's CRM,
    web-shop or postal records (every version). Consent: the latest change per channel
    (fct_consent_events), fail closed — no consent before an opt-in. Stage:
    fct_customer_stage_history (from UTC midnight). Value segment: as observed by each run
    (int_customer_value_segments_observed, from UTC midnight of the as-of date); null before the
    first observation.
    Incremental by customer: the change list of every customer is gathered (plain column scans,
    no per-row text or time-zone conversion) and fingerprinted (fingerprint_agg: row count and
    sum of the rows' hashes); only customers whose fingerprint differs from the one their rows
    were built from — new data, late data, time-driven stage changes, segment changes, identity
    re-keys — are rebuilt (delete+insert on customer_key); retired customer keys are deleted.
    A customer's rows depend on nothing but its change list, so rebuilding exactly the customers
    whose list changed gives the rows of a full rebuild. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='customer_key',
        on_schema_change='fail',
        post_hook=["{{ delete_retired_customer_history() }}"],
    )
}}

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

customers as (

    select cast(customer_key as {{ dbt.type_string() }}) as customer_key
    from {{ ref('dim_customer') }}

),

value_segments as (

    select value_segments.*
    from {{ ref('int_customer_value_segments_observed') }} as value_segments
    where value_segments.observed_on <= (
            select as_of.as_of_date from {{ ref('int_as_of_date') }} as as_of
        )

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

{# one timeline of changes per customer; each row sets one attribute group, at an instant
    (changed_at) or from UTC midnight of a day (changed_on: turned into an instant only for the
    customers to rebuild, which spares the conversion on every run's fingerprint scan) -#}
changes as (

    select
        identity_map.customer_key,
        address_versions.observed_at as changed_at,
        cast(null as date) as changed_on,
        'address' as change_kind,
        address_versions.street,
        address_versions.postal_code,
        address_versions.city,
        address_versions.country,
        cast(null as boolean) as is_opt_in,
        cast(null as {{ dbt.type_string() }}) as stage,
        cast(null as {{ dbt.type_string() }}) as value_segment
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
        null as changed_on,
        {{ dbt.concat(["'consent_'", 'channel']) }} as change_kind,
        null as street,
        null as postal_code,
        null as city,
        null as country,
        is_opt_in,
        null as stage,
        null as value_segment
    from consent_events
    union all
    select
        customer_key,
        null as changed_at,
        valid_from as changed_on,
        'stage' as change_kind,
        null as street,
        null as postal_code,
        null as city,
        null as country,
        null as is_opt_in,
        stage,
        null as value_segment
    from stage_history
    union all
    select
        customer_key,
        null as changed_at,
        observed_on as changed_on,
        'value_segment' as change_kind,
        null as street,
        null as postal_code,
        null as city,
        null as country,
        null as is_opt_in,
        null as stage,
        value_segment
    from value_segments

),

{# each customer key's changes, fingerprinted -#}
fingerprints as (

    select
        customer_key,
        {{ fingerprint_agg([
            'changed_at', 'changed_on', 'change_kind', 'street', 'postal_code', 'city', 'country',
            'is_opt_in', 'stage', 'value_segment',
        ]) }} as change_fingerprint
    from changes
    group by customer_key

),

{# customers to (re)build: golden-record customers only (identity resolution may have retired
    a key); all on a full build, else those whose changes differ from their built rows' -#}
affected as (

    select fingerprints.*
    from fingerprints
    inner join customers
        on fingerprints.customer_key = customers.customer_key
    {% if is_incremental() -%}
    left join (
        select
            customer_key,
            change_fingerprint
        from {{ this }}
        where is_current
    ) as built
        on fingerprints.customer_key = built.customer_key
    where built.change_fingerprint is null
        or built.change_fingerprint <> fingerprints.change_fingerprint
    {%- endif %}

),

{# the changes of each affected customer in a fixed order; the address group's four columns
    change together, so the address rows get their own sequence number to look up -#}
{% set changed_at = 'coalesce(changes.changed_at, ' ~ utc_midnight('changes.changed_on') ~ ')' -%}
sequenced as (

    select
        changes.customer_key,
        {{ changed_at }} as changed_at,
        changes.change_kind,
        changes.street,
        changes.postal_code,
        changes.city,
        changes.country,
        changes.is_opt_in,
        changes.stage,
        changes.value_segment,
        affected.change_fingerprint,
        row_number() over (
            partition by changes.customer_key
            order by
                {{ changed_at }},
                changes.change_kind,
                changes.street,
                changes.postal_code,
                changes.city,
                changes.country,
                changes.is_opt_in,
                changes.stage,
                changes.value_segment
        ) as change_sequence
    from changes
    inner join affected
        on changes.customer_key = affected.customer_key

),

{% set running = 'partition by customer_key order by change_sequence'
    ~ ' rows between unbounded preceding and current row' -%}
{# every attribute group holds the value of its latest change: one window for all (one sort);
    the last change at an instant is the one the next change does not share the instant with -#}
states as (

    select
        customer_key,
        changed_at,
        change_sequence,
        change_fingerprint,
        max(case when change_kind = 'address' then change_sequence end)
            over ({{ running }}) as address_sequence,
        {% for channel in ['email', 'sms', 'postal', 'phone', 'push'] %}
        coalesce(
            {{ last_non_null(
                "case when change_kind = 'consent_" ~ channel ~ "' then is_opt_in end", running
            ) }},
            false
        ) as has_{{ channel }}_consent,
        {% endfor %}
        {{ last_non_null('stage', running) }} as journey_stage,
        {{ last_non_null('value_segment', running) }} as value_segment,
        lead(change_sequence)
            over (partition by customer_key order by change_sequence) as next_change_sequence,
        lead(changed_at)
            over (partition by customer_key order by change_sequence) as next_changed_at
    from sequenced

),

{# the state after the last change at each instant, with its address -#}
instants as (

    select
        states.customer_key,
        states.changed_at,
        addresses.street,
        addresses.postal_code,
        addresses.city,
        addresses.country,
        states.has_email_consent,
        states.has_sms_consent,
        states.has_postal_consent,
        states.has_phone_consent,
        states.has_push_consent,
        states.journey_stage,
        states.value_segment,
        states.change_fingerprint
    from states
    left join sequenced as addresses
        on
            states.customer_key = addresses.customer_key
            and states.address_sequence = addresses.change_sequence
    where
        states.next_change_sequence is null
        or states.next_changed_at is distinct from states.changed_at

),

compared as (

    select
        instants.*,
        lag({{ history_state_hash() }}) over (
            partition by instants.customer_key order by instants.changed_at
        ) as previous_state_hash,
        {{ history_state_hash() }} as state_hash
    from instants

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
        journey_stage,
        value_segment,
        change_fingerprint
    from periods

)

select * from final
