"""Channel systems: e-mail platform, SMS platform, loyalty app, postal vendor, web analytics."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.sources.catalog import CHANNELS, CONSENT_CHANNELS
from orchestration.sources.simulator.behaviour import crm_address_index
from orchestration.sources.simulator.context import KIND, Chunk
from orchestration.sources.simulator.phones import msisdns
from orchestration.sources.simulator.population import NEVER
from orchestration.sources.simulator.util import hash_ids, id_strings, mix64, to_object
from orchestration.sources.simulator.views_commerce import _typed_full_name

MINUTE = 60
HOUR = 3600
DAY_S = 86400

# web session media
EMAIL, SMS, CPC, SOCIAL, DISPLAY, ORGANIC, DIRECT, REFERRAL = range(8)
_UTM_SOURCE = ("newsletter", "sms", "google", "facebook", "gdn", None, None, None)
_UTM_MEDIUM = ("email", "sms", "cpc", "paid_social", "display", None, None, None)
_REFERRER = (None, None, "www.google.com", "m.facebook.com", "googleads.g.doubleclick.net",
             "www.google.com", None, "www.prisjakt.nu")
_PAID_MEDIUM = {"paid_search": CPC, "paid_social": SOCIAL, "display": DISPLAY}


def _valid_email(values: np.ndarray) -> np.ndarray:
    return np.array([
        v is not None and v.count("@") == 1 and ".." not in v and " " not in v.strip()
        for v in values
    ], dtype=bool)


def _sessions(ch: Chunk, person: np.ndarray, t: np.ndarray, medium: int, campaign: np.ndarray
              ) -> None:
    ch.marketing_sessions.append({
        "person": person, "t": t, "medium": np.full(len(person), medium),
        "campaign": campaign,
    })


def email_events(ch: Chunk) -> None:
    p, rng = ch.persons, ch.rng
    tm = ch.behaviour.touches["email"]
    sub = ch.subscriber
    second = tm.day >= sub["day2"][tm.person]
    sub_id = np.where(second, sub["id2"][tm.person], sub["id1"][tm.person])
    email = np.where(second, sub["email2"][tm.person], sub["email1"][tm.person])
    keep = sub_id != None  # noqa: E711
    person, day, campaign = tm.person[keep], tm.day[keep], tm.campaign[keep]
    sub_id, email = sub_id[keep], email[keep]
    sent = ch.seconds(day, tm.second[keep])
    m = len(person)
    resp = p.responsiveness[person, CHANNELS.index("email")]
    valid = _valid_email(email)
    soft = rng.random(m) < 0.01
    delivered = valid & ~soft
    opened = delivered & (rng.random(m) < np.minimum(0.25 * resp, 0.9))
    open_t = sent + rng.integers(5 * MINUTE, 20 * HOUR, m)
    clicked = opened & (rng.random(m) < np.minimum(0.15 * resp, 0.8))
    click_t = open_t + rng.integers(10, 10 * MINUTE, m)
    end = ch.seconds(ch.days, 0)
    opened &= open_t < end
    clicked &= opened & (click_t < end)
    message = hash_ids("M", ch.seed, KIND["message"], campaign, p.gidx[person])
    kinds = [
        ("sent", np.ones(m, bool), sent),
        ("delivered", delivered, sent + rng.integers(2, 120, m)),
        ("bounced_hard", ~valid, sent + rng.integers(2, 120, m)),
        ("bounced_soft", valid & soft, sent + rng.integers(2, 600, m)),
        ("opened", opened, open_t),
        ("clicked", clicked, click_t),
    ]
    idx, types, times = [], [], []
    for name, mask, when in kinds:
        sel = np.flatnonzero(mask)
        idx.append(sel)
        types.append(np.full(len(sel), name, dtype=object))
        times.append(when[sel])
    i = np.concatenate(idx)
    columns = {
        "subscriber_id": sub_id[i],
        "email": email[i],
        "event_type": np.concatenate(types),
        "campaign_id": ch.campaigns.campaign_id[campaign[i]],
        "message_id": message.take(pa.array(i)),
        "occurred_at": np.concatenate(times),
    }
    # unsubscribes: the e-mail consent switched off while subscribed
    c = CONSENT_CHANNELS.index("email")
    off = np.flatnonzero(p.consent_initial[:, c] & (p.consent_switch[:, c] < ch.days)
                        & (sub["id1"] != None)  # noqa: E711
                        & (p.consent_switch[:, c] < p.erasure_day))
    off_day = p.consent_switch[off, c]
    use2 = off_day >= sub["day2"][off]
    unsub = {
        "subscriber_id": np.where(use2, sub["id2"][off], sub["id1"][off]),
        "email": np.where(use2, sub["email2"][off], sub["email1"][off]),
        "event_type": np.full(len(off), "unsubscribed", dtype=object),
        "campaign_id": to_object([None] * len(off)),
        "message_id": pa.nulls(len(off), pa.string()),
        "occurred_at": ch.seconds(off_day, rng.integers(6 * HOUR, 22 * HOUR, len(off))),
    }
    merged = {}
    for name in columns:
        if name == "message_id":
            merged[name] = pa.concat_arrays([columns[name], unsub[name]])
        else:
            merged[name] = np.concatenate([columns[name], unsub[name]])
    ids = ch.event_ids("EE", "email_event", len(merged["subscriber_id"]))
    ch.emitter.emit("esp__email_events", {"event_id": ids, **merged})
    _sessions(ch, person[clicked], click_t[clicked] + rng.integers(1, 30, clicked.sum()), EMAIL,
              campaign[clicked])


def sms_events(ch: Chunk) -> None:
    p, rng = ch.persons, ch.rng
    ch.msisdn = msisdns(p.phone_cc, p.phone_nsn, ch.mess.invalid_phone_rate, rng)
    valid = np.array([len(m.lstrip("+")) == len(c) + len(s)
                      for m, c, s in zip(ch.msisdn, p.phone_cc, p.phone_nsn, strict=True)])
    tm = ch.behaviour.touches["sms"]
    m = len(tm.person)
    sent = ch.seconds(tm.day, tm.second)
    resp = p.responsiveness[tm.person, CHANNELS.index("sms")]
    delivered = valid[tm.person] & (rng.random(m) < 0.97)
    clicked = delivered & (rng.random(m) < np.minimum(0.06 * resp, 0.5))
    click_t = sent + rng.integers(MINUTE, 6 * HOUR, m)
    end = ch.seconds(ch.days, 0)
    clicked &= click_t < end
    c = CONSENT_CHANNELS.index("sms")
    off = np.flatnonzero(p.consent_initial[:, c] & (p.consent_switch[:, c] < ch.days)
                        & (p.consent_switch[:, c] < p.erasure_day)
                        & (p.consent_switch[:, c] > p.arrival))
    parts = [
        (tm.person, "sent", sent, tm.campaign),
        (tm.person[delivered], "delivered", sent[delivered] + rng.integers(1, 60, delivered.sum()),
         tm.campaign[delivered]),
        (tm.person[clicked], "clicked", click_t[clicked], tm.campaign[clicked]),
        (off, "opted_out", ch.seconds(p.consent_switch[off, c], rng.integers(
            8 * HOUR, 21 * HOUR, len(off))), np.full(len(off), -1)),
    ]
    person = np.concatenate([x[0] for x in parts])
    campaign = np.concatenate([x[3] for x in parts])
    campaign_id = np.where(campaign >= 0, ch.campaigns.campaign_id[np.maximum(campaign, 0)], None)
    ch.emitter.emit("sms__events", {
        "event_id": ch.event_ids("SE", "sms_event", len(person)),
        "msisdn": ch.msisdn[person],
        "event_type": np.concatenate([np.full(len(x[0]), x[1], dtype=object) for x in parts]),
        "campaign_id": campaign_id,
        "occurred_at": np.concatenate([x[2] for x in parts]),
    })
    seen = np.unique(person)
    ch.record_truth("sms", ch.msisdn[seen], seen)
    _sessions(ch, tm.person[clicked], click_t[clicked] + rng.integers(1, 30, clicked.sum()), SMS,
              tm.campaign[clicked])


def app_events(ch: Chunk) -> None:
    p, b, rng = ch.persons, ch.behaviour, ch.rng
    users = ch.app_user_id != None  # noqa: E711
    first = np.where(users, np.clip(b.app_day, 0, ch.days), ch.days)
    last = np.clip(np.minimum(p.erasure_day, ch.days), 0, ch.days)
    span = np.maximum(last - first, 0)
    opens = rng.poisson(ch.config.app_opens_per_year * span / 365.0)
    person = np.repeat(np.arange(len(p)), opens)
    day = first[person] + (rng.random(len(person)) * span[person]).astype(np.int64)
    t = ch.seconds(day, rng.integers(6 * HOUR, 23 * HOUR, len(person)))
    view = rng.random(len(person)) < 0.6
    cart = view & (rng.random(len(person)) < 0.25)
    tm = b.touches["push"]
    pushed = ch.seconds(tm.day, tm.second)
    resp = p.responsiveness[tm.person, CHANNELS.index("push")]
    opened = rng.random(len(tm.person)) < np.minimum(0.2 * resp, 0.9)
    open_t = pushed + rng.integers(MINUTE, 4 * HOUR, len(pushed))
    opened &= open_t < ch.seconds(ch.days, 0)
    parts = [
        (person, "app_open", t, -1),
        (person[view], "product_view", t[view] + rng.integers(5, 120, view.sum()), -1),
        (person[cart], "add_to_cart", t[cart] + rng.integers(120, 600, cart.sum()), -1),
        (tm.person, "push_received", pushed, tm.campaign),
        (tm.person[opened], "push_opened", open_t[opened], tm.campaign[opened]),
    ]
    all_person = np.concatenate([x[0] for x in parts])
    campaign = np.concatenate([np.broadcast_to(np.asarray(x[3]), len(x[0])) for x in parts])
    ch.emitter.emit("app__events", {
        "event_id": ch.event_ids("AE", "app_event", len(all_person)),
        "app_user_id": ch.app_user_id[all_person],
        "event_type": np.concatenate([np.full(len(x[0]), x[1], dtype=object) for x in parts]),
        "campaign_id": np.where(campaign >= 0, ch.campaigns.campaign_id[np.maximum(campaign, 0)],
                                None),
        "occurred_at": np.concatenate([x[2] for x in parts]),
    })


def postal(ch: Chunk) -> None:
    p, b, rng = ch.persons, ch.behaviour, ch.rng
    tm = b.touches["postal"]
    n = len(p)
    first = np.full(n, NEVER, dtype=np.int64)
    np.minimum.at(first, tm.person, tm.day)
    rows = np.flatnonzero(first < NEVER)
    recipient = np.empty(n, dtype=object)
    recipient[rows] = ch.person_ids("R", "recipient", rows)
    created = first[rows] - 3
    person, day = [rows], [created]
    for k in range(1, b.crm_address_known.shape[1]):
        known = b.crm_address_known[rows, k]
        keep = (known > created) & (known < ch.days)
        person.append(rows[keep])
        day.append(known[keep])
    person_all = np.concatenate(person)
    day_all = np.concatenate(day)
    order = np.lexsort((day_all, person_all))
    person_all, day_all = person_all[order], day_all[order]
    address = crm_address_index(b.crm_address_known, person_all, day_all)
    full = np.empty(n, dtype=object)
    full[rows] = _typed_full_name(ch, rows, 0.0)
    ch.emitter.emit("postal__recipients", {
        "recipient_id": recipient[person_all],
        "full_name": full[person_all],
        "street": p.street[person_all, address],
        "postal_code": p.postal_code[person_all, address],
        "city": p.city[person_all, address],
        "country": p.country[person_all],
        "updated_at": ch.seconds(day_all, rng.integers(1 * HOUR, 5 * HOUR, len(day_all))),
    })
    ch.record_truth("postal", recipient[rows], rows)
    status = np.where(tm.effective, "delivered", "undeliverable").astype(object)
    ch.emitter.emit("postal__mailings", {
        "mailing_id": ch.event_ids("L", "mailing", len(tm.person)),
        "recipient_id": recipient[tm.person],
        "campaign_id": ch.campaigns.campaign_id[tm.campaign],
        "delivery_status": status,
        "sent_at": ch.seconds(tm.day, tm.second),
    })


def _organic_sessions(ch: Chunk) -> dict[str, np.ndarray]:
    p, rng = ch.persons, ch.rng
    first = np.clip(p.arrival - 60, 0, ch.days)
    last = np.clip(np.minimum(p.erasure_day, ch.days), 0, ch.days)
    span = np.maximum(last - first, 0)
    count = rng.poisson(ch.config.web_sessions_per_year * span / 365.0)
    person = np.repeat(np.arange(len(p)), count)
    day = first[person] + (rng.random(len(person)) * span[person]).astype(np.int64)
    medium = rng.choice([ORGANIC, DIRECT, REFERRAL], len(person), p=[0.45, 0.4, 0.15])
    return {"person": person, "t": ch.seconds(day, rng.integers(6 * HOUR, 23 * HOUR, len(day))),
            "medium": medium, "campaign": np.full(len(person), -1)}


def web_events(ch: Chunk) -> None:
    b, rng = ch.behaviour, ch.rng
    for channel, medium in _PAID_MEDIUM.items():
        tm = b.touches[channel]
        _sessions(ch, tm.person, ch.seconds(tm.day, tm.second), medium, tm.campaign)
        if ch.ads_clicks is not None and len(tm.person):
            np.add.at(ch.ads_clicks, (tm.campaign, tm.day), 1)
    marketing = {k: np.concatenate([s[k] for s in ch.marketing_sessions])
                 for k in ("person", "t", "medium", "campaign")}
    organic = _organic_sessions(ch)
    # orders check out in a same-day marketing session if there is one, else in a new session
    o = ch.order_table
    m_day = marketing["t"] // DAY_S
    m_key = marketing["person"] * 100_000 + m_day
    order_key = o["person"] * 100_000 + o["t0"] // DAY_S
    sort = np.argsort(m_key, kind="stable")
    pos = np.searchsorted(m_key[sort], order_key)
    if len(sort):
        found = (pos < len(sort)) & (m_key[sort][np.minimum(pos, len(sort) - 1)] == order_key)
    else:
        found = np.zeros(len(order_key), dtype=bool)
    converting_m = np.full(len(m_key), -1)
    hit = np.flatnonzero(found)
    target = sort[pos[hit]]
    _, first_hit = np.unique(target, return_index=True)
    converting_m[target[first_hit]] = hit[first_hit]
    used = np.zeros(len(o["person"]), dtype=bool)
    used[hit[first_hit]] = True
    new = np.flatnonzero(~used)
    checkout = {"person": o["person"][new], "t": o["t0"][new] - rng.integers(
        2 * MINUTE, 20 * MINUTE, len(new)),
        "medium": rng.choice([DIRECT, ORGANIC], len(new), p=[0.6, 0.4]),
        "campaign": np.full(len(new), -1)}
    s = {k: np.concatenate([marketing[k], organic[k], checkout[k]]) for k in marketing}
    order_of = np.concatenate([converting_m, np.full(len(organic["person"]), -1), new])
    end = ch.seconds(ch.days, 0)
    keep = (s["t"] >= ch.seconds(0, 0)) & (s["t"] < end - 3600)
    s = {k: v[keep] for k, v in s.items()}
    order_of = order_of[keep]
    _emit_web(ch, s, order_of)


def _emit_web(ch: Chunk, s: dict[str, np.ndarray], order_of: np.ndarray) -> None:
    p, rng = ch.persons, ch.rng
    o = ch.order_table
    n_s = len(s["person"])
    person = s["person"]
    day = s["t"] // DAY_S - ch.start_epoch_day
    converting = order_of >= 0
    has_account = ch.account_day[person] <= day
    login = converting | (has_account & (rng.random(n_s) < 0.3))
    cart = converting | (rng.random(n_s) < 0.1)
    views = 1 + rng.poisson(0.4, n_s)
    count = views + login + cart + converting
    sess = np.repeat(np.arange(n_s), count)
    starts = np.cumsum(count) - count
    position = np.arange(len(sess)) - starts[sess]
    rel = position - views[sess]
    kind = np.where(rel < 0, 0, 1 + rel + (~login[sess]))  # 0 view, 1 login, 2 cart, 3 checkout
    # cookie: device per session, cookies rotate every 180 days
    device = (rng.random(n_s) * p.devices[person]).astype(np.int64)
    phase = (mix64(ch.seed, p.gidx[person], device) % np.uint64(180)).astype(np.int64)
    epoch = (day + phase) // 180
    cookie_hash = mix64(ch.seed, KIND["cookie"], p.gidx[person], device, epoch)
    cookie_number = ((cookie_hash >> np.uint64(14)) % np.uint64(10**15)).astype(np.int64)
    unique, first = np.unique(cookie_number, return_index=True)
    ch.record_truth("web", _cookie_strings(unique), person[first])
    medium = s["medium"][sess]
    landing = position == 0
    campaign = s["campaign"][sess]
    n_products = len(ch.products.product_id)
    product_paths = pa.array(["/produkt/" + x.lower() for x in ch.products.product_id])
    fixed_paths = pa.array([None, "/login", "/kundvagn", "/kassa/klar"], pa.string())
    product_pick = pa.array(rng.integers(0, n_products, len(sess)))
    path = pc.if_else(pa.array(kind == 0), product_paths.take(product_pick),
                      fixed_paths.take(pa.array(kind)))
    campaign_ids = pa.array(list(ch.campaigns.campaign_id), pa.string())
    utm_campaign = campaign_ids.take(pa.array(np.where(campaign >= 0, campaign, 0)))
    has_utm = landing & (campaign >= 0)
    home = landing & (campaign < 0) & (rng.random(len(sess)) < 0.5)
    path = pc.if_else(pa.array(home), "/", path)
    path = pc.if_else(pa.array(has_utm), pc.binary_join_element_wise(
        "/kampanj/", pc.utf8_lower(utm_campaign), ""), path)
    session_account = ch.account_id[person].copy()
    session_account[converting] = o["account"][order_of[converting]]
    account = session_account[sess]
    on_login = kind == 1
    gap = rng.integers(20, 180, len(sess))
    occurred = s["t"][sess] + position * 60 + gap
    utm_source = pa.array(list(_UTM_SOURCE), pa.string()).take(pa.array(medium))
    utm_medium = pa.array(list(_UTM_MEDIUM), pa.string()).take(pa.array(medium))
    referrer = pa.array(list(_REFERRER), pa.string()).take(pa.array(medium))
    no_utm = pa.array(~has_utm)
    null = pa.nulls(len(sess), pa.string())
    ch.emitter.emit("web__events", {
        "event_id": ch.event_ids("W", "web_event", len(sess)),
        "cookie_id": _cookie_strings(cookie_number[sess]),
        "event_type": pa.array(["page_view", "login", "add_to_cart", "checkout"]).take(
            pa.array(kind)),
        "page_path": path,
        "utm_source": pc.if_else(no_utm, null, utm_source),
        "utm_medium": pc.if_else(no_utm, null, utm_medium),
        "utm_campaign": pc.if_else(no_utm, null, utm_campaign),
        "referrer_host": pc.if_else(pa.array(landing), referrer, null),
        "account_id": pa.array(np.where(on_login, account, None), pa.string()),
        "occurred_at": occurred,
    })


def _cookie_strings(numbers: np.ndarray) -> pa.Array:
    return id_strings("ck", numbers, width=15)

