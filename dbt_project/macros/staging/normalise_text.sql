{#- Normalisation of names, e-mail addresses and countries in staging models.
    Portable: only dbt built-ins and the cross_db macros (regex_*, unicode_nfc). -#}

{#- Names: Unicode NFC, trimmed, inner whitespace collapsed to one space; blank -> null. -#}
{% macro normalise_name(expression) -%}
    nullif(trim({{ regex_replace_all(unicode_nfc(expression), '\\s+', ' ') }}), '')
{%- endmacro %}


{#- E-mail addresses: trimmed, lowercased; blank -> null. -#}
{% macro normalise_email(expression) -%}
    nullif(lower(trim({{ expression }})), '')
{%- endmacro %}


{#- A syntactically usable address (applied to the normalised value): one @, a local part,
    a dotted domain with a top-level domain of 2+ letters. False when null. -#}
{% macro is_valid_email(normalised_expression) -%}
    coalesce(
        {{ regex_full_match(
            normalised_expression,
            "[a-z0-9!#$%&*+/=?^_`{|}~-]+(\\.[a-z0-9!#$%&*+/=?^_`{|}~-]+)*@"
            ~ "[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\\.[a-z]{2,}"
        ) }},
        false
    )
{%- endmacro %}


{#- Country names, alpha-3 codes and alpha-2 codes of the retailer's markets to ISO 3166-1
    alpha-2. Any other two-letter value is upper-cased and kept; anything else becomes null. -#}
{% macro country_aliases() -%}
    {{ return({
        'SE': ['se', 'swe', 'sverige', 'sweden', 'schweden', 'suède', 'suede', 'ruotsi'],
        'NO': ['no', 'nor', 'norge', 'noreg', 'norway', 'norwegen', 'norvège', 'norja'],
        'DK': ['dk', 'dnk', 'danmark', 'denmark', 'dänemark', 'danemark', 'tanska'],
        'FI': ['fi', 'fin', 'finland', 'suomi', 'finnland', 'finlande'],
        'IS': ['is', 'isl', 'island', 'iceland', 'ísland'],
        'DE': ['de', 'deu', 'tyskland', 'germany', 'deutschland'],
        'GB': ['gb', 'gbr', 'uk', 'united kingdom', 'storbritannien', 'england'],
    }) }}
{%- endmacro %}

{% macro normalise_country(expression) -%}
    {%- set cleaned = "lower(trim(" ~ unicode_nfc(expression) ~ "))" -%}
    case
    {%- for code, aliases in country_aliases().items() %}
        when {{ cleaned }} in ('{{ aliases | join("', '") }}') then '{{ code }}'
    {%- endfor %}
        when {{ regex_full_match(cleaned, '[a-z]{2}') }} then upper({{ cleaned }})
    end
{%- endmacro %}
