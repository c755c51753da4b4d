{#- int_customer_funnel_milestones, incremental per customer. -#}

{#- The journey population among dim_customer's rows: neither weak identities nor test
    records. -#}
{% macro journey_population_condition() -%}
    not coalesce(is_identity_weak, false) and not coalesce(is_test_record, false)
{%- endmacro %}


{#- Whether a golden record changed since a row was built (`built`) from it (`current`): its
    first sighting, or how many identity records it has (a record new to the identity map that
    joins the customer brings rows the facts re-key without reloading them). Both relations
    have first_seen_at and source_record_count. -#}
{% macro journey_golden_record_changed(built, current) -%}
    (
        {{ built }}.first_seen_at is distinct from {{ current }}.first_seen_at
        or {{ built }}.source_record_count is distinct from {{ current }}.source_record_count
    )
{%- endmacro %}


{#- The earlier of two dates, ignoring nulls. -#}
{% macro journey_earliest(left, right) -%}
    case
        when ({{ left }}) is null then {{ right }}
        when ({{ right }}) is null then {{ left }}
        when ({{ left }}) < ({{ right }}) then {{ left }}
        else {{ right }}
    end
{%- endmacro %}


{#- The customers whose milestones an incremental run rebuilds (a subquery of customer_key;
    the customers outside the population are dropped by the post-hook). A customer's milestones
    are made of their golden record, their touches, the web sessions stitched to them, their
    first order day and the as-of date; rebuilt are the customers with
    - no row yet, or another first sighting or number of identity records (a record new to the
      identity map joined them, or one left);
    - a key that received records since the last run (marts.customer_key_history: merges and
      splits; the facts re-keyed their rows without reloading them);
    - touches loaded since the last run (new, late and restated rows; incremental lookback as in
      the facts, whose rows are loaded no later);
    - a web session of a cookie re-sessionised since the last run: every session of such a
      cookie is rebuilt, so a session restitched away from a customer is seen through the
      customer's login session on the same cookie;
    - another first order day (non-cancelled orders up to the as-of date);
    - a pending milestone reached by the as-of date, or a milestone after it (set back).
    "Since the last run" = the table's latest load time (the latest touch or session load of
    any customer built) minus var incremental_lookback_days.
    `population`, `first_orders`, `as_of`: the model's CTEs. -#}
{% macro journey_milestone_changes(population, first_orders, as_of) -%}
    select population.customer_key
    from {{ population }} as population
    left join {{ this }} as built
        on population.customer_key = built.customer_key
    where
        built.customer_key is null
        or {{ journey_golden_record_changed('built', 'population') }}
    union
    {{ recently_changed_customer_keys() }}
    union
    select customer_key
    from {{ ref('fct_touchpoints') }}
    where customer_key is not null and {{ loaded_since_last_run() }}
    union
    select customer_key
    from {{ ref('fct_web_sessions') }}
    where
        customer_key is not null
        and cookie_id in (
            select cookie_id from {{ ref('fct_web_sessions') }}
            where {{ loaded_since_last_run() }}
        )
    union
    select built.customer_key
    from {{ this }} as built
    left join {{ first_orders }} as first_orders
        on built.customer_key = first_orders.customer_key
    where built.first_order_on is distinct from first_orders.first_order_on
    union
    select built.customer_key
    from {{ this }} as built
    cross join {{ as_of }} as as_of
    where
        built.pending_milestone_on <= as_of.as_of_date
        or built.aware_on > as_of.as_of_date
        or built.engaged_on > as_of.as_of_date
        or built.considering_on > as_of.as_of_date
{%- endmacro %}


{#- Post-hook of int_customer_funnel_milestones: drop the customers that left the population
    (retired keys, weak identities, test records). -#}
{% macro delete_milestones_outside_population() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where customer_key not in (
            select customer_key
            from {{ ref('dim_customer') }}
            where {{ journey_population_condition() }}
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
