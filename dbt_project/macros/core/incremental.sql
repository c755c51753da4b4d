{#- Incremental facts: rows loaded since the last run, with a lookback (var
    incremental_lookback_days) so batches loaded out of order or re-loaded are picked up again.
    Renders `true` on a full build, so the model reads everything. -#}
{% macro loaded_since_last_run(column='_loaded_at') -%}
    {%- if is_incremental() -%}
        (
            {{ column }} > (
                select {{ dbt.dateadd('day', -1 * var('incremental_lookback_days'), 'max(_loaded_at)') }}
                from {{ this }}
            )
            or (select max(_loaded_at) from {{ this }}) is null
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
