{#- A table, not a view: the order versions feed four facts (one evaluation per run).
    Incremental (macros/staging/incremental.sql, versioned staging): a run normalises only the
    newly loaded raw rows and restates every version of the orders they touch (delete+insert on
    order_id). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_id',
        on_schema_change='fail',
        pre_hook=[
            "{{ restage_if_raw_reloaded(source('webshop', 'orders')) }}",
            "{{ delete_versions_without_key('order_id') }}",
        ],
    )
}}

{%- set version_columns = [
    'order_id', 'account_id', 'status', 'currency', 'order_total', 'shipping_country',
    'ordered_at', 'updated_at', '_source_file', '_row_number', '_loaded_at',
] %}

with

source as (

    {{ raw_versions_to_stage(source('webshop', 'orders'), 'order_id') }}

),

loaded_versions as (

    select
        order_id,
        account_id,
        lower(trim(status)) as status,
        upper(trim(currency)) as currency,
        order_total,
        {{ normalise_country('shipping_country') }} as shipping_country,
        ordered_at,
        updated_at,
        _source_file,
        _row_number,
        _loaded_at
    from source

),

restated_versions as (

    {{ with_staged_versions('loaded_versions', 'order_id', version_columns) }}

),

versions as (

    select
        *,
        row_number() over (
            partition by
                order_id,
                account_id,
                status,
                currency,
                order_total,
                shipping_country,
                ordered_at,
                updated_at
            order by {{ load_order() }}
        ) as copy_number
    from restated_versions

),

final as (

    select
        {{ version_columns | join(',\n        ') }},
        row_number() over (
            partition by order_id
            order by updated_at desc, {{ load_order('desc') }}
        ) = 1 as is_current_version
    from versions
    where copy_number = 1

)

select * from final
