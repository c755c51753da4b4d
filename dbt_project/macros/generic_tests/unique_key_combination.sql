{#- Generic test: the combination of `columns` is unique (no packages here: dbt_utils is not
    installable offline). Usage: data_tests: [{unique_key_combination: {columns: [a, b]}}] -#}
{% test unique_key_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as duplicate_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
