{#- Rolling windows of whole UTC days as instants, so facts are filtered on their own timestamps
    (no per-row date conversion, and the filter reaches the table scan).
    A window of `days` days ending at (and including) the date `date_expression` holds the
    instants t with utc_window_start(date, days) <= t < utc_day_end(date); that is exactly
    utc_date(t) <= date and days_between(utc_date(t), date) < days. -#}

{#- The midnight (UTC, timestamp with time zone) after the date: the end (exclusive) of every
    window ending at that date. -#}
{% macro utc_day_end(date_expression) -%}
    {{ utc_midnight(dbt.dateadd('day', 1, date_expression)) }}
{%- endmacro %}


{#- The midnight (UTC, timestamp with time zone) starting a window of `days` days that ends at
    (and includes) the date. -#}
{% macro utc_window_start(date_expression, days) -%}
    {{ utc_midnight(dbt.dateadd('day', '1 - (' ~ days ~ ')', date_expression)) }}
{%- endmacro %}
