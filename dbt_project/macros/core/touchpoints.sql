{#- Pre-hook of fct_touchpoints: on an incremental run, delete the web touches of every cookie
    whose sessions fct_web_sessions re-built since the last run, so session ids that a late event
    or a later login made obsolete do not linger. The model then re-inserts those cookies'
    current sessions. -#}
{% macro delete_restated_web_touchpoints() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            source_system = 'web'
            and source_record_id in (
                select cookie_id
                from {{ ref('fct_web_sessions') }}
                where {{ loaded_since_last_run() }}
            )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
