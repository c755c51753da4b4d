{#- The UTC calendar date of a timestamp with time zone, independent of the session time zone. -#}
{% macro utc_date(expression) -%}
    {{ return(adapter.dispatch('utc_date')(expression)) }}
{%- endmacro %}

{% macro default__utc_date(expression) -%}
    cast({{ expression }} as date)
{%- endmacro %}

{% macro duckdb__utc_date(expression) -%}
    cast(timezone('UTC', {{ expression }}) as date)
{%- endmacro %}

{% macro postgres__utc_date(expression) -%}
    cast(({{ expression }}) at time zone 'UTC' as date)
{%- endmacro %}


{#- Whole days from `start_date` to `end_date` (dates). -#}
{% macro days_between(start_date, end_date) -%}
    {{ dbt.datediff(start_date, end_date, 'day') }}
{%- endmacro %}


{#- A date literal. -#}
{% macro date_literal(value) -%}
    cast('{{ value }}' as date)
{%- endmacro %}


{#- ISO day of week, 1 = Monday … 7 = Sunday. -#}
{% macro iso_day_of_week(expression) -%}
    {{ return(adapter.dispatch('iso_day_of_week')(expression)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(expression) -%}
    extract(isodow from {{ expression }})
{%- endmacro %}

{% macro spark__iso_day_of_week(expression) -%}
    (dayofweek({{ expression }}) + 5) % 7 + 1
{%- endmacro %}


{#- Midnight UTC of a date, as a timestamp with time zone. -#}
{% macro utc_midnight(date_expression) -%}
    {{ return(adapter.dispatch('utc_midnight')(date_expression)) }}
{%- endmacro %}

{% macro default__utc_midnight(date_expression) -%}
    cast({{ date_expression }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__utc_midnight(date_expression) -%}
    timezone('UTC', cast({{ date_expression }} as timestamp))
{%- endmacro %}

{% macro postgres__utc_midnight(date_expression) -%}
    (cast({{ date_expression }} as timestamp) at time zone 'UTC')
{%- endmacro %}
