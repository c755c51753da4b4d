{#- Channel (a dim_channel key) of a web session from its landing event's UTM medium and
    referrer: campaign media first, then organic search engines, other referrers, else direct. -#}
{% macro web_session_channel(utm_medium, referrer_host) -%}
    case
        when {{ utm_medium }} = 'email' then 'email'
        when {{ utm_medium }} = 'sms' then 'sms'
        when {{ utm_medium }} = 'push' then 'push'
        when {{ utm_medium }} in ('cpc', 'ppc', 'paid_search') then 'paid_search'
        when {{ utm_medium }} in ('paid_social', 'social_paid') then 'paid_social'
        when {{ utm_medium }} in ('display', 'banner') then 'display'
        when
            {{ referrer_host }} like '%google.%'
            or {{ referrer_host }} like '%bing.%'
            or {{ referrer_host }} like '%duckduckgo.%'
            or {{ referrer_host }} like '%yahoo.%'
            or {{ referrer_host }} like '%ecosia.%'
            then 'organic_search'
        when {{ referrer_host }} is not null then 'referral'
        else 'direct'
    end
{%- endmacro %}
