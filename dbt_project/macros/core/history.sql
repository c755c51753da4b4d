{#- A hash of the tracked attributes of dim_customer_history, to detect a changed state. -#}
{% macro history_state_hash() -%}
    {{ dbt.hash(dbt.concat([
        "coalesce(street, '')", "'|'", "coalesce(postal_code, '')", "'|'",
        "coalesce(city, '')", "'|'", "coalesce(country, '')", "'|'",
        dbt.cast('has_email_consent', dbt.type_string()), "'|'",
        dbt.cast('has_sms_consent', dbt.type_string()), "'|'",
        dbt.cast('has_postal_consent', dbt.type_string()), "'|'",
        dbt.cast('has_phone_consent', dbt.type_string()), "'|'",
        dbt.cast('has_push_consent', dbt.type_string()), "'|'",
        "coalesce(journey_stage, '')", "'|'",
        "coalesce(value_segment, '')",
    ])) }}
{%- endmacro %}


{#- The last non-null value of `expression` over `window` (a window specification in
    parentheses' content: partition by ... order by ... rows ...). -#}
{% macro last_non_null(expression, window) -%}
    {{ return(adapter.dispatch('last_non_null')(expression, window)) }}
{%- endmacro %}

{% macro default__last_non_null(expression, window) -%}
    last_value({{ expression }} ignore nulls) over ({{ window }})
{%- endmacro %}

{% macro spark__last_non_null(expression, window) -%}
    last({{ expression }}, true) over ({{ window }})
{%- endmacro %}


{#- An order-independent fingerprint (varchar) of the string `expression` over a group's rows:
    equal sets of rows give equal fingerprints. -#}
{% macro fingerprint_agg(expression) -%}
    {{ return(adapter.dispatch('fingerprint_agg')(expression)) }}
{%- endmacro %}

{% macro default__fingerprint_agg(expression) -%}
    {{ dbt.hash(dbt.listagg(dbt.hash(expression), "'|'", "order by " ~ dbt.hash(expression))) }}
{%- endmacro %}

{% macro duckdb__fingerprint_agg(expression) -%}
    cast(count(*) as varchar) || '-' || cast(bit_xor(hash({{ expression }})) as varchar)
{%- endmacro %}


{#- Post-hook of dim_customer_history: drop the history of customer keys that no longer exist
    (identity resolution merged or split them away). -#}
{% macro delete_retired_customer_history() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where customer_key not in (select customer_key from {{ ref('dim_customer') }})
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
