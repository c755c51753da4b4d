{#- A hash of the tracked attributes of dim_customer_history, to detect a changed state. -#}
{% macro history_state_hash() -%}
    {{ return(adapter.dispatch('history_state_hash')()) }}
{%- endmacro %}

{% macro default__history_state_hash() -%}
    {{ dbt.hash(dbt.concat([
        "coalesce(street, '')", "'|'", "coalesce(postal_code, '')", "'|'",
        "coalesce(city, '')", "'|'", "coalesce(country, '')", "'|'",
        dbt.cast('has_email_consent', dbt.type_string()), "'|'",
        dbt.cast('has_sms_consent', dbt.type_string()), "'|'",
        dbt.cast('has_postal_consent', dbt.type_string()), "'|'",
        dbt.cast('has_phone_consent', dbt.type_string()), "'|'",
        dbt.cast('has_push_consent', dbt.type_string()), "'|'",
        "coalesce(journey_stage, '')", "'|'",
        "coalesce(value_segment, '')",
    ])) }}
{%- endmacro %}

{#- DuckDB: its native 64-bit hash of the columns themselves (no text is built per row). -#}
{% macro duckdb__history_state_hash() -%}
    hash(
        street, postal_code, city, country, has_email_consent, has_sms_consent,
        has_postal_consent, has_phone_consent, has_push_consent, journey_stage, value_segment
    )
{%- endmacro %}


{#- The last non-null value of `expression` over `window` (a window specification in
    parentheses' content: partition by ... order by ... rows ...). -#}
{% macro last_non_null(expression, window) -%}
    {{ return(adapter.dispatch('last_non_null')(expression, window)) }}
{%- endmacro %}

{% macro default__last_non_null(expression, window) -%}
    last_value({{ expression }} ignore nulls) over ({{ window }})
{%- endmacro %}

{% macro spark__last_non_null(expression, window) -%}
    last({{ expression }}, true) over ({{ window }})
{%- endmacro %}


{#- An order-independent fingerprint (varchar) of a group's rows over the columns `columns`
    (a list of column expressions): equal multisets of rows give equal fingerprints. -#}
{% macro fingerprint_agg(columns) -%}
    {{ return(adapter.dispatch('fingerprint_agg')(columns)) }}
{%- endmacro %}

{% macro default__fingerprint_agg(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- if not loop.first %}{% do parts.append("'|'") %}{% endif -%}
        {%- do parts.append("coalesce(" ~ dbt.cast(column, dbt.type_string()) ~ ", '')") -%}
    {%- endfor -%}
    {%- set row_hash = dbt.hash(dbt.concat(parts)) -%}
    {{ dbt.hash(dbt.listagg(row_hash, "'|'", "order by " ~ row_hash)) }}
{%- endmacro %}

{#- DuckDB: the row count and the (overflow-free, hugeint) sum of the rows' native 64-bit hashes
    of the columns themselves: no text is built per row, and repeated rows do not cancel out. -#}
{% macro duckdb__fingerprint_agg(columns) -%}
    cast(count(*) as varchar) || '-' || cast(sum(hash({{ columns | join(', ') }})) as varchar)
{%- endmacro %}


{#- The latest value-segment observation date dim_customer_history's rows hold, as text (none
    when the table is empty or while parsing): read when the model is compiled, so the scan of
    the observations compares with a literal. -#}
{% macro latest_value_segment_observation() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select cast(max(value_segment_observed_on) as {{ dbt.type_string() }})
        from {{ this }}
        where is_current
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0]) }}
{%- endmacro %}


{#- Post-hook of dim_customer_history: drop the history of customer keys that no longer exist
    (identity resolution merged or split them away) and of anonymous web visitors (a customer
    whose last non-cookie record moved away). -#}
{% macro delete_retired_customer_history() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where customer_key not in (
            select customer_key from {{ ref('dim_customer') }}
            where not is_anonymous_visitor
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}


{#- dim_customer_history: the consent changes (`consent_relation`: fct_consent_events rows with a
    customer) and stage intervals (`stage_relation`) as changes — each sets one attribute group,
    at an instant (changed_at) or from UTC midnight of a day (changed_on). The candidates'
    fingerprints and the rebuilt rows' change_fingerprint both read this shape. -#}
{% macro history_fingerprinted_changes(consent_relation, stage_relation) -%}
    select
        customer_key,
        recorded_at as changed_at,
        cast(null as date) as changed_on,
        {{ dbt.concat(["'consent_'", 'channel']) }} as change_kind,
        is_opt_in,
        cast(null as {{ dbt.type_string() }}) as stage
    from {{ consent_relation }} as consent_changes
    union all
    select
        customer_key,
        null as changed_at,
        valid_from as changed_on,
        'stage' as change_kind,
        null as is_opt_in,
        stage
    from {{ stage_relation }} as stage_changes
{%- endmacro %}


{#- dim_customer_history: the key its fingerprints are grouped and compared by — the customer
    key; DuckDB: its 64-bit hash (an integer groups and joins much faster than text). Customers
    sharing a hash share one fingerprint: both are rebuilt when either changes. -#}
{% macro history_group_key(column) -%}
    {{ return(adapter.dispatch('history_group_key')(column)) }}
{%- endmacro %}

{% macro default__history_group_key(column) -%}
    {{ column }}
{%- endmacro %}

{% macro duckdb__history_group_key(column) -%}
    hash({{ column }})
{%- endmacro %}
