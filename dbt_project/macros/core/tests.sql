{#- Generic data test: per `partition_by`, intervals [valid_from, valid_to) do not overlap and at
    most one is open (valid_to null). Fails with the offending rows. -#}
{% test non_overlapping_intervals(model, partition_by, valid_from='valid_from', valid_to='valid_to') %}

with

intervals as (

    select
        {{ partition_by }} as partition_key,
        {{ valid_from }} as valid_from,
        {{ valid_to }} as valid_to,
        lead({{ valid_from }}) over (
            partition by {{ partition_by }} order by {{ valid_from }}
        ) as next_valid_from
    from {{ model }}

),

final as (

    select * from intervals
    where
        (valid_to is null and next_valid_from is not null)
        or (valid_to is not null and valid_to <= valid_from)
        or (next_valid_from is not null and valid_to > next_valid_from)

)

select * from final

{% endtest %}
