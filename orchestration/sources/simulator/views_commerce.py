"""Web-shop orders, order lines and returns; call-center contacts; NPS survey answers."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.sources.simulator import nordic
from orchestration.sources.simulator.context import Chunk
from orchestration.sources.simulator.phones import typed_phones
from orchestration.sources.simulator.util import (
    email_noise,
    name_noise,
    null_out,
    to_object,
)

HOUR = 3600
DAY_S = 86400
NEVER_SECONDS = 1 << 60
"""Epoch-seconds sentinel for 'does not happen'."""
RETURN_REASONS = ("wrong_size", "damaged", "not_as_described", "changed_mind")


def _currency(country: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes = np.array([nordic.CURRENCIES[c] for c in country], dtype=object)
    sek_per = np.array([nordic.SEK_PER_UNIT[c] for c in codes])
    return codes, sek_per


def orders(ch: Chunk) -> None:
    p, b, rng = ch.persons, ch.behaviour, ch.rng
    person, day, value = b.buy_person, b.buy_day, b.buy_value_sek
    m = len(person)
    order_id = ch.event_ids("O", "order", m)
    use_dup = (ch.dup_account_day[person] <= day) & (rng.random(m) < 0.4)
    account = np.where(use_dup, ch.dup_account_id[person], ch.account_id[person])
    second = rng.integers(7 * HOUR, 23 * HOUR, m)
    t0 = ch.seconds(day, second)
    currency, sek_per = _currency(p.country[person])
    # lines: products priced around the order's value
    n_lines = np.minimum(1 + rng.poisson(0.7, m), 5)
    line_order = np.repeat(np.arange(m), n_lines)
    starts = np.cumsum(n_lines) - n_lines
    line_no = np.arange(len(line_order)) - starts[line_order] + 1
    target = value[line_order] / n_lines[line_order] * rng.uniform(0.6, 1.4, len(line_order))
    products = ch.products
    product = np.clip(np.searchsorted(products.price_sek, target), 0, len(products.price_sek) - 1)
    price_sek = products.price_on(product, day[line_order])
    quantity = 1 + (rng.random(len(line_order)) < 0.12)
    unit_price = np.round(price_sek / sek_per[line_order], 2)
    total = np.round(np.bincount(line_order, weights=unit_price * quantity, minlength=m), 2)
    order_text = to_object(order_id.to_pylist())
    line_id = to_object([f"{o}-{k}" for o, k in zip(order_text[line_order], line_no,
                                                      strict=True)])
    cancelled = rng.random(m) < 0.04
    cancel_t = t0 + rng.integers(1 * HOUR, 30 * HOUR, m)
    ship_t = t0 + rng.integers(18 * HOUR, 60 * HOUR, m)
    deliver_t = ship_t + rng.integers(1 * DAY_S, 4 * DAY_S, m)
    end = ch.seconds(ch.days, 0)
    version_rows, version_status, version_t = [np.arange(m)], [np.full(m, "placed")], [t0]
    for mask, status, when in (
        (cancelled, "cancelled", cancel_t),
        (~cancelled, "shipped", ship_t),
        (~cancelled, "delivered", deliver_t),
    ):
        keep = mask & (when < end)
        version_rows.append(np.flatnonzero(keep))
        version_status.append(np.full(keep.sum(), status))
        version_t.append(when[keep])
    rows = np.concatenate(version_rows)
    country = null_out(p.country[person], 0.03, rng)
    ch.emitter.emit("webshop__orders", {
        "order_id": order_text[rows],
        "account_id": account[rows],
        "status": np.concatenate(version_status).astype(object),
        "currency": currency[rows],
        "order_total": total[rows],
        "shipping_country": country[rows],
        "ordered_at": t0[rows],
        "updated_at": np.concatenate(version_t),
    })
    ch.emitter.emit("webshop__order_lines", {
        "order_line_id": line_id,
        "order_id": order_text[line_order],
        "product_id": products.product_id[product],
        "quantity": quantity,
        "unit_price": unit_price,
        "ordered_at": t0[line_order],
    })
    delivered = ~cancelled & (deliver_t < end)
    returned_t = deliver_t[line_order] + rng.integers(2 * DAY_S, 20 * DAY_S, len(line_order))
    returned = delivered[line_order] & (rng.random(len(line_order)) < 0.07) & (returned_t < end)
    r = np.flatnonzero(returned)
    ch.emitter.emit("webshop__returns", {
        "return_id": ch.event_ids("R", "return", len(r)),
        "order_id": order_text[line_order[r]],
        "order_line_id": line_id[r],
        "quantity": quantity[r],
        "refund_amount": np.round(unit_price[r] * quantity[r], 2),
        "reason": null_out(to_object(RETURN_REASONS)[rng.integers(0, 4, len(r))], 0.1, rng),
        "returned_at": returned_t[r],
    })
    ch.order_table = {
        "person": person, "day": day, "t0": t0, "account": account, "cancelled": cancelled,
        "delivered_t": np.where(delivered, deliver_t, NEVER_SECONDS),
        "returned_t_min": _first_return(m, line_order[r], returned_t[r]),
    }


def _first_return(m: int, order: np.ndarray, when: np.ndarray) -> np.ndarray:
    first = np.full(m, NEVER_SECONDS, dtype=np.int64)
    np.minimum.at(first, order, when)
    return first


def _typed_full_name(ch: Chunk, rows: np.ndarray, swap_rate: float) -> np.ndarray:
    p, rng = ch.persons, ch.rng
    first = rng.random(len(rows)) < ch.mess.first_given_name_rate
    given = np.where(first, p.first_given[rows], p.preferred[rows])
    swapped = rng.random(len(rows)) < swap_rate
    names = to_object([f"{s} {g}" if sw else f"{g} {s}"
                       for g, s, sw in zip(given, p.surname[rows], swapped, strict=True)])
    return name_noise(names, ch.mess, rng)


def callcenter_contacts(ch: Chunk) -> None:
    p, b, rng, mess = ch.persons, ch.behaviour, ch.rng, ch.mess
    n = len(p)
    first = np.clip(p.arrival, 0, ch.days)
    last = np.clip(np.minimum(p.erasure_day, ch.days), 0, ch.days)
    span = np.maximum(last - first, 0) * p.registered
    years = span / 365.0
    rate = ch.config.inbound_calls_per_year
    base = rng.poisson(rate * years)
    complaints = rng.poisson(10.0 * years * p.complainer)
    person = np.concatenate([np.repeat(np.arange(n), base), np.repeat(np.arange(n), complaints)])
    day = first[person] + (rng.random(len(person)) * span[person]).astype(np.int64)
    reason = np.concatenate([
        to_object(("question", "order_status", "complaint"))[
            rng.choice(3, base.sum(), p=[0.5, 0.3, 0.2])],
        np.full(complaints.sum(), "complaint", dtype=object),
    ])
    second = rng.integers(8 * HOUR, 19 * HOUR, len(person))
    t = ch.seconds(day, second)
    # calls about orders: cancelled ones and returns
    o = ch.order_table
    end = ch.seconds(ch.days, 0)
    about_cancel = o["cancelled"] & (rng.random(len(o["person"])) < 0.3)
    about_return = (o["returned_t_min"] < NEVER_SECONDS) & (rng.random(len(o["person"])) < 0.25)
    call_cancel = o["t0"] + rng.integers(2 * HOUR, 3 * DAY_S, len(o["person"]))
    call_return = o["returned_t_min"] - rng.integers(HOUR, DAY_S, len(o["person"]))
    for mask, when, why in ((about_cancel, call_cancel, "order_status"),
                            (about_return, call_return, "return")):
        keep = mask & (when < end)
        person = np.concatenate([person, o["person"][keep]])
        t = np.concatenate([t, when[keep]])
        reason = np.concatenate([reason, np.full(keep.sum(), why, dtype=object)])
    inbound = len(person)
    escalate = np.where(reason == "complaint", 0.4, 0.15)
    outcome = np.where(rng.random(inbound) < escalate, "escalated", "resolved").astype(object)
    caller_id = typed_phones(p.phone_cc[person], p.phone_nsn[person], mess.invalid_phone_rate,
                             rng, shares=(0.6, 0.1, 0.2, 0.1, 0.0))
    columns = {
        "phone": null_out(caller_id, 0.15, rng),
        "caller_name": null_out(_typed_full_name(ch, person, mess.swapped_name_order_rate),
                                0.1, rng),
        "direction": np.full(inbound, "inbound", dtype=object),
        "reason": reason,
        "campaign_id": to_object([None] * inbound),
        "outcome": outcome,
        "duration_seconds": np.round(rng.lognormal(5.5, 0.7, inbound)).astype(np.int64),
        "started_at": t,
    }
    # outbound telemarketing calls
    tm = b.touches["telemarketing"]
    bought = set((b.buy_person * (ch.days + 1) + b.buy_day).tolist())
    key = tm.person * (ch.days + 1) + tm.day
    sale = np.array([k in bought or k + 1 in bought for k in key.tolist()], dtype=bool)
    out_outcome = np.where(~tm.effective, "no_answer", np.where(sale, "sale", "resolved"))
    duration = np.where(tm.effective, np.round(rng.lognormal(5.0, 0.6, len(key))), 0)
    crm_name = to_object([f"{g} {s}" for g, s in zip(p.given_names[tm.person],
                                                      p.surname[tm.person], strict=True)])
    outbound = {
        "phone": typed_phones(p.phone_cc[tm.person], p.phone_nsn[tm.person], 0.0, rng),
        "caller_name": null_out(crm_name, 0.3, rng),
        "direction": np.full(len(key), "outbound", dtype=object),
        "reason": np.full(len(key), "telemarketing", dtype=object),
        "campaign_id": ch.campaigns.campaign_id[tm.campaign],
        "outcome": out_outcome.astype(object),
        "duration_seconds": duration.astype(np.int64),
        "started_at": ch.seconds(tm.day, tm.second),
    }
    all_person = np.concatenate([person, tm.person])
    merged = {k: np.concatenate([columns[k], outbound[k]]) for k in columns}
    ids = ch.event_ids("K", "contact", len(all_person))
    ch.emitter.emit("callcenter__contacts", {"contact_id": ids, **merged})
    ch.record_truth("callcenter", ids, all_person)


def survey_responses(ch: Chunk) -> None:
    p, rng, mess = ch.persons, ch.rng, ch.mess
    o = ch.order_table
    cfg = ch.config
    share = cfg.nps_invite_share * cfg.nps_response_share
    end = ch.seconds(ch.days, 0)
    answered = o["delivered_t"] + rng.integers(DAY_S, 7 * DAY_S, len(o["person"]))
    rows = np.flatnonzero((o["delivered_t"] < NEVER_SECONDS) & (rng.random(len(answered)) < share)
                          & (answered < end))
    person = o["person"][rows]
    when = answered[rows]
    mean = 8.2 + 0.3 * p.segment[person] - 3.0 * p.complainer[person]
    mean = mean - 2.0 * (o["returned_t_min"][rows] < NEVER_SECONDS)
    score = np.clip(np.round(rng.normal(mean, 1.6)), 0, 10).astype(np.int64)
    calendar = (np.datetime64("1970-01-01", "D") + when // DAY_S).astype(
        "datetime64[M]").astype(np.int64)
    year = 1970 + calendar // 12
    quarter = calendar % 12 // 3 + 1
    survey = pc.binary_join_element_wise(
        "NPS-", pc.cast(pa.array(year), pa.string()), "Q", pc.cast(pa.array(quarter), pa.string()),
        "")
    day = when // DAY_S - ch.start_epoch_day
    email = np.where(day >= p.email_change_day[person], p.email2[person], p.email1[person])
    ids = ch.event_ids("NPS", "response", len(rows))
    ch.emitter.emit("survey__responses", {
        "response_id": ids,
        "survey_id": survey,
        "respondent_email": null_out(email_noise(email, mess, rng), 0.2, rng),
        "respondent_name": null_out(_typed_full_name(ch, person, 0.0), 0.5, rng),
        "nps_score": score,
        "answered_at": when,
    })
    ch.record_truth("survey", ids, person)
