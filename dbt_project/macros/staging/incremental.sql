{#- Incremental event staging (the large event entities): each run reads only the raw rows
    loaded since the table's latest load time and appends those whose primary key the table
    does not hold yet — the first load of an event is kept, exactly as a full build does.
    Raw rows are never changed after loading, so no earlier row needs re-reading. Models:
    config(materialized='incremental', incremental_strategy='append'). -#}

{#- Filter of the source CTE: raw rows loaded at or after the latest load time in the table
    (`true` on a full build). Rows of that load time already in the table are excluded again by
    `not_loaded_before`. With `source_relation` (the raw table) the load time is read when the
    model is compiled and rendered as a literal, so the raw scan skips whole row groups (a
    subquery is compared row by row); `true` when the raw table was reloaded (the pre-hook
    `restage_if_raw_reloaded` then empties the table) or the table is empty. -#}
{% macro loaded_since_staged(column='_loaded_at', source_relation=none) -%}
    {%- if not is_incremental() -%}
        true
    {%- elif source_relation is not none -%}
        {%- set since = latest_load_time(reloaded_from=source_relation) -%}
        {%- if since is none -%}
            true
        {%- else -%}
            {{ column }} >= {{ dbt.string_literal(since) }}
        {%- endif -%}
    {%- else -%}
        (
            {{ column }} >= (select max(_loaded_at) from {{ this }})
            or (select max(_loaded_at) from {{ this }}) is null
        )
    {%- endif -%}
{%- endmacro %}


{#- Filter of the final CTE: the row's primary key is not in the table yet (`true` on a full
    build). The table is probed only for the keys of the new rows (a semi-join against the few
    new keys first), so the anti-join never builds a hash table over the whole staged table. -#}
{% macro not_loaded_before(relation_alias, key_column) -%}
    {%- if is_incremental() -%}
        not exists (
            select 1
            from (
                select {{ key_column }}
                from {{ this }}
                where {{ key_column }} in (select {{ key_column }} from {{ relation_alias }})
            ) as staged
            where staged.{{ key_column }} = {{ relation_alias }}.{{ key_column }}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#- Trailing clause of an event staging model: a full build writes its rows in load order, so
    each row group holds a narrow range of load times and the `_loaded_at` filters of the
    incremental facts (loaded_since_last_run) skip every row group loaded before their last run
    (zone maps). The deduplication window scatters the rows otherwise. Increments append only
    newly loaded rows, which keeps the order. -#}
{% macro in_load_order() -%}
    {%- if not is_incremental() -%}
        order by _loaded_at
    {%- endif -%}
{%- endmacro %}


{#- Pre-hook: when the raw table was emptied and reloaded (an extract full refresh: its earliest
    load time is later than the table's), the table is emptied too and the run stages every raw
    row again — as a full build would. -#}
{% macro restage_if_raw_reloaded(source_relation) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            (select min(_loaded_at) from {{ source_relation }})
            > (select min(_loaded_at) from {{ this }})
            or (select count(*) from {{ source_relation }}) = 0
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}


{#- Incremental versioned staging (master data with every distinct version kept: CRM customers,
    web-shop accounts, web-shop orders). Models:
    config(materialized='incremental', incremental_strategy='delete+insert',
    unique_key=<entity key>, pre_hook=[restage_if_raw_reloaded(...),
    delete_versions_without_key(<entity key>)]); the source CTE is `raw_versions_to_stage`. A run
    normalises only the newly loaded raw rows, unions them with the staged versions of the same
    keys (`with_staged_versions`) and re-runs the exact-duplicate dedup (first load wins) and
    `is_current_version` over that union: every version of a touched key is restated, exactly as
    a full build states it; untouched keys keep their rows. -#}

{#- The source CTE: the raw rows loaded since the table's latest load (a literal, so the scan
    skips earlier row groups) and every raw row without a key (see delete_versions_without_key);
    every raw row on a full build. -#}
{% macro raw_versions_to_stage(source_relation, key_column) -%}
    {%- set since = loaded_since_staged(source_relation=source_relation) -%}
    select * from {{ source_relation }}
    where {{ since }}
    {%- if is_incremental() %}
    union all
    select * from {{ source_relation }}
    where {{ key_column }} is null and not ({{ since }})
    {%- endif %}
{%- endmacro %}


{#- The rows of `relation` (newly loaded, normalised versions) and, on an incremental run, the
    staged versions in {{ this }} of the keys `relation` holds; `columns` in the same order on
    both sides (the model's columns without is_current_version). -#}
{% macro with_staged_versions(relation, key_column, columns) -%}
    select {{ columns | join(', ') }}
    from {{ relation }}
    {%- if is_incremental() %}
    union all
    select {{ columns | join(', ') }}
    from {{ this }}
    where {{ key_column }} in (select {{ key_column }} from {{ relation }})
    {%- endif %}
{%- endmacro %}


{#- Pre-hook: rows without a key are not matched by delete+insert (null is never equal), so they
    are deleted here and restaged from every raw row without a key (the source CTE reads those
    on every run; normally there are none). -#}
{% macro delete_versions_without_key(key_column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ key_column }} is null
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
