{#- RFM scores (1–5, quintiles by cume_dist so ties share a score: 5 = most recent, most
    frequent, highest value) and the value segment with the Pareto view, over customers with at
    least one non-cancelled order up to the as-of date:
    royal_and_loyal = top var royal_and_loyal_share of customers by monetary value, core = up to
    var core_customer_share, occasional = the rest. -#}
with

orders_summarised as (

    select * from {{ ref('int_customer_orders_summarised') }}
    where order_count > 0

),

ranked as (

    select
        customer_key,
        recency_days,
        order_count,
        monetary_value_sek,
        cume_dist() over (order by recency_days desc) as recency_cume_dist,
        cume_dist() over (order by order_count) as frequency_cume_dist,
        cume_dist() over (order by monetary_value_sek) as monetary_cume_dist,
        cume_dist() over (order by monetary_value_sek desc) as value_share_from_top,
        row_number() over (order by monetary_value_sek desc, customer_key asc) as value_rank,
        sum(monetary_value_sek) over (
            order by monetary_value_sek desc, customer_key asc
            rows between unbounded preceding and current row
        ) as cumulative_monetary_value_sek,
        sum(monetary_value_sek) over () as total_monetary_value_sek
    from orders_summarised

),

scored as (

    select
        ranked.*,
        cast(ceil(round(5 * ranked.recency_cume_dist, 9)) as integer) as recency_score,
        cast(ceil(round(5 * ranked.frequency_cume_dist, 9)) as integer) as frequency_score,
        cast(ceil(round(5 * ranked.monetary_cume_dist, 9)) as integer) as monetary_score,
        case
            when
                ranked.value_share_from_top <= {{ var('royal_and_loyal_share') }}
                then 'royal_and_loyal'
            when ranked.value_share_from_top <= {{ var('core_customer_share') }} then 'core'
            else 'occasional'
        end as value_segment
    from ranked

),

segment_totals as (

    select
        value_segment,
        sum(monetary_value_sek) as segment_monetary_value_sek
    from scored
    group by value_segment

),

final as (

    select
        scored.customer_key,
        scored.recency_score,
        scored.frequency_score,
        scored.monetary_score,
        {{ dbt.concat([
            dbt.cast('scored.recency_score', dbt.type_string()),
            dbt.cast('scored.frequency_score', dbt.type_string()),
            dbt.cast('scored.monetary_score', dbt.type_string()),
        ]) }} as rfm_score,
        case
            when scored.recency_score >= 4 and scored.frequency_score >= 4 then 'champions'
            when scored.frequency_score >= 4 then 'loyal_customers'
            when scored.recency_score >= 4 then 'potential_loyalists'
            when scored.recency_score <= 2 and scored.frequency_score >= 3 then 'at_risk'
            when scored.recency_score <= 2 then 'hibernating'
            else 'needs_attention'
        end as rfm_segment,
        scored.value_segment,
        scored.value_segment = 'royal_and_loyal' as is_royal_and_loyal,
        cast(scored.value_rank as integer) as value_rank,
        cast(
            case
                when scored.total_monetary_value_sek <> 0
                    then scored.cumulative_monetary_value_sek / scored.total_monetary_value_sek
            end as {{ type_double() }}
        ) as cumulative_revenue_share,
        cast(
            case
                when scored.total_monetary_value_sek <> 0
                    then segment_totals.segment_monetary_value_sek
                        / scored.total_monetary_value_sek
            end as {{ type_double() }}
        ) as segment_revenue_share
    from scored
    inner join segment_totals
        on scored.value_segment = segment_totals.value_segment

)

select * from final
