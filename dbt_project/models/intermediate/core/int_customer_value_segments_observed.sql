{#- The value segment of every known golden-record customer (anonymous web visitors are left
    out, as in customer_360) as observed by each run, stored only when
    it differs from the customer's previous observation: one row per customer per change
    (observed_on = the run's as-of date). A value segment ranks all customers by revenue, so it
    is recorded as the pipeline sees it rather than reconstructed for the past; the history
    starts with the first run and survives `--full-refresh` (full_refresh=false). A re-run for
    the same as-of date replaces that date's observations (pre-hook). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        on_schema_change='fail',
        pre_hook="{{ delete_value_segment_observations() }}",
    )
}}

with

customers as (

    select customer_key from {{ ref('dim_customer') }}
    where not is_anonymous_visitor

),

rfm_scored as (

    select * from {{ ref('int_customer_rfm_scored') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

current_segments as (

    select
        cast(customers.customer_key as {{ dbt.type_string() }}) as customer_key,
        coalesce(rfm_scored.value_segment, 'prospect') as value_segment
    from customers
    left join rfm_scored
        on customers.customer_key = rfm_scored.customer_key

),

{% if is_incremental() -%}
{# each customer's latest observation before this run's as-of date -#}
previous_observations as (

    select
        observed.customer_key,
        observed.value_segment,
        row_number() over (
            partition by observed.customer_key order by observed.observed_on desc
        ) as recency_rank
    from {{ this }} as observed
    cross join as_of
    where observed.observed_on < as_of.as_of_date

),

changed as (

    select current_segments.*
    from current_segments
    left join previous_observations
        on
            current_segments.customer_key = previous_observations.customer_key
            and previous_observations.recency_rank = 1
    where
        previous_observations.value_segment is null
        or previous_observations.value_segment <> current_segments.value_segment

),
{%- else -%}
changed as (

    select * from current_segments

),
{%- endif %}

final as (

    select
        {{ dbt.concat([
            'changed.customer_key', "'|'", dbt.cast('as_of.as_of_date', dbt.type_string()),
        ]) }} as value_segment_observation_id,
        changed.customer_key,
        as_of.as_of_date as observed_on,
        changed.value_segment
    from changed
    cross join as_of

)

select * from final
