{#- Hashing for activation: deterministic holdout buckets and hashed identifiers for ad platforms. -#}

{#- A stable bucket in [0, buckets) from the first 32 bits of md5(expression). md5 is used because
    every warehouse has it and its result does not change between versions (unlike hash()). -#}
{% macro hash_bucket(expression, buckets) -%}
    {{ return(adapter.dispatch('hash_bucket')(expression, buckets)) }}
{%- endmacro %}

{% macro default__hash_bucket(expression, buckets) -%}
    (cast(('x' || substr(md5({{ expression }}), 1, 8)) as bit(32))::bigint % {{ buckets }})
{%- endmacro %}

{% macro duckdb__hash_bucket(expression, buckets) -%}
    (cast(('0x' || substr(md5({{ expression }}), 1, 8)) as bigint) % {{ buckets }})
{%- endmacro %}

{% macro spark__hash_bucket(expression, buckets) -%}
    (cast(conv(substr(md5({{ expression }}), 1, 8), 16, 10) as bigint) % {{ buckets }})
{%- endmacro %}


{#- Lowercase hex SHA-256 of a text value (ad platforms' custom-audience matching format). -#}
{% macro sha256_hex(expression) -%}
    {{ return(adapter.dispatch('sha256_hex')(expression)) }}
{%- endmacro %}

{% macro default__sha256_hex(expression) -%}
    encode(sha256(convert_to({{ expression }}, 'UTF8')), 'hex')
{%- endmacro %}

{% macro duckdb__sha256_hex(expression) -%}
    sha256({{ expression }})
{%- endmacro %}

{% macro spark__sha256_hex(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}
