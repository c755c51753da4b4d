{#- The "as of" date that ends rolling windows and the stage history: var as_of_date when set,
    otherwise the latest touchpoint date (UTC). One row. -#}
with

touchpoints as (

    select occurred_at from {{ ref('fct_touchpoints') }}

),

final as (

    select
        {% if var('as_of_date') -%}
            {{ date_literal(var('as_of_date')) }} as as_of_date,
        {%- else -%}
            max({{ utc_date('occurred_at') }}) as as_of_date,
        {%- endif %}
        count(*) as touchpoint_count
    from touchpoints

)

select * from final
