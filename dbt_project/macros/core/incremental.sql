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


{#- Pre-hook of int_customer_value_segments_observed: a re-run for the same as-of date replaces
    that date's observations (and any from later dates, when the as-of date is set back). -#}
{% macro delete_value_segment_observations() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where observed_on >= (select as_of_date from {{ ref('int_as_of_date') }})
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
