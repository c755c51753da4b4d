"""Activation rules recomputed from the facts, independently of the dbt models that implement
them — the oracles the end-to-end and the activation property tests compare the audiences with."""

# customers meeting the complaint trigger at customer_360's as-of date: more than 3 complaint
# contacts in 90 days, fewer than 5 web visits in 30 days, open orders worth over 1 000 SEK
COMPLAINT_TRIGGER_CUSTOMERS_SQL = """
with as_of as (select max(as_of_date) as d from marts.customer_360),
complaints as (
    select customer_key, count(*) as n from marts.fct_touchpoints, as_of
    where interaction_reason = 'complaint' and customer_key is not null
      and cast(timezone('UTC', occurred_at) as date) > d - 90
      and cast(timezone('UTC', occurred_at) as date) <= d
    group by 1
),
visits as (
    select customer_key, count(*) as n from marts.fct_web_sessions, as_of
    where customer_key is not null
      and cast(timezone('UTC', session_started_at) as date) > d - 30
      and cast(timezone('UTC', session_started_at) as date) <= d
    group by 1
),
open_orders as (
    select customer_key, sum(open_order_value_sek) as v from marts.fct_orders
    where is_open and customer_key is not null group by 1
)
select complaints.customer_key
from complaints
join open_orders using (customer_key)
left join visits using (customer_key)
where complaints.n > 3 and coalesce(visits.n, 0) < 5 and open_orders.v > 1000
"""
