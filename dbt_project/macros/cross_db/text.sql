{#- Text functions that are not portable across warehouses. -#}

{#- Unicode normalisation form C (composed characters: "o" + combining diaeresis -> "ö"). -#}
{% macro unicode_nfc(expression) -%}
    {{ return(adapter.dispatch('unicode_nfc')(expression)) }}
{%- endmacro %}

{% macro default__unicode_nfc(expression) -%}
    normalize({{ expression }}, nfc)
{%- endmacro %}

{% macro duckdb__unicode_nfc(expression) -%}
    nfc_normalize({{ expression }})
{%- endmacro %}


{#- Capitalise each word and each hyphenated part: "anna-karin ÅBERG" -> "Anna-Karin Åberg". -#}
{% macro proper_case(expression) -%}
    {{ return(adapter.dispatch('proper_case')(expression)) }}
{%- endmacro %}

{% macro default__proper_case(expression) -%}
    initcap({{ expression }})
{%- endmacro %}

{% macro duckdb__proper_case(expression) -%}
    array_to_string(
        list_transform(
            string_split(lower({{ expression }}), ' '),
            lambda word: array_to_string(
                list_transform(string_split(word, '-'), lambda part: upper(part[1]) || part[2:]),
                '-'
            )
        ),
        ' '
    )
{%- endmacro %}
