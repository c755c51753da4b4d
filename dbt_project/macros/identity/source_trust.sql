{#- Source trust for golden-record survivorship: the ONE place that ranks source systems.
    Rank 1 is the most trusted. Override with the dbt var `identity_source_trust`
    (a mapping source_system -> rank); unknown sources rank last. -#}
{% macro default_identity_source_trust() -%}
    {{ return({
        'crm': 1,
        'webshop': 2,
        'app': 3,
        'esp': 4,
        'postal': 5,
        'survey': 6,
        'callcenter': 7,
        'sms': 8,
        'web': 9,
    }) }}
{%- endmacro %}

{% macro source_trust_rank(source_system_expression) -%}
    {%- set ranks = var('identity_source_trust', default_identity_source_trust()) -%}
    case {{ source_system_expression }}
    {%- for source_system, rank in ranks.items() %}
        when '{{ source_system }}' then {{ rank }}
    {%- endfor %}
        else 99
    end
{%- endmacro %}


{#- What a record's given names say about the name a person is called by:
    'legal'         all given names as registered (CRM) — says nothing about which one is used;
    'self_reported' typed by the person (web shop, app, e-mail sign-up, survey);
    'observed'      written by others (call-center agent, postal vendor). -#}
{% macro default_identity_name_evidence() -%}
    {{ return({
        'crm': 'legal',
        'webshop': 'self_reported',
        'app': 'self_reported',
        'esp': 'self_reported',
        'survey': 'self_reported',
        'callcenter': 'observed',
        'postal': 'observed',
    }) }}
{%- endmacro %}

{% macro name_evidence(source_system_expression) -%}
    {%- set kinds = var('identity_name_evidence', default_identity_name_evidence()) -%}
    case {{ source_system_expression }}
    {%- for source_system, kind in kinds.items() %}
        when '{{ source_system }}' then '{{ kind }}'
    {%- endfor %}
        else 'observed'
    end
{%- endmacro %}
