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
    Incremental by customer (delete+insert on customer_key): a customer's rows depend on nothing
    but its change list, so rebuilding every customer whose list may have changed gives the rows
    of a full rebuild. Candidates come from change signals, not from a scan of every list:
    - address versions loaded since the last run (_loaded_at: the latest load time of the
      address versions a customer's rows were built from; incremental lookback applies);
    - customer keys that gained or lost identity records since then (customer_key_history, old
      and new keys: a record's address versions, consent links and stage inputs move with it);
    - value segments observed after the latest observation the rows hold
      (value_segment_observed_on) or on the as-of date, and the customers with rows from UTC
      midnight of the as-of date on (a run for the same or an earlier as-of date replaces
      observations from that date on);
    - consent changes and stage intervals (no load time of their own: re-resolved consent
      links, stage intervals moved by late data or by time alone): change_fingerprint, a
      fingerprint of just those two inputs (plain column scans grouped by customer), compared
      with the one on the customer's current row.
    A new customer always has a value-segment observation on the as-of date. Candidates are
    known golden-record customers only (anonymous web visitors are left out, as in
    customer_360); a post-hook deletes retired customer keys and customers that became
    anonymous visitors. -#}
{%- set since = latest_load_time(var('incremental_lookback_days')) if is_incremental() else none -%}
{%- set observed_since = latest_value_segment_observation() if is_incremental() else none -%}
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
    where not is_anonymous_visitor

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

value_segments as (

    select value_segments.*
    from {{ ref('int_customer_value_segments_observed') }} as value_segments
    where value_segments.observed_on <= (select as_of.as_of_date from as_of)

),

identity_map as (

    select
        source_system,
        source_record_id,
        cast(customer_key as {{ dbt.type_string() }}) as customer_key
    from {{ source('identity', 'customer_identity_map') }}

),

{# the changes without a load time of their own (consent changes, stage intervals) -#}
fingerprinted_changes as (

    {{ history_fingerprinted_changes('consent_events', 'stage_history') }}

),

{% if is_incremental() -%}
{# customers whose consent changes or stage intervals differ from those their rows were built
    from (a customer with neither has no fingerprint), by group key (history_group_key). The
    large relations are read here directly: each CTE is read once, so none is materialised -#}
changed_fingerprints as (

    select coalesce(input_fingerprints.group_key, current_rows.group_key) as group_key
    from (
        select
            {{ history_group_key('customer_key') }} as group_key,
            {{ fingerprint_agg(['changed_at', 'changed_on', 'change_kind', 'is_opt_in', 'stage']) }}
                as change_fingerprint
        from (
            {{ history_fingerprinted_changes(
                '(select * from ' ~ ref('fct_consent_events') ~ ' where customer_key is not null)',
                ref('fct_customer_stage_history'),
            ) }}
        ) as all_fingerprinted_changes
        group by {{ history_group_key('customer_key') }}
    ) as input_fingerprints
    full outer join (
        select
            {{ history_group_key('customer_key') }} as group_key,
            change_fingerprint
        from {{ this }}
        where is_current and change_fingerprint is not null
    ) as current_rows
        on input_fingerprints.group_key = current_rows.group_key
    where input_fingerprints.change_fingerprint is distinct from current_rows.change_fingerprint

),

{# customers whose other inputs may have changed since the last run -#}
candidates as (

    {# address versions loaded since the last run (postal: its raw rows, as the staging view
        cannot filter before its dedup window; a superset of the staged ones) -#}
    select cast(map.customer_key as {{ dbt.type_string() }}) as customer_key
    from (
        select
            'crm' as source_system,
            customer_number as source_record_id
        from {{ ref('stg_crm__customers') }}
        where {{ loaded_after(since) }}
        union all
        select
            'webshop' as source_system,
            account_id as source_record_id
        from {{ ref('stg_webshop__accounts') }}
        where {{ loaded_after(since) }}
        union all
        select
            'postal' as source_system,
            recipient_id as source_record_id
        from {{ source('postal', 'recipients') }}
        where {{ loaded_after(since) }}
    ) as loaded_versions
    inner join {{ source('identity', 'customer_identity_map') }} as map
        on
            loaded_versions.source_system = map.source_system
            and loaded_versions.source_record_id = map.source_record_id
    where map.source_system in ('crm', 'webshop', 'postal')
    {# keys that gained or lost identity records since the last run -#}
    union
    select cast(key_history.old_customer_key as {{ dbt.type_string() }}) as customer_key
    from {{ source('identity', 'customer_key_history') }} as key_history
    where {{ loaded_after(since, 'key_history.changed_at') }}
    union
    select cast(key_history.new_customer_key as {{ dbt.type_string() }}) as customer_key
    from {{ source('identity', 'customer_key_history') }} as key_history
    where {{ loaded_after(since, 'key_history.changed_at') }}
    {# value segments observed after the latest observation the rows hold, or on the as-of
        date (the same date run again, or set back: its observations were replaced) -#}
    union
    select observations.customer_key
    from {{ ref('int_customer_value_segments_observed') }} as observations
    where
        observations.observed_on <= (select as_of.as_of_date from as_of)
        and (
            observations.observed_on >= (select as_of.as_of_date from as_of)
            {%- if observed_since is not none %}
            or observations.observed_on > {{ date_literal(observed_since) }}
            {%- else %}
            or true
            {%- endif %}
        )
    {# rows from UTC midnight of the as-of date on: observations there were replaced -#}
    union
    select built.customer_key
    from {{ this }} as built
    where built.valid_from >= (select {{ utc_midnight('as_of.as_of_date') }} from as_of)

),

{# customers to rebuild: golden-record customers only (identity resolution may have retired a
    key) -#}
affected as (

    select customer_key from customers
    where
        customer_key in (select candidates.customer_key from candidates)
        or {{ history_group_key('customer_key') }} in (
            select changed_fingerprints.group_key from changed_fingerprints
        )

),
{%- else -%}
affected as (

    select customer_key from customers

),
{%- endif %}

affected_records as (

    select identity_map.*
    from identity_map
    where
        identity_map.source_system in ('crm', 'webshop', 'postal')
        and identity_map.customer_key in (select affected.customer_key from affected)

),

{# every version of the affected customers' CRM, web-shop and postal records (joined per source:
    the scans then skip other records early) -#}
address_versions as (

    {% for relation, source_system, record_id in [
        ('crm_customers', 'crm', 'customer_number'),
        ('webshop_accounts', 'webshop', 'account_id'),
        ('postal_recipients', 'postal', 'recipient_id'),
    ] -%}
    {% if not loop.first %}union all{% endif %}
    select
        affected_records.customer_key,
        {{ relation }}.street,
        {{ relation }}.postal_code,
        {{ relation }}.city,
        {{ relation }}.country,
        {{ relation }}.updated_at as observed_at,
        {{ relation }}._loaded_at
    from {{ relation }}
    inner join affected_records
        on
            affected_records.source_system = '{{ source_system }}'
            and {{ relation }}.{{ record_id }} = affected_records.source_record_id
    {% endfor %}

),

{# one timeline of the affected customers' changes -#}
changes as (

    select
        address_versions.customer_key,
        address_versions.observed_at as changed_at,
        cast(null as date) as changed_on,
        'address' as change_kind,
        address_versions.street,
        address_versions.postal_code,
        address_versions.city,
        address_versions.country,
        cast(null as boolean) as is_opt_in,
        cast(null as {{ dbt.type_string() }}) as stage,
        cast(null as {{ dbt.type_string() }}) as value_segment,
        address_versions._loaded_at
    from address_versions
    where
        address_versions.street is not null
        or address_versions.postal_code is not null
        or address_versions.city is not null
    union all
    select
        customer_key,
        changed_at,
        changed_on,
        change_kind,
        null as street,
        null as postal_code,
        null as city,
        null as country,
        is_opt_in,
        stage,
        null as value_segment,
        null as _loaded_at
    from fingerprinted_changes
    where customer_key in (select affected.customer_key from affected)
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
        value_segment,
        null as _loaded_at
    from value_segments
    where customer_key in (select affected.customer_key from affected)

),

{# the changes of each customer in a fixed order; the address group's four columns change
    together, so the address rows get their own sequence number to look up -#}
{% set changed_at = 'coalesce(changes.changed_at, ' ~ utc_midnight('changes.changed_on') ~ ')' -%}
sequenced as (

    select
        changes.customer_key,
        {{ changed_at }} as changed_at,
        changes.changed_at as change_instant,
        changes.changed_on,
        changes.change_kind,
        changes.street,
        changes.postal_code,
        changes.city,
        changes.country,
        changes.is_opt_in,
        changes.stage,
        changes.value_segment,
        changes._loaded_at,
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

),

{# per customer: the fingerprint of its consent changes and stage intervals (the same columns
    as the candidates' fingerprints) and the latest load time of its address versions -#}
customer_fingerprints as (

    select
        customer_key,
        {{ fingerprint_agg(['change_instant', 'changed_on', 'change_kind', 'is_opt_in', 'stage'])
        }} as change_fingerprint
    from sequenced
    where change_kind not in ('address', 'value_segment')
    group by customer_key

),

customer_lineage as (

    select
        customer_key,
        max(_loaded_at) as _loaded_at
    from sequenced
    where change_kind = 'address'
    group by customer_key

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
        {{ last_non_null(
            "case when change_kind = 'value_segment' then changed_on end", running
        ) }} as value_segment_observed_on,
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
        states.value_segment_observed_on
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
            'periods.customer_key', "'|'", dbt.cast('periods.changed_at', dbt.type_string()),
        ]) }} as customer_history_id,
        periods.customer_key,
        periods.changed_at as valid_from,
        periods.next_changed_at as valid_to,
        periods.next_changed_at is null as is_current,
        periods.street,
        periods.postal_code,
        periods.city,
        periods.country,
        periods.has_email_consent,
        periods.has_sms_consent,
        periods.has_postal_consent,
        periods.has_phone_consent,
        periods.has_push_consent,
        periods.journey_stage,
        periods.value_segment,
        periods.value_segment_observed_on,
        customer_fingerprints.change_fingerprint,
        customer_lineage._loaded_at
    from periods
    left join customer_fingerprints
        on periods.customer_key = customer_fingerprints.customer_key
    left join customer_lineage
        on periods.customer_key = customer_lineage.customer_key

)

select * from final
