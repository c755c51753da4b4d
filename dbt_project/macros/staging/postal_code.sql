{#- Postal codes per country. Canonical forms (the national postal operators' written forms):
    SE "NNN NN" (PostNord: three digits, space, two digits), NO and DK "NNNN", FI "NNNNN".
    Input noise tolerated: surrounding/inner spaces, dashes, a country prefix ("SE-", "FI-").
    A value that does not fit its country keeps its trimmed, upper-cased text and is flagged
    invalid by is_valid_postal_code; other countries keep the trimmed, upper-cased text. -#}

{#- The digits of a postal code with an optional leading country prefix removed. -#}
{% macro _postal_code_digits(expression) -%}
    {{ regex_replace_all(
        regex_replace_all("upper(trim(" ~ expression ~ "))", '^[A-Z]{1,3}[ -]*', ''),
        '[ -]', ''
    ) }}
{%- endmacro %}

{% macro normalise_postal_code(expression, country_expression) -%}
    {%- set digits = _postal_code_digits(expression) -%}
    case
        when nullif(trim({{ expression }}), '') is null then null
        when {{ country_expression }} = 'SE' and {{ regex_full_match(digits, '[0-9]{5}') }}
            then {{ dbt.concat(["substr(" ~ digits ~ ", 1, 3)", "' '", "substr(" ~ digits ~ ", 4, 2)"]) }}
        when {{ country_expression }} in ('NO', 'DK') and {{ regex_full_match(digits, '[0-9]{4}') }}
            then {{ digits }}
        when {{ country_expression }} = 'FI' and {{ regex_full_match(digits, '[0-9]{5}') }}
            then {{ digits }}
        else upper(trim({{ expression }}))
    end
{%- endmacro %}

{#- True when the normalised code has its country's canonical form; false when missing or
    when the country is unknown. -#}
{% macro is_valid_postal_code(normalised_expression, country_expression) -%}
    coalesce(
        case {{ country_expression }}
            when 'SE' then {{ regex_full_match(normalised_expression, '[0-9]{3} [0-9]{2}') }}
            when 'NO' then {{ regex_full_match(normalised_expression, '[0-9]{4}') }}
            when 'DK' then {{ regex_full_match(normalised_expression, '[0-9]{4}') }}
            when 'FI' then {{ regex_full_match(normalised_expression, '[0-9]{5}') }}
        end,
        false
    )
{%- endmacro %}
