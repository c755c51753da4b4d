{#- The latest load time in {{ this }}, `lookback_days` earlier, as text (none when the table
    is empty, while parsing, or — with `reloaded_from` — when that raw table was emptied and
    reloaded since: its earliest load time is later than the table's). Read when the model is
    compiled, so filters compare with a literal and scans can skip whole row groups; read once
    per rendering (the model's SQL, then its hooks — before the first hook changes the table),
    not once per call. -#}
{% macro latest_load_time(lookback_days=0, reloaded_from=none) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {#- read once per rendering of a model (its SQL; its hooks): kept in the node's context -#}
    {%- set cache_key = 'latest_load_time|' ~ this ~ '|' ~ lookback_days ~ '|' ~ reloaded_from -%}
    {%- if model is mapping and cache_key in model -%}
        {{ return(model[cache_key]) }}
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
    {%- set latest = run_query(query).columns[0].values()[0] -%}
    {%- if model is mapping -%}
        {%- do model.update({cache_key: latest}) -%}
    {%- endif -%}
    {{ return(latest) }}
{%- endmacro %}


{#- Incremental facts: rows loaded since the last run, with a lookback (var
    incremental_lookback_days) so batches loaded out of order or re-loaded are picked up again.
    Renders `true` on a full build (or an empty table), so the model reads everything. The load
    time is a literal (latest_load_time), so the scans of the large staging tables skip row
    groups loaded earlier. -#}
{% macro loaded_since_last_run(column='_loaded_at') -%}
    {%- set since = latest_load_time(var('incremental_lookback_days')) if is_incremental() else none -%}
    {{ loaded_after(since, column) }}
{%- endmacro %}


{#- `column` (a load or change time) after `since` (a load time as text, as latest_load_time
    returns it); `true` when since is none (a full build, an empty table). -#}
{% macro loaded_after(since, column='_loaded_at') -%}
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


{#- fct_web_sessions: a lower bound of the restart points of an incremental run (see the model),
    as text: the earliest event loaded since the last run, or the start of a stored session ending
    less than the session timeout plus an hour before it, if earlier. A literal, so the scan of
    the events skips the row groups of earlier events. 'none' when no event was loaded since;
    none on a full build. -#}
{% macro web_session_restart_bound(events_relation) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set joinable_since = dbt.dateadd(
        'minute', -1 * (var('session_timeout_minutes') + 60), 'new_events.earliest_at'
    ) -%}
    {%- set query -%}
        with new_events as (
            select min(occurred_at) as earliest_at
            from {{ events_relation }}
            where {{ loaded_since_last_run() }}
        ),

        joinable_sessions as (
            select min(sessions.session_started_at) as earliest_at
            from {{ this }} as sessions
            cross join new_events
            where sessions.session_ended_at >= {{ joinable_since }}
        )

        select
            cast(
                case
                    when joinable_sessions.earliest_at < new_events.earliest_at
                        then joinable_sessions.earliest_at
                    else new_events.earliest_at
                end as {{ dbt.type_string() }}
            )
        from new_events
        cross join joinable_sessions
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0] or 'none') }}
{%- endmacro %}
