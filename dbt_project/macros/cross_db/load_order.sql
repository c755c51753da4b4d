{#- The order rows were loaded in: batch load time, then file, then line within the file.
    Used to keep the first copy of a duplicated event or to find the latest version of a record. -#}
{% macro load_order(direction='asc') -%}
    _loaded_at {{ direction }}, _source_file {{ direction }}, _row_number {{ direction }}
{%- endmacro %}
