{#- The rule-based attribution models in portable SQL: one row per touch of a conversion and
    model (first_touch, last_touch, last_non_direct, linear, time_decay, position_based), with
    its credit (the conversion's credits sum to 1 per model) and revenue credit. The same rules
    as the Python engine (orchestration/attribution/rules.py), which writes
    marts.fct_attribution_credits; tests check both agree. Touches in time order, ties by
    touchpoint_id (int_conversion_paths.touch_number). -#}
{%- set direct_channels = var('attribution_direct_channels') -%}
{%- set non_direct_condition = (
    "channel not in ('" ~ direct_channels | join("', '") ~ "')" if direct_channels else 'true'
) -%}
{%- set first_share = var('attribution_position_first') | float -%}
{%- set last_share = var('attribution_position_last') | float -%}
{%- set half_life = var('attribution_half_life_days') | float -%}
{%- if first_share < 0 or last_share < 0 or first_share + last_share > 1 -%}
    {{ exceptions.raise_compiler_error(
        "attribution_position_first/last must be >= 0 with a sum <= 1") }}
{%- endif -%}
{%- if half_life <= 0 -%}
    {{ exceptions.raise_compiler_error("attribution_half_life_days must be positive") }}
{%- endif -%}

with

paths as (

    select * from {{ ref('int_conversion_paths') }}
    where is_converting

),

touches as (

    select
        conversion_id,
        touchpoint_id,
        channel,
        touch_number,
        path_length,
        cast(coalesce(conversion_revenue_sek, 0) as {{ type_double() }}) as revenue_sek,
        cast(
            {{ dbt.datediff('occurred_at', 'converted_at', 'second') }} as {{ type_double() }}  -- noqa: LT05
        ) / 86400.0 as age_days
    from paths

),

path_facts as (

    select
        conversion_id,
        max(
            case
                when {{ non_direct_condition }} then touch_number
            end
        ) as last_non_direct_number,
        min(age_days) as youngest_age_days
    from touches
    group by conversion_id

),

decay_weights as (

    select
        touches.*,
        coalesce(path_facts.last_non_direct_number, touches.path_length)
            as last_non_direct_number,
        power(2.0, -(touches.age_days - path_facts.youngest_age_days) / {{ half_life }})
            as decay_weight
    from touches
    inner join path_facts
        on touches.conversion_id = path_facts.conversion_id

),

shares as (

    select
        conversion_id,
        touchpoint_id,
        revenue_sek,
        case when touch_number = 1 then 1.0 else 0.0 end as first_touch,
        case when touch_number = path_length then 1.0 else 0.0 end as last_touch,
        case when touch_number = last_non_direct_number then 1.0 else 0.0 end
            as last_non_direct,
        1.0 / path_length as linear,
        decay_weight / sum(decay_weight) over (partition by conversion_id) as time_decay,
        case
            when path_length = 1 then 1.0
            when path_length = 2 and touch_number = 1
                then {{ first_share / (first_share + last_share)
                    if first_share + last_share > 0 else 0.5 }}
            when path_length = 2
                then {{ last_share / (first_share + last_share)
                    if first_share + last_share > 0 else 0.5 }}
            when touch_number = 1 then {{ first_share }}
            when touch_number = path_length then {{ last_share }}
            else {{ (1 - first_share - last_share) | round(12) }} / (path_length - 2)
        end as position_based
    from decay_weights

),

final as (

    {% for model in ['first_touch', 'last_touch', 'last_non_direct', 'linear', 'time_decay',
                     'position_based'] %}
    select
        conversion_id,
        touchpoint_id,
        '{{ model }}' as model,
        cast({{ model }} as {{ type_double() }}) as credit,
        cast({{ model }} as {{ type_double() }}) * revenue_sek as revenue_credit
    from shares
    {{ "union all" if not loop.last }}
    {% endfor %}

)

select * from final
