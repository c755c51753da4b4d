{#- Incremental event staging (the large event entities): each run reads only the raw rows
    loaded since the table's latest load time and appends those whose primary key the table
    does not hold yet — the first load of an event is kept, exactly as a full build does.
    Raw rows are never changed after loading, so no earlier row needs re-reading. Models:
    config(materialized='incremental', incremental_strategy='append'). -#}

{#- Filter of the source CTE: raw rows loaded at or after the latest load time in the table
    (`true` on a full build). Rows of that load time already in the table are excluded again by
    `not_loaded_before`. -#}
{% macro loaded_since_staged(column='_loaded_at') -%}
    {%- if is_incremental() -%}
        (
            {{ column }} >= (select max(_loaded_at) from {{ this }})
            or (select max(_loaded_at) from {{ this }}) is null
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#- Filter of the final CTE: the row's primary key is not in the table yet (`true` on a full
    build). -#}
{% macro not_loaded_before(relation_alias, key_column) -%}
    {%- if is_incremental() -%}
        not exists (
            select 1
            from {{ this }} as staged
            where staged.{{ key_column }} = {{ relation_alias }}.{{ key_column }}
        )
    {%- else -%}
        true
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
