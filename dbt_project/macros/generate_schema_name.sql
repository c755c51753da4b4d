{#- Models land in the schema their folder names (staging, intermediate, marts, activation),
    not in "<target schema>_<custom schema>": the DuckDB schemas are a fixed contract. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
