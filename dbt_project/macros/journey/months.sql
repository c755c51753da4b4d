{#- journey_kpis: the grid month a date counts in — the first month whose end
    (`months_alias`.month_end_date: the month's last day, or the as-of date) is on or after it.
    `months_alias` is the grid month the date falls in (left-joined on its month start); dates in
    months outside the grid keep their own month. Null for a null date. -#}
{% macro journey_grid_month(date_expression, months_alias) -%}
    case
        when {{ months_alias }}.month_end_date < {{ date_expression }}
            then cast({{ dbt.dateadd('month', 1, months_alias ~ '.month_start_date') }} as date)
        else cast({{ dbt.date_trunc('month', date_expression) }} as date)
    end
{%- endmacro %}
