{#- Person-name helpers for identity records. -#}

{#- Proper-case a name only when it arrives in one case ("ANNA", "anna"); a mixed-case name
    ("McLeod", "af Klint") is kept as written. -#}
{% macro fix_name_case(expression) -%}
    case
        when {{ expression }} = upper({{ expression }}) or {{ expression }} = lower({{ expression }})
            then {{ proper_case(expression) }}
        else {{ expression }}
    end
{%- endmacro %}


{#- Lower-case surname particles that belong to the surname ("af Klint", "von Essen"). -#}
{% macro _surname_particles() -%}von|af|av|de|del|della|van|der|den|la|le|du|da|di|dos|zu{%- endmacro %}

{#- Surname of a full name as printed/typed: the part before a comma ("Svensson, Anna"),
    otherwise the last word with any particles before it. Null for a single word. -#}
{% macro full_name_surname(expression) -%}
    case
        when {{ expression }} like '%,%'
            then nullif(trim({{ regex_extract(expression, '^([^,]*),', 1) }}), '')
        when {{ expression }} like '% %'
            then {{ regex_extract(
                expression,
                '(?i)(?:^|\\s)((?:(?:' ~ _surname_particles() ~ ')\\s+)*[^\\s]+)$',
                1
            ) }}
    end
{%- endmacro %}

{#- Given names of a full name: what follows the comma, otherwise everything before the
    surname (see full_name_surname); a single word is taken as a given name. -#}
{% macro full_name_given_names(expression) -%}
    case
        when {{ expression }} like '%,%'
            then nullif(trim({{ regex_extract(expression, ',(.*)$', 1) }}), '')
        when {{ expression }} like '% %'
            then nullif(trim(substr(
                {{ expression }},
                1,
                length({{ expression }}) - length({{ full_name_surname(expression) }})
            )), '')
        else {{ expression }}
    end
{%- endmacro %}


{#- A name folded for comparison: lower case without accents ("Åsa" -> "asa"); the Nordic
    letters that are not an accented letter fold as systems without them write them
    ("Jørgen" -> "jorgen", "Lærke" -> "laerke"). -#}
{% macro fold_name(expression) -%}
    {{ return(adapter.dispatch('fold_name')(expression)) }}
{%- endmacro %}

{% macro default__fold_name(expression) -%}
    lower({{ expression }})
{%- endmacro %}

{% macro duckdb__fold_name(expression) -%}
    strip_accents(replace(replace(lower({{ expression }}), 'ø', 'o'), 'æ', 'ae'))
{%- endmacro %}


{#- Two folded given names name the same name: equal, or one typo apart (Damerau-Levenshtein
    distance 1) when the longer has at least four letters ("Knut" ~ "Khut", "Sven" ~ "Svn"). Warehouses without an
    edit distance compare exactly. -#}
{% macro same_given_name(folded_left, folded_right) -%}
    {{ return(adapter.dispatch('same_given_name')(folded_left, folded_right)) }}
{%- endmacro %}

{% macro default__same_given_name(folded_left, folded_right) -%}
    ({{ folded_left }} = {{ folded_right }})
{%- endmacro %}

{% macro duckdb__same_given_name(folded_left, folded_right) -%}
    (
        {{ folded_left }} = {{ folded_right }}
        or (
            greatest(length({{ folded_left }}), length({{ folded_right }})) >= 4
            and damerau_levenshtein({{ folded_left }}, {{ folded_right }}) <= 1
        )
    )
{%- endmacro %}


{#- Number of non-ASCII characters (å, ö, ø, é ...): a spelling with them is the more specific
    one — systems drop diacritics, they do not add them. -#}
{% macro non_ascii_count(expression) -%}
    (length({{ expression }}) - length({{ regex_replace_all(expression, '[^\\x01-\\x7f]', '') }}))
{%- endmacro %}
