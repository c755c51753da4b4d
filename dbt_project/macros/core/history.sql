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
        "coalesce(journey_stage, '')",
    ])) }}
{%- endmacro %}
