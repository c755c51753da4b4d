{#- The "as of" date that ends rolling windows and the stage history: var as_of_date when set,
    otherwise the latest touchpoint date (UTC: the date of the latest instant, one conversion).
    One row. -#}
{%- if var('as_of_date') -%}
{%- set as_of_expression = date_literal(var('as_of_date')) -%}
{%- else -%}
{%- set as_of_expression = utc_date('max(occurred_at)') -%}
{%- endif %}

with

touchpoints as (

    select occurred_at from {{ ref('fct_touchpoints') }}

),

final as (

    select
        {{ as_of_expression }} as as_of_date,
        count(*) as touchpoint_count
    from touchpoints

)

select * from final
