{#- Pre-hooks of the incremental facts: identity resolution may re-key customers (clusters merge
    or split) between runs, so rows built earlier are brought up to the current identity map —
    an incremental run then yields the keys a full rebuild would. Only identity records whose
    key can have changed since the table's last run are looked at: the records now under a key
    that marts.customer_key_history names as the destination of a merge or split since then
    (every record that moved has its new key there), and the records of rows without a key (a
    record new to the map). The rest of the map is unchanged, so comparing every row with the
    whole map is not needed. Since = the table's latest load time before this run (minus the
    incremental lookback): the last run came after it, and each later change is stamped later. -#}

{#- Keys that received records since the table's last run (a subquery). -#}
{% macro recently_changed_customer_keys() -%}
    {%- set since = latest_load_time(var('incremental_lookback_days')) -%}
    select cast(new_customer_key as {{ dbt.type_string() }}) as customer_key
    from {{ source('identity', 'customer_key_history') }}
    {%- if since is not none %}
    where changed_at > {{ dbt.string_literal(since) }}
    {%- endif %}
{%- endmacro %}


{#- Rows whose identity record is (`source_system_expression`, `record_column`); with
    `anonymous_expression`, anonymous_id is set to it where the row has no customer. -#}
{% macro refresh_customer_keys(
    source_system_expression, record_column, condition='true', anonymous_expression=none
) -%}
    {%- if is_incremental() -%}
        update {{ this }} as fact
        set
            {% if anonymous_expression -%}
            anonymous_id = case
                when current_keys.customer_key is null then {{ anonymous_expression }}
            end,
            {% endif -%}
            customer_key = current_keys.customer_key
        from (
            select
                identity_map.source_system,
                identity_map.source_record_id,
                cast(identity_map.customer_key as {{ dbt.type_string() }}) as customer_key
            from {{ source('identity', 'customer_identity_map') }} as identity_map
            where
                cast(identity_map.customer_key as {{ dbt.type_string() }}) in (
                    {{ recently_changed_customer_keys() }}
                )
            union
            select
                identity_map.source_system,
                identity_map.source_record_id,
                cast(identity_map.customer_key as {{ dbt.type_string() }}) as customer_key
            from {{ source('identity', 'customer_identity_map') }} as identity_map
            inner join (
                select distinct
                    {{ source_system_expression }} as source_system,
                    fact.{{ record_column }} as source_record_id
                from {{ this }} as fact
                where
                    fact.customer_key is null
                    and fact.{{ record_column }} is not null
                    and {{ condition }}
            ) as unkeyed
                on
                    identity_map.source_system = unkeyed.source_system
                    and identity_map.source_record_id = unkeyed.source_record_id
        ) as current_keys
        where
            current_keys.source_system = {{ source_system_expression }}
            and current_keys.source_record_id = fact.{{ record_column }}
            and fact.customer_key is distinct from current_keys.customer_key
            and {{ condition }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}


{#- fct_touchpoints' web sessions take the key of their session in fct_web_sessions (already
    brought up to date this run): the sessions re-keyed since the table's last run, and the
    keyed sessions of cookies whose touches have no customer yet. -#}
{% macro refresh_web_touchpoint_keys() -%}
    {%- if is_incremental() -%}
        update {{ this }} as fact
        set
            customer_key = sessions.customer_key,
            anonymous_id = sessions.anonymous_id
        from (
            select
                {{ dbt.concat(["'web:'", 'session_id']) }} as touchpoint_id,
                customer_key,
                anonymous_id
            from {{ ref('fct_web_sessions') }}
            where customer_key in ({{ recently_changed_customer_keys() }})
            union
            select
                {{ dbt.concat(["'web:'", 'keyed_sessions.session_id']) }} as touchpoint_id,
                keyed_sessions.customer_key,
                keyed_sessions.anonymous_id
            from {{ ref('fct_web_sessions') }} as keyed_sessions
            inner join (
                select distinct source_record_id as cookie_id
                from {{ this }}
                where source_system = 'web' and customer_key is null
            ) as unkeyed_cookies
                on keyed_sessions.cookie_id = unkeyed_cookies.cookie_id
            where keyed_sessions.customer_key is not null
        ) as sessions
        where
            fact.source_system = 'web'
            and fact.touchpoint_id = sessions.touchpoint_id
            and fact.customer_key is distinct from sessions.customer_key
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
