{#- The golden customer record: one row per customer_key of the identity map, each attribute
    chosen from the customer's identity records by survivorship (source trust ranking in
    macros/identity/source_trust.sql, then recency), with `*_source` = "<system>:<record id>" of
    the winning record. Consent is fail-closed; erased customers keep no personal data. -#}
with

identity_map as (

    select * from {{ source('identity', 'customer_identity_map') }}

),

records as (

    select * from {{ ref('int_identity_records_unioned') }}

),

record_consents as (

    select * from {{ ref('int_identity_record_consents') }}

),

record_erasures as (

    select * from {{ ref('int_identity_record_erasures') }}

),

customer_records as (

    select
        identity_map.customer_key,
        identity_map.source_system,
        identity_map.source_record_id,
        identity_map.is_identity_weak,
        records.email,
        records.is_email_verified,
        records.phone_e164,
        records.given_names,
        records.surname,
        records.preferred_given_name,
        records.birth_date,
        records.street,
        records.postal_code,
        records.is_postal_code_valid,
        records.city,
        records.country,
        records.customer_type,
        records.first_observed_at,
        coalesce(records.email_observed_since, records.first_observed_at, records.observed_at)
            as email_observed_since,
        coalesce(records.address_observed_since, records.first_observed_at, records.observed_at)
            as address_observed_since,
        records.observed_at,
        {{ source_trust_rank('identity_map.source_system') }} as trust_rank,
        {{ name_evidence('identity_map.source_system') }} as name_evidence,
        identity_map.source_system || ':' || identity_map.source_record_id as record_source
    from identity_map
    left join records
        on
            identity_map.source_system = records.source_system
            and identity_map.source_record_id = records.source_record_id

),

{# How many of the customer's records spell the surname the same way: a typo in one source
    is outvoted by the others. #}
surname_votes as (

    select
        *,
        count(surname) over (partition by customer_key, surname) as surname_record_count
    from customer_records

),

customers as (

    select
        customer_key,
        count(*) as source_record_count,
        min(case when is_identity_weak then 1 else 0 end) = 1 as is_identity_weak,
        min(case when source_system = 'web' then 1 else 0 end) = 1 as is_anonymous_visitor,
        max(
            case
                when source_system = 'crm' and customer_type in ('test', 'internal') then 1
                else 0
            end
        ) = 1 as is_test_record,
        min(first_observed_at) as first_seen_at,
        max(observed_at) as last_seen_at
    from customer_records
    group by customer_key

),

best_customer_numbers as (

    {{ surviving_values(
        'customer_records', ['source_record_id as customer_number'],
        "source_system = 'crm'", 'observed_at desc'
    ) }}

),

best_given_names as (

    {{ surviving_values(
        'customer_records', ['given_names'], 'given_names is not null',
        "trust_rank, length(given_names) - length(replace(given_names, ' ', '')) desc, "
        ~ 'observed_at desc'
    ) }}

),

best_surnames as (

    {{ surviving_values(
        'surname_votes', ['surname'], 'surname is not null',
        'surname_record_count desc, trust_rank, observed_at desc'
    ) }}

),

best_preferred_given_names as (

    {{ surviving_values(
        'customer_records', ['preferred_given_name'],
        'preferred_given_name is not null', 'trust_rank, observed_at desc'
    ) }}

),

best_birth_dates as (

    {{ surviving_values(
        'customer_records', ['birth_date'], 'birth_date is not null', 'trust_rank, observed_at desc'
    ) }}

),

{# E-mail: per address, since when the customer's records carry it and when it was last seen.
    An address is superseded when another one appeared after it was last seen (the customer
    changed address). Not superseded first, then verified, then the newest, then trust. #}
email_addresses as (

    select
        customer_key,
        email,
        min(email_observed_since) as email_since,
        max(observed_at) as email_last_seen_at,
        max(case when is_email_verified then 1 else 0 end) as is_verified_address,
        min(trust_rank) as best_trust_rank
    from customer_records
    where email is not null
    group by customer_key, email

),

ranked_email_addresses as (

    select *
    from (
        select
            customer_key,
            email,
            is_verified_address = 1 as is_email_verified,
            row_number() over (
                partition by customer_key
                order by
                    case when email_last_seen_at < newest_email_since then 1 else 0 end asc,
                    is_verified_address desc,
                    email_since desc,
                    best_trust_rank asc,
                    email asc
            ) as address_rank
        from (
            select
                *,
                max(email_since) over (partition by customer_key) as newest_email_since
            from email_addresses
        ) as addresses
    ) as ranked
    where address_rank = 1

),

{# The record an address is credited to: verified first, then trust, then recency. #}
email_records as (

    select *
    from (
        select
            customer_key,
            email,
            record_source,
            row_number() over (
                partition by customer_key, email
                order by
                    case when is_email_verified then 0 else 1 end asc,
                    trust_rank asc,
                    observed_at desc,
                    record_source asc
            ) as record_rank
        from customer_records
        where email is not null
    ) as ranked_records
    where record_rank = 1

),

best_emails as (

    select
        ranked_email_addresses.customer_key,
        ranked_email_addresses.email,
        ranked_email_addresses.is_email_verified,
        email_records.record_source
    from ranked_email_addresses
    inner join email_records
        on
            ranked_email_addresses.customer_key = email_records.customer_key
            and ranked_email_addresses.email = email_records.email

),

best_phones as (

    {{ surviving_values(
        'customer_records', ['phone_e164'], 'phone_e164 is not null', 'trust_rank, observed_at desc'
    ) }}

),

{# Addresses: the most recent one is the one the customer took up last — per address (country,
    postal code, street without case and accents), since when any record has carried it. Stale
    sources keep refreshing an old address, so "last seen" would prefer it; "first seen" does
    not. Complete addresses (street, valid postal code, city) first; the representative record
    of an address is its most trusted, then most recent one. #}
address_candidates as (

    select
        *,
        {{ dbt.concat([
            "coalesce(country, '')", "'|'", "coalesce(postal_code, '')", "'|'",
            "coalesce(" ~ fold_name('street') ~ ", '')"
        ]) }} as address_key,
        case
            when street is not null and is_postal_code_valid and city is not null then 0 else 1
        end as completeness_rank
    from customer_records
    where street is not null or postal_code is not null or city is not null

),

address_history as (

    select
        customer_key,
        address_key,
        min(address_observed_since) as address_since,
        max(observed_at) as address_last_seen_at
    from address_candidates
    group by customer_key, address_key

),

ranked_addresses as (

    select
        address_candidates.*,
        address_history.address_since
    from address_candidates
    inner join address_history
        on
            address_candidates.customer_key = address_history.customer_key
            and address_candidates.address_key = address_history.address_key

),

best_addresses as (

    {{ surviving_values(
        'ranked_addresses',
        ['street', 'postal_code', 'city', 'country', 'observed_at as address_observed_at'],
        'true',
        'completeness_rank, address_since desc, trust_rank, observed_at desc'
    ) }}

),

name_positions as (

    {%- for position in range(1, 7) %}
    select {{ position }} as name_position
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

given_name_candidates as (

    select
        customer_key,
        name_position,
        given_name,
        {{ fold_name('given_name') }} as folded_name
    from (
        select
            best_given_names.customer_key,
            name_positions.name_position,
            {# names typed together ("AstridSigne") are two names #}
            {{ dbt.split_part(
                regex_replace_all(
                    'best_given_names.given_names', '(\\p{Ll})(\\p{Lu})', '\\1 \\2'
                ),
                "' '",
                'name_positions.name_position'
            ) }} as given_name
        from best_given_names
        cross join name_positions
    ) as tokens
    where given_name <> ''

),

{# A name someone uses: a one-word given name that a person typed (self_reported) or others
    wrote (observed); for observed records also a one-word surname (agents swap the order). #}
used_names as (

    select
        customer_key,
        source_system,
        source_record_id,
        record_source,
        name_evidence,
        trust_rank,
        observed_at,
        given_names as used_name
    from customer_records
    where
        name_evidence in ('self_reported', 'observed')
        and given_names is not null
        and given_names not like '% %'

    union all

    select
        customer_key,
        source_system,
        source_record_id,
        record_source,
        name_evidence,
        trust_rank,
        observed_at,
        surname as used_name
    from customer_records
    where
        name_evidence = 'observed'
        and surname is not null
        and surname not like '% %'

),

{# Each used name counts for the one given name it matches best (exact before typo-close,
    then the earlier position). #}
candidate_usage as (

    select *
    from (
        select
            given_name_candidates.customer_key,
            given_name_candidates.name_position,
            given_name_candidates.given_name,
            used_names.used_name,
            used_names.record_source,
            used_names.name_evidence,
            used_names.trust_rank,
            used_names.observed_at,
            row_number() over (
                partition by used_names.customer_key, used_names.record_source, used_names.used_name
                order by
                    case
                        when
                            given_name_candidates.folded_name
                            = {{ fold_name('used_names.used_name') }}
                            then 0
                        else 1
                    end asc,
                    given_name_candidates.name_position asc
            ) as match_rank
        from given_name_candidates
        inner join used_names
            on
                given_name_candidates.customer_key = used_names.customer_key
                and {{ same_given_name(
                    'given_name_candidates.folded_name', fold_name('used_names.used_name')
                ) }}
    ) as matches
    where match_rank = 1

),

candidate_scores as (

    select
        customer_key,
        name_position,
        given_name,
        sum(case when name_evidence = 'self_reported' then 1 else 0 end) as self_reported_uses,
        sum(case when name_evidence = 'observed' then 1 else 0 end) as observed_uses
    from candidate_usage
    group by customer_key, name_position, given_name

),

{# Systems default to the first given name, so a used name that is another of the given names
    is the telling evidence: it wins over uses of the first one; then self-reported uses, then
    uses by others, then position. #}
best_used_names as (

    select *
    from (
        select
            customer_key,
            name_position,
            given_name,
            self_reported_uses,
            observed_uses,
            row_number() over (
                partition by customer_key
                order by
                    case when name_position > 1 then 0 else 1 end asc,
                    self_reported_uses desc,
                    observed_uses desc,
                    name_position asc
            ) as candidate_rank
        from candidate_scores
    ) as ranked_candidates
    where candidate_rank = 1

),

best_used_name_usage as (

    select
        candidate_usage.customer_key,
        candidate_usage.given_name,
        candidate_usage.used_name,
        candidate_usage.record_source,
        candidate_usage.name_evidence,
        candidate_usage.trust_rank,
        candidate_usage.observed_at
    from candidate_usage
    inner join best_used_names
        on
            candidate_usage.customer_key = best_used_names.customer_key
            and candidate_usage.name_position = best_used_names.name_position

),

best_used_name_sources as (

    select *
    from (
        select
            customer_key,
            record_source,
            row_number() over (
                partition by customer_key
                order by
                    case when name_evidence = 'self_reported' then 0 else 1 end asc,
                    trust_rank asc,
                    observed_at desc,
                    record_source asc
            ) as source_rank
        from best_used_name_usage
    ) as ranked_sources
    where source_rank = 1

),

{# The spelling of the chosen name: one with diacritics first (systems drop them, they do not
    add them), then the one most records use (the given-names record counts too), then the
    given-names record's. #}
spelling_votes as (

    select
        customer_key,
        used_name as spelling,
        0 as is_given_names_spelling
    from best_used_name_usage

    union all

    select
        customer_key,
        given_name as spelling,
        1 as is_given_names_spelling
    from best_used_names

),

best_spellings as (

    select *
    from (
        select
            customer_key,
            spelling,
            row_number() over (
                partition by customer_key
                order by
                    {{ non_ascii_count('spelling') }} desc,
                    count(*) desc,
                    max(is_given_names_spelling) desc,
                    spelling asc
            ) as spelling_rank
        from spelling_votes
        group by customer_key, spelling
    ) as ranked_spellings
    where spelling_rank = 1

),

greeting_names as (

    select
        customers.customer_key,
        case
            when best_preferred_given_names.preferred_given_name is not null
                then best_preferred_given_names.preferred_given_name
            when best_spellings.spelling is not null
                then best_spellings.spelling
            else nullif({{ dbt.split_part('best_given_names.given_names', "' '", 1) }}, '')
        end as greeting_name,
        case
            when best_preferred_given_names.preferred_given_name is not null
                then best_preferred_given_names.record_source
            when best_spellings.spelling is not null
                then best_used_name_sources.record_source
            else best_given_names.record_source
        end as greeting_name_source,
        case
            when best_preferred_given_names.preferred_given_name is not null
                then 'preferred_name'
            when best_used_names.self_reported_uses > 0 then 'self_reported'
            when best_used_names.given_name is not null then 'most_used'
            when best_given_names.given_names is not null then 'first_given_name'
        end as greeting_name_rule
    from customers
    left join best_preferred_given_names
        on customers.customer_key = best_preferred_given_names.customer_key
    left join best_used_names
        on customers.customer_key = best_used_names.customer_key
    left join best_used_name_sources
        on customers.customer_key = best_used_name_sources.customer_key
    left join best_spellings
        on customers.customer_key = best_spellings.customer_key
    left join best_given_names
        on customers.customer_key = best_given_names.customer_key

),

customer_consent_events as (

    select
        identity_map.customer_key,
        record_consents.channel,
        record_consents.action,
        record_consents.recorded_at,
        record_consents.consent_event_source
    from record_consents
    inner join identity_map
        on
            record_consents.source_system = identity_map.source_system
            and record_consents.source_record_id = identity_map.source_record_id

),

latest_consents as (

    select *
    from (
        select
            customer_key,
            channel,
            action,
            row_number() over (
                partition by customer_key, channel
                order by
                    recorded_at desc,
                    case when action = 'opt_out' then 0 else 1 end asc,
                    consent_event_source desc
            ) as event_rank
        from customer_consent_events
    ) as ranked_events
    where event_rank = 1

),

consents as (

    select
        {%- for channel in ['email', 'sms', 'postal', 'phone', 'push'] %}
        max(case when channel = '{{ channel }}' and action = 'opt_in' then 1 else 0 end) = 1
            as has_{{ channel }}_consent,
        {%- endfor %}
        customer_key
    from latest_consents
    group by customer_key

),

erased_customers as (

    select distinct identity_map.customer_key
    from record_erasures
    inner join identity_map
        on
            record_erasures.source_system = identity_map.source_system
            and record_erasures.source_record_id = identity_map.source_record_id

),

joined as (

    select
        customers.customer_key,
        best_customer_numbers.customer_number,
        best_given_names.given_names,
        best_preferred_given_names.preferred_given_name,
        greeting_names.greeting_name,
        greeting_names.greeting_name_source,
        greeting_names.greeting_name_rule,
        best_surnames.surname,
        best_birth_dates.birth_date,
        best_emails.email,
        best_emails.record_source as email_source,
        coalesce(best_emails.is_email_verified, false) as is_email_verified,
        best_phones.phone_e164,
        best_phones.record_source as phone_source,
        best_addresses.street,
        best_addresses.postal_code,
        best_addresses.city,
        best_addresses.country,
        best_addresses.record_source as address_source,
        best_addresses.address_observed_at,
        {%- for channel in ['email', 'sms', 'postal', 'phone', 'push'] %}
        coalesce(consents.has_{{ channel }}_consent, false) as has_{{ channel }}_consent,
        {%- endfor %}
        erased_customers.customer_key is not null as is_erased,
        customers.is_test_record,
        customers.is_identity_weak,
        customers.is_anonymous_visitor,
        customers.source_record_count,
        customers.first_seen_at,
        customers.last_seen_at
    from customers
    left join best_customer_numbers
        on customers.customer_key = best_customer_numbers.customer_key
    left join best_given_names
        on customers.customer_key = best_given_names.customer_key
    left join best_preferred_given_names
        on customers.customer_key = best_preferred_given_names.customer_key
    left join greeting_names
        on customers.customer_key = greeting_names.customer_key
    left join best_surnames
        on customers.customer_key = best_surnames.customer_key
    left join best_birth_dates
        on customers.customer_key = best_birth_dates.customer_key
    left join best_emails
        on customers.customer_key = best_emails.customer_key
    left join best_phones
        on customers.customer_key = best_phones.customer_key
    left join best_addresses
        on customers.customer_key = best_addresses.customer_key
    left join consents
        on customers.customer_key = consents.customer_key
    left join erased_customers
        on customers.customer_key = erased_customers.customer_key

),

final as (

    {# Erased customers (GDPR art. 17) keep their key, customer number and flags only. #}
    select
        cast(customer_key as varchar) as customer_key,
        cast(customer_number as varchar) as customer_number,
        {%- for column, type in [
            ('given_names', 'varchar'), ('preferred_given_name', 'varchar'),
            ('greeting_name', 'varchar'), ('greeting_name_source', 'varchar'),
            ('greeting_name_rule', 'varchar'), ('surname', 'varchar'), ('birth_date', 'date'),
            ('email', 'varchar'), ('email_source', 'varchar')] %}
        cast(case when not is_erased then {{ column }} end as {{ type }}) as {{ column }},
        {%- endfor %}
        is_email_verified and not is_erased as is_email_verified,
        {%- for column, type in [
            ('phone_e164', 'varchar'), ('phone_source', 'varchar'), ('street', 'varchar'),
            ('postal_code', 'varchar'), ('city', 'varchar')] %}
        cast(case when not is_erased then {{ column }} end as {{ type }}) as {{ column }},
        {%- endfor %}
        cast(country as varchar) as country,
        cast(case when not is_erased then address_source end as varchar) as address_source,
        case when not is_erased then address_observed_at end as address_observed_at,
        {%- for channel in ['email', 'sms', 'postal', 'phone', 'push'] %}
        has_{{ channel }}_consent and not is_erased as has_{{ channel }}_consent,
        {%- endfor %}
        is_erased,
        is_test_record,
        is_identity_weak,
        is_anonymous_visitor,
        cast(source_record_count as integer) as source_record_count,
        first_seen_at,
        last_seen_at
    from joined

)

select * from final
