{#- The latest load time in {{ this }}, `lookback_days` earlier, as text (none when the table
    is empty, while parsing, or — with `reloaded_from` — when that raw table was emptied and
    reloaded since: its earliest load time is later than the table's). Read when the model is
    compiled, so filters compare with a literal and scans can skip whole row groups. -#}
{% macro latest_load_time(lookback_days=0, reloaded_from=none) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set latest = dbt.dateadd('day', -1 * lookback_days, 'max(_loaded_at)') -%}
    {%- set query -%}
        select
            {%- if reloaded_from is not none %}
            case
                when
                    (select min(_loaded_at) from {{ reloaded_from }}) > min(_loaded_at)
                    or (select count(*) from {{ reloaded_from }}) = 0
                    then null
                else cast({{ latest }} as {{ dbt.type_string() }})
            end
            {%- else %}
            cast({{ latest }} as {{ dbt.type_string() }})
            {%- endif %}
        from {{ this }}
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0]) }}
{%- endmacro %}


{#- Incremental facts: rows loaded since the last run, with a lookback (var
    incremental_lookback_days) so batches loaded out of order or re-loaded are picked up again.
    Renders `true` on a full build (or an empty table), so the model reads everything. The load
    time is a literal (latest_load_time), so the scans of the large staging tables skip row
    groups loaded earlier. -#}
{% macro loaded_since_last_run(column='_loaded_at') -%}
    {%- set since = latest_load_time(var('incremental_lookback_days')) if is_incremental() else none -%}
    {%- if since is none -%}
        true
    {%- else -%}
        {{ column }} > {{ dbt.string_literal(since) }}
    {%- endif -%}
{%- endmacro %}


{#- Filter of the order returns an incremental fact rebuilds: returns loaded since the last run,
    and those of orders with a new version (`orders_relation`: the model's orders CTE, current
    versions). Rendered inside a `where`. -#}
{% macro returns_to_rebuild(orders_relation='orders') -%}
    (
        {{ loaded_since_last_run() }}
        or order_id in (
            select {{ orders_relation }}.order_id from {{ orders_relation }}
            where {{ loaded_since_last_run(orders_relation ~ '._loaded_at') }}
        )
    )
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
