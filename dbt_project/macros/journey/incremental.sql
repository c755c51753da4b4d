{#- Incremental journey models (int_customer_stage_points, fct_customer_stage_history,
    fct_stage_transitions): rebuilt per customer (delete+insert on customer_key). A customer is
    rebuilt when the fingerprint of their journey inputs changed (new, late or restated data,
    identity re-keys, a changed journey var) or when time alone moves their stage (a threshold
    day reached since the last run, or the as-of date set back). -#}

{#- The journey vars as text: part of every customer's fingerprint, so a changed threshold
    rebuilds everyone. -#}
{% macro journey_config_text() -%}
    '{{ var("journey_onboarding_days") }}|{{ var("journey_loyal_min_orders") }}|
    {{- var("journey_at_risk_days") }}|{{ var("journey_lapsed_days") }}|
    {{- var("journey_won_back_days") }}'
{%- endmacro %}


{#- Post-hook of int_customer_stage_points: drop the points of customers that have none any
    more — retired customer keys, customers left without any milestone up to the as-of date. -#}
{% macro delete_journey_points_without_customer() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where customer_key not in (
            select customer_key
            from {{ ref('int_customer_funnel_milestones') }}
            where coalesce(aware_on, engaged_on, considering_on, first_order_on) is not null
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}


{#- Post-hooks of fct_customer_stage_history: drop the intervals of customers without stage
    points; the current intervals count their days to the (new) as-of date. The customers with
    stage points are those with a funnel milestone (int_customer_stage_points keeps exactly
    them, and each has a point: the milestone's day or the first order day), read from the
    milestones, a table a ninth the size of the points. -#}
{% macro delete_stage_history_without_points() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where customer_key not in (
            select customer_key
            from {{ ref('int_customer_funnel_milestones') }}
            where coalesce(aware_on, engaged_on, considering_on, first_order_on) is not null
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{% macro update_current_days_in_stage() -%}
    {%- if is_incremental() -%}
        update {{ this }}
        set days_in_stage = cast(
            {{ days_between('valid_from', '(select as_of_date from ' ~ ref('int_as_of_date') ~ ')') }}
            as integer
        )
        where
            is_current
            and days_in_stage <> {{ days_between(
                'valid_from', '(select as_of_date from ' ~ ref('int_as_of_date') ~ ')'
            ) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}


{#- Post-hook of fct_stage_transitions: a transition stays only while the stage history still
    starts an interval (not the first) on its day. -#}
{% macro delete_transitions_without_interval() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where not exists (
            select 1
            from {{ ref('fct_customer_stage_history') }} as stage_history
            where
                stage_history.customer_key = {{ this }}.customer_key
                and stage_history.valid_from = {{ this }}.transitioned_on
                and stage_history.stage_sequence > 1
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
