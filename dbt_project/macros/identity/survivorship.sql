{#- Survivorship: the one record per customer whose value of an attribute wins.
    `relation` has customer_key, source_system, source_record_id and the attribute columns;
    `order_by` ranks candidates (best first); source system and record id break ties so the
    choice never depends on row order. -#}
{% macro surviving_values(relation, columns, where, order_by) -%}
    select *
    from (
        select
            customer_key,
            {%- for column in columns %}
            {{ column }},
            {%- endfor %}
            record_source,
            row_number() over (
                partition by customer_key
                order by {{ order_by }}, source_system, source_record_id
            ) as survivor_rank
        from {{ relation }}
        where {{ where }}
    ) as ranked
    where survivor_rank = 1
{%- endmacro %}
