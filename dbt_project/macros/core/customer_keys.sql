{#- Post-hooks of the incremental facts: identity resolution may re-key customers (clusters merge
    or split) between runs, so rows built earlier are brought up to the current identity map —
    an incremental run then yields the keys a full rebuild would. -#}

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
                source_system,
                source_record_id,
                cast(customer_key as {{ dbt.type_string() }}) as customer_key
            from {{ source('identity', 'customer_identity_map') }}
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


{#- fct_touchpoints' web sessions take the key of their session in fct_web_sessions. -#}
{% macro refresh_web_touchpoint_keys() -%}
    {%- if is_incremental() -%}
        update {{ this }} as fact
        set
            customer_key = sessions.customer_key,
            anonymous_id = sessions.anonymous_id
        from {{ ref('fct_web_sessions') }} as sessions
        where
            fact.source_system = 'web'
            and fact.touchpoint_id = {{ dbt.concat(["'web:'", 'sessions.session_id']) }}
            and fact.customer_key is distinct from sessions.customer_key
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
