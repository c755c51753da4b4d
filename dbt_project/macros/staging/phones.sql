{#- Phone numbers to E.164 with the `phonenumbers` library, through the Python UDF
    `kundresa_parse_phone(raw, region)` that orchestration/dbt_plugins/phone_udfs.py registers
    on dbt's connection (see profiles.yml). Another warehouse needs a UDF of the same name
    (e.g. a Spark or PL/Python function); the SQL does not change. -#}

{% macro parse_phone(phone_expression, region_expression) -%}
    {{ return(adapter.dispatch('parse_phone')(phone_expression, region_expression)) }}
{%- endmacro %}

{% macro default__parse_phone(phone_expression, region_expression) -%}
    kundresa_parse_phone({{ phone_expression }}, {{ region_expression }})
{%- endmacro %}


{#- A select of the DISTINCT (phone, region) pairs of `relation`, each parsed once:
    columns <phone_column>, <region_column>, phone_e164, is_phone_valid. Models left-join it back
    on both columns (a lookup of the model's own rows, not a join of sources). `region_column`
    must not be null (use '' for unknown: the UDF then assumes SE). phone_e164 is the E.164 form
    of any possible number (also when not a valid one); is_phone_valid says whether it is valid. -#}
{% macro distinct_parsed_phones(relation, phone_column, region_column) -%}
    select
        distinct_phones.{{ phone_column }},
        distinct_phones.{{ region_column }},
        distinct_phones.parsed_phone.e164 as phone_e164,
        coalesce(distinct_phones.parsed_phone.is_valid, false) as is_phone_valid
    from (
        select
            pairs.{{ phone_column }},
            pairs.{{ region_column }},
            {{ parse_phone('pairs.' ~ phone_column, 'pairs.' ~ region_column) }} as parsed_phone
        from (
            select distinct
                {{ phone_column }},
                {{ region_column }}
            from {{ relation }}
            where {{ phone_column }} is not null
        ) as pairs
    ) as distinct_phones
{%- endmacro %}


{#- An MSISDN is international digits without "+" ("46701234567"); SMS platforms may also keep
    a "+". Returns the form to parse: "+" prepended to bare digits that do not start with 0. -#}
{% macro msisdn_to_parse(expression) -%}
    case
        when {{ regex_full_match("trim(" ~ expression ~ ")", '[1-9][0-9]{6,14}') }}
            then {{ dbt.concat(["'+'", "trim(" ~ expression ~ ")"]) }}
        else {{ expression }}
    end
{%- endmacro %}


{#- Phone numbers typed without a country (consent subjects, erasure requests) are ambiguous
    between the Nordic markets: "0401234567" is Finnish or a Swedish landline, "41234567"
    Norwegian or Danish. These two macros let models match such a number on its national
    significant number instead: the digits of a national-form input without the trunk 0 (null
    for international input), and the national part of an E.164 number of SE/NO/DK/FI. -#}
{% macro national_phone_digits(expression) -%}
    case
        when {{ regex_full_match("trim(" ~ expression ~ ")", '(\\+|00).*') }} then null
        else nullif({{ regex_replace_all(
            regex_replace_all(expression, '[^0-9]', ''), '^0', ''
        ) }}, '')
    end
{%- endmacro %}

{% macro nordic_national_number(e164_expression) -%}
    {{ regex_extract(e164_expression, '^\\+(?:46|47|45|358)([0-9]{6,12})$', 1) }}
{%- endmacro %}
