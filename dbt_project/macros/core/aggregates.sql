{#- Median of a numeric expression (continuous percentile 0.5) as an aggregate. -#}
{% macro median_of(expression) -%}
    {{ return(adapter.dispatch("median_of")(expression)) }}
{%- endmacro %}

{% macro default__median_of(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__median_of(expression) -%}
    median({{ expression }})
{%- endmacro %}


{#- Double-precision floating point type name. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}


{#- The value of `value_expression` (null included) on the row with the highest
    `order_expressions`, compared left to right (none may be null; together they
    must single out one row), as an aggregate: a window-free "latest per group". -#}
{% macro value_at_max(value_expression, order_expressions) -%}
    {{ return(adapter.dispatch("value_at_max")(value_expression, order_expressions)) }}
{%- endmacro %}

{% macro default__value_at_max(value_expression, order_expressions) -%}
    (array_agg({{ value_expression }} order by {{ order_expressions | join(' desc, ') }} desc))[1]
{%- endmacro %}

{% macro duckdb__value_at_max(value_expression, order_expressions) -%}
    arg_max_null({{ value_expression }}, ({{ order_expressions | join(', ') }}))
{%- endmacro %}
