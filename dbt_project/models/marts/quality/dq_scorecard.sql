{#- Per source system and quality dimension: the latest validation of every suite
    (quality.dq_results) plus the validity flags staging computes on every row. -#}
{%- set staging_flags = [
    ('crm', 'stg_crm__customers', 'is_email_valid', 'email', true),
    ('crm', 'stg_crm__customers', 'is_phone_valid', 'phone', true),
    ('crm', 'stg_crm__customers', 'is_postal_code_valid', 'postal_code', true),
    ('webshop', 'stg_webshop__accounts', 'is_email_valid', 'email', true),
    ('webshop', 'stg_webshop__accounts', 'is_phone_valid', 'phone', true),
    ('webshop', 'stg_webshop__accounts', 'is_postal_code_valid', 'postal_code', true),
    ('esp', 'stg_esp__subscribers', 'is_email_valid', 'email', false),
    ('app', 'stg_app__users', 'is_email_valid', 'email', true),
    ('postal', 'stg_postal__recipients', 'is_postal_code_valid', 'postal_code', true),
    ('callcenter', 'stg_callcenter__contacts', 'is_phone_valid', 'phone', false),
    ('sms', 'stg_sms__events', 'is_phone_valid', 'msisdn', false),
    ('survey', 'stg_survey__responses', 'is_email_valid', 'respondent_email', false),
    ('consent', 'stg_consent__erasure_requests', 'is_email_valid', 'email', false),
    ('consent', 'stg_consent__erasure_requests', 'is_phone_valid', 'phone', false),
] -%}

with

dq_results as (

    select * from {{ source('quality', 'dq_results') }}

),

latest_validations as (

    select
        suite,
        max(validated_at) as validated_at
    from dq_results
    group by suite

),

latest_results as (

    select dq_results.*
    from dq_results
    inner join latest_validations
        on
            dq_results.suite = latest_validations.suite
            and dq_results.validated_at = latest_validations.validated_at

),

rule_scores as (

    select
        source_system,
        dimension,
        count(*) as rules_evaluated,
        sum(case when success then 1 else 0 end) as rules_passed,
        sum(case when not success and severity = 'ERROR' then 1 else 0 end)
            as error_rules_failed,
        sum(coalesce(element_count, 0)) as rows_checked,
        sum(coalesce(unexpected_count, 0)) as rows_failed,
        max(validated_at) as last_validated_at
    from latest_results
    group by source_system, dimension

),

staging_flags as (

    {% for source_system, model, flag, value_column, versioned in staging_flags %}
    select
        '{{ source_system }}' as source_system,
        'validity' as dimension,
        count(*) as flag_rows_checked,
        sum(case when {{ flag }} then 1 else 0 end) as flag_rows_valid
    from {{ ref(model) }}
    where
        {{ value_column }} is not null
        {%- if versioned %}
        and is_current_version
        {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

flag_scores as (

    select
        source_system,
        dimension,
        sum(flag_rows_checked) as flag_rows_checked,
        sum(flag_rows_valid) as flag_rows_valid
    from staging_flags
    group by source_system, dimension

),

combined as (

    select
        coalesce(rule_scores.source_system, flag_scores.source_system) as source_system,
        coalesce(rule_scores.dimension, flag_scores.dimension) as dimension,
        coalesce(rule_scores.rules_evaluated, 0) as rules_evaluated,
        coalesce(rule_scores.rules_passed, 0) as rules_passed,
        coalesce(rule_scores.error_rules_failed, 0) as error_rules_failed,
        coalesce(rule_scores.rows_checked, 0) as rows_checked,
        coalesce(rule_scores.rows_failed, 0) as rows_failed,
        coalesce(flag_scores.flag_rows_checked, 0) as flag_rows_checked,
        coalesce(flag_scores.flag_rows_valid, 0) as flag_rows_valid,
        rule_scores.last_validated_at
    from rule_scores
    full outer join flag_scores
        on
            rule_scores.source_system = flag_scores.source_system
            and rule_scores.dimension = flag_scores.dimension

),

final as (

    select
        source_system,
        dimension,
        rules_evaluated,
        rules_passed,
        case
            when rules_evaluated > 0 then 1.0 * rules_passed / rules_evaluated
        end as rule_pass_rate,
        error_rules_failed,
        rows_checked,
        rows_failed,
        flag_rows_checked,
        flag_rows_valid,
        case
            when rows_checked + flag_rows_checked > 0
                then round(
                        100.0 * (rows_checked - rows_failed + flag_rows_valid)
                        / (rows_checked + flag_rows_checked),
                        2
                    )
            when rules_evaluated > 0 then round(100.0 * rules_passed / rules_evaluated, 2)
        end as score,
        error_rules_failed = 0 as is_fit_for_activation,
        last_validated_at
    from combined

)

select * from final
