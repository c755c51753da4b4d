"""Behaviour over time: marketing touches, the purchase process, counterfactuals, stages, CLV truth.

Purchase process (per person and day, vectorised over a chunk of persons × window days)::

    rate(i, t)  = base_i × season(t) × alive(i, t) × (1 + Σ_c lift_c × resp_ic × adstock_ic(t))
    buy(i, t)   = U(i, t) < min(rate, 0.95)

``adstock_ic(t) = Σ_touches decay_c^(t - touch day)`` with ``decay_c = 0.5^(1/half_life_c)``.
``alive`` is 0 before arrival, after an erasure request and for unregistered prospects; 1 while
active; ``lapsed_rate_factor`` after the latent churn day. The first purchase after churn is a
win-back: the person is active again until a second churn day. Touch targeting depends only on
exogenous latents (consent, churn day, segment), never on purchases, so removing one channel's
touches and re-running the process with the *same* uniforms ``U`` (common random numbers) gives
that channel's true incremental conversions.

Stage rules (``_truth/stages``; intervals [valid_from, valid_to), valid_to null while open):
prospect from arrival until the first purchase; onboarding for 90 days after the first purchase;
developing afterwards while fewer than 3 purchases, loyal from the 3rd purchase; at_risk from the
latent churn day for 120 days, then lapsed; won_back for 90 days from a win-back purchase, then
developing/loyal again until the second churn day. Only persons with a purchase before the churn
day become at_risk/lapsed; a person whose first purchase comes after the churn day is onboarding.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from orchestration.sources.catalog import CHANNELS
from orchestration.sources.simulator.calendar import OWNED, PAID, Campaigns
from orchestration.sources.simulator.config import (
    FUTURE_HORIZON_DAYS,
    HISTORY_DAYS,
    BehaviourConfig,
    MessConfig,
)
from orchestration.sources.simulator.population import MAX_MOVES, NEVER, Persons

PAID_CLICKS_PER_YEAR = {"paid_search": 1.2, "paid_social": 0.9, "display": 0.5}
_SEGMENT_WEIGHT = np.array([0.5, 1.0, 1.6, 2.5])
ONBOARDING_DAYS = 90
AT_RISK_DAYS = 120
WON_BACK_DAYS = 90
LOYAL_PURCHASES = 3


@dataclass
class Touches:
    """Marketing touches of one channel: one row per send, call or paid click."""

    person: np.ndarray
    day: np.ndarray
    campaign: np.ndarray
    second: np.ndarray  # seconds after midnight UTC
    effective: np.ndarray  # reached the person (delivered letter, answered call, ...)


@dataclass
class Behaviour:
    touches: dict[str, Touches]
    buy_person: np.ndarray
    buy_day: np.ndarray
    buy_value_sek: np.ndarray
    win_back_day: np.ndarray
    second_churn_day: np.ndarray
    purchases: int  # in the window
    counterfactual: dict[str, int]  # channel → window purchases without its touches
    crm_address_known: np.ndarray  # (n, 1 + MAX_MOVES) day the CRM learns each address
    app_day: np.ndarray
    future_orders: np.ndarray
    future_revenue_sek: np.ndarray
    stages: list[tuple[int, str, int, int | None]]  # (person index, stage, from, to) day indices


@lru_cache(maxsize=8)
def season(start: date, days: int) -> np.ndarray:
    """Seasonal purchase multiplier per day from ``start`` (summer dip, Black Friday, Christmas)."""
    out = np.empty(days, dtype=np.float32)
    for t in range(days):
        d = start + timedelta(days=t)
        doy = d.timetuple().tm_yday
        factor = 1.0 + 0.2 * np.cos(2 * np.pi * (doy - 340) / 365.0)
        if (d.month == 11 and d.day >= 20) or (d.month == 12 and d.day <= 20):
            factor *= 1.8
        out[t] = factor
    return out


def simulate_behaviour(
    persons: Persons,
    campaigns: Campaigns,
    start: date,
    days: int,
    behaviour: BehaviourConfig,
    mess: MessConfig,
    rng: np.random.Generator,
) -> Behaviour:
    n = len(persons)
    crm_known = _crm_address_knowledge(persons, mess, rng)
    app_day = np.where(persons.has_app, np.maximum(persons.arrival, 0) + rng.integers(0, 60, n),
                       NEVER)
    touches = {c: _owned_touches(c, persons, campaigns, crm_known, app_day, rng) for c in OWNED}
    touches.update({c: _paid_clicks(c, persons, campaigns, days, rng) for c in PAID})

    seg = persons.segment
    rates = np.asarray(behaviour.yearly_purchase_rate)[seg] / 365.0
    base = (rates * rng.lognormal(-0.125, 0.5, n)).astype(np.float32)
    basket = np.asarray(behaviour.basket_sek)[seg] * rng.lognormal(0, 0.3, n)
    # only registered persons buy: the purchase matrices cover them alone (m of the n persons),
    # over HISTORY_DAYS before the window too, so existing customers have a purchase history
    reg = np.flatnonzero(persons.registered)
    m = len(reg)
    position = np.full(n, -1)
    position[reg] = np.arange(m)
    span = HISTORY_DAYS + days
    t = np.arange(-HISTORY_DAYS, days)[None, :]
    arrival, churn_day = persons.arrival[reg], persons.churn_day[reg]
    live = (t >= arrival[:, None]) & (t < persons.erasure_day[reg, None])
    rate = base[reg, None] * season(start - timedelta(days=HISTORY_DAYS), span)[None, :] * live
    lapsed = behaviour.lapsed_rate_factor
    churned = t >= churn_day[:, None]
    rate1 = np.where(churned, rate * np.float32(lapsed), rate)
    lifetime2 = rng.exponential(behaviour.mean_lifetime_days, m).astype(np.int64)
    uniforms = rng.random((m, span), dtype=np.float32)

    # marketing lift on the window columns (no touches are simulated before the window)
    contributions: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    lift = np.zeros((m, span), dtype=np.float32)
    window = lift[:, HISTORY_DAYS:]
    for index, channel in enumerate(CHANNELS):
        tc = touches[channel]
        keep = tc.effective & (position[tc.person] >= 0)
        if not keep.any():
            continue
        rows, local = np.unique(position[tc.person[keep]], return_inverse=True)
        # time-major counts (day, person) so the recursion runs over contiguous rows
        counts = np.bincount(tc.day[keep] * len(rows) + local,
                             minlength=len(rows) * days).astype(np.float32)
        effect = behaviour.channel_effects[channel]
        adstock = _adstock(counts.reshape(days, len(rows)), 0.5 ** (1.0 / effect.half_life_days))
        adstock *= (effect.lift * persons.responsiveness[reg[rows], index]).astype(np.float32)
        contribution = np.ascontiguousarray(adstock.T)
        contributions[channel] = (rows, contribution)
        window[rows] += contribution

    probability = np.minimum(rate1 * (1.0 + lift), 0.95)
    buys = uniforms < probability
    after = buys & churned
    has = after.any(axis=1)
    wb_reg = np.where(has, after.argmax(axis=1) - HISTORY_DAYS, NEVER)
    c2_reg = np.where(has, wb_reg + lifetime2, NEVER)
    sub = np.flatnonzero(has)
    if len(sub):
        revived = (t > wb_reg[sub, None]) & (t < c2_reg[sub, None])
        rate_sub = np.where(revived, rate[sub], rate1[sub])
        buys[sub] = uniforms[sub] < np.minimum(rate_sub * (1.0 + lift[sub]), 0.95)
    total = int(buys[:, HISTORY_DAYS:].sum())  # purchases in the window
    counterfactual = {}
    w = slice(HISTORY_DAYS, None)
    for channel in CHANNELS:
        if channel not in contributions:
            counterfactual[channel] = total
            continue
        rows, contribution = contributions[channel]
        factual = int(buys[rows, w].sum())
        without = _window_purchases(
            lift[rows, w] - contribution, rate[:, w], rate1[rows, w], uniforms[:, w], rows,
            churn_day[rows], wb_reg[rows], lifetime2[rows], days)
        counterfactual[channel] = total - factual + without
    local_person, buy_day = np.nonzero(buys)
    buy_person = reg[local_person]
    buy_day = buy_day - HISTORY_DAYS
    value = basket[buy_person] * rng.lognormal(-0.125, 0.5, len(buy_person))
    wb = np.full(n, NEVER, dtype=np.int64)
    c2 = np.full(n, NEVER, dtype=np.int64)
    wb[reg], c2[reg] = wb_reg, c2_reg

    # future value: the same process over the horizon, marketing at its recent intensity
    recent = np.zeros(n)
    recent[reg] = lift[:, max(span - 90, 0):].mean(axis=1)
    horizon = np.arange(days, days + FUTURE_HORIZON_DAYS)
    active_until = np.where(wb < NEVER, c2, persons.churn_day)
    lapsed_now = (wb == NEVER) & (persons.churn_day < days)
    factor = np.where(horizon[None, :] < active_until[:, None], 1.0, lapsed)
    factor = np.where(lapsed_now[:, None], lapsed, factor)
    future_season = season(start + timedelta(days=days), FUTURE_HORIZON_DAYS)
    expected = (base[:, None] * future_season[None, :] * factor).sum(axis=1) * (1 + recent)
    expected *= persons.registered & (persons.erasure_day == NEVER)
    future_orders = rng.poisson(expected)
    order_owner = np.repeat(np.arange(n), future_orders)
    baskets = basket[order_owner] * rng.lognormal(-0.125, 0.5, len(order_owner))
    future_revenue = np.bincount(order_owner, weights=baskets, minlength=n)
    stages = _stages(persons, buy_person, buy_day, wb, c2, days)
    return Behaviour(
        touches=touches,
        buy_person=buy_person,
        buy_day=buy_day,
        buy_value_sek=value,
        win_back_day=wb,
        second_churn_day=c2,
        purchases=total,
        counterfactual=counterfactual,
        crm_address_known=crm_known,
        app_day=app_day,
        future_orders=future_orders,
        future_revenue_sek=np.round(future_revenue, 2),
        stages=stages,
    )


def _adstock(steps: np.ndarray, decay: float) -> np.ndarray:
    """In place over (day, person) touch counts: a(t) = decay * a(t-1) + touches(t)."""
    acc = np.zeros(steps.shape[1], dtype=np.float32)
    decay32 = np.float32(decay)
    for day in range(steps.shape[0]):
        acc *= decay32
        acc += steps[day]
        steps[day] = acc
    return steps


def _window_purchases(
    lift: np.ndarray, rate: np.ndarray, rate1: np.ndarray, uniforms: np.ndarray, rows: np.ndarray,
    churn_day: np.ndarray, wb: np.ndarray, lifetime2: np.ndarray, days: int,
) -> int:
    """Purchases in the window of ``rows`` under ``lift``, same uniforms (common random numbers).

    ``rate`` and ``uniforms`` cover all persons (window columns); ``lift`` and ``rate1`` only
    ``rows``. A win-back already made before the window stays; otherwise it is re-derived."""
    t = np.arange(days)[None, :]
    buys = uniforms[rows] < np.minimum(rate1 * (1.0 + lift), 0.95)
    before = wb < 0
    after = buys & (t >= churn_day[:, None]) & ~before[:, None]
    has = after.any(axis=1)
    new_wb = np.where(before, wb, np.where(has, after.argmax(axis=1), NEVER))
    sub = np.flatnonzero(new_wb < NEVER)
    if len(sub):
        c2 = new_wb[sub] + lifetime2[sub]
        revived = (t > new_wb[sub, None]) & (t < c2[:, None])
        rate_sub = np.where(revived, rate[rows[sub]], rate1[sub])
        buys[sub] = uniforms[rows[sub]] < np.minimum(rate_sub * (1.0 + lift[sub]), 0.95)
    return int(buys.sum())


def _crm_address_knowledge(persons: Persons, mess: MessConfig, rng: np.random.Generator
                           ) -> np.ndarray:
    """Day the CRM learns each address; NEVER when it is never told (a stale address)."""
    n = len(persons)
    known = np.full((n, 1 + MAX_MOVES), NEVER, dtype=np.int64)
    known[:, 0] = persons.arrival
    for k in range(1, 1 + MAX_MOVES):
        told = rng.random(n) >= mess.stale_address_rate
        moved = persons.move_day[:, k] < NEVER
        lagged = np.where(told & moved, persons.move_day[:, k] + rng.integers(0, 30, n), NEVER)
        # a move before registration: the CRM records the then-current address at registration
        before = moved & (persons.move_day[:, k] <= persons.arrival)
        known[:, k] = np.where(before, persons.arrival, lagged)
    return known


def crm_address_index(known: np.ndarray, person: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Which address the CRM holds for rows (person, day): the latest one it was told about."""
    return (known[person] <= day[:, None]).sum(axis=1) - 1


def _objective_weight(objective: np.ndarray, day: np.ndarray, persons: Persons) -> np.ndarray:
    """(n, K) targeting weights: win-back targets churned persons, retention active ones."""
    churned = day[None, :] >= persons.churn_day[:, None]
    weight = np.ones((len(persons), len(day)))
    winback = objective == "winback"
    retention = objective == "retention"
    weight[:, winback] = np.where(churned[:, winback], 2.5, 0.1)
    weight[:, retention] = np.where(churned[:, retention], 0.5, 1.2)
    return weight


def _owned_touches(
    channel: str, persons: Persons, campaigns: Campaigns, crm_known: np.ndarray,
    app_day: np.ndarray, rng: np.random.Generator,
) -> Touches:
    ks = campaigns.of_channel(channel)
    n = len(persons)
    if not len(ks) or not n:
        return _empty_touches()
    s = campaigns.start[ks]
    consent_channel = {"telemarketing": "phone"}.get(channel, channel)
    from orchestration.sources.catalog import CONSENT_CHANNELS

    c = CONSENT_CHANNELS.index(consent_channel)
    switched = s[None, :] >= persons.consent_switch[:, c:c + 1]
    eligible = persons.consent_initial[:, c:c + 1] ^ switched
    eligible &= s[None, :] >= persons.arrival[:, None]
    eligible &= s[None, :] < persons.erasure_day[:, None]
    if channel in ("postal", "telemarketing"):
        eligible &= persons.registered[:, None]
    if channel == "push":
        eligible &= s[None, :] >= app_day[:, None]
    weight = _objective_weight(campaigns.objective[ks], s, persons)
    if channel in ("postal", "telemarketing"):
        weight = weight * _SEGMENT_WEIGHT[persons.segment][:, None]
    share = np.minimum(campaigns.share[ks][None, :] * weight, 1)
    chosen = eligible & (rng.random((n, len(ks))) < share)
    person, k = np.nonzero(chosen)
    day = s[k]
    effective = np.ones(len(person), dtype=bool)
    if channel == "postal":
        true_addr = (persons.move_day[person] <= day[:, None]).sum(axis=1) - 1
        crm_addr = crm_address_index(crm_known, person, day)
        p_lost = np.where(crm_addr != true_addr, 0.85, 0.01)
        effective = rng.random(len(person)) >= p_lost
    elif channel == "telemarketing":
        effective = rng.random(len(person)) < 0.6
    send_hour = {"email": 7, "sms": 9, "postal": 8, "push": 16, "telemarketing": 9}[channel]
    spread = 8 * 3600 if channel == "telemarketing" else 3 * 3600
    second = send_hour * 3600 + rng.integers(0, spread, len(person))
    return Touches(person, day, ks[k], second, effective)


def _paid_clicks(
    channel: str, persons: Persons, campaigns: Campaigns, days: int, rng: np.random.Generator
) -> Touches:
    n = len(persons)
    ks = campaigns.of_channel(channel)
    if not len(ks) or not n or days <= 0:
        return _empty_touches()
    index = CHANNELS.index(channel)
    first = np.clip(persons.arrival - 60, 0, days)
    last = np.clip(np.minimum(persons.erasure_day, days), 0, days)
    span = np.maximum(last - first, 0)
    expected = PAID_CLICKS_PER_YEAR[channel] * persons.responsiveness[:, index] * span / 365.0
    counts = rng.poisson(expected)
    person = np.repeat(np.arange(n), counts)
    day = first[person] + (rng.random(len(person)) * span[person]).astype(np.int64)
    block = np.searchsorted(campaigns.start[ks], day, side="right") - 1
    second = rng.integers(6 * 3600, 23 * 3600, len(person))
    return Touches(person, day, ks[block], second, np.ones(len(person), dtype=bool))


def _empty_touches() -> Touches:
    empty = np.zeros(0, dtype=np.int64)
    return Touches(empty, empty, empty, empty, np.zeros(0, dtype=bool))


def _stages(
    persons: Persons, buy_person: np.ndarray, buy_day: np.ndarray, wb: np.ndarray, c2: np.ndarray,
    days: int,
) -> list[tuple[int, str, int, int | None]]:
    out: list[tuple[int, str, int, int | None]] = []
    bounds = np.searchsorted(buy_person, np.arange(len(persons) + 1))
    for i in range(len(persons)):
        buys = buy_day[bounds[i]:bounds[i + 1]]
        end = min(int(persons.erasure_day[i]), days)
        events = _stage_events(int(persons.arrival[i]), buys, int(persons.churn_day[i]),
                               int(wb[i]), int(c2[i]))
        # clip to the window and merge consecutive equal stages
        clipped: list[tuple[str, int]] = []
        for stage, start in events:
            if start >= end:
                break
            start = max(start, 0)
            if clipped and clipped[-1][1] == start:
                clipped.pop()
            if clipped and clipped[-1][0] == stage:
                continue
            clipped.append((stage, start))
        for j, (stage, start) in enumerate(clipped):
            stop = clipped[j + 1][1] if j + 1 < len(clipped) else (end if end < days else None)
            out.append((i, stage, start, stop))
    return out


def _stage_events(arrival: int, buys: np.ndarray, churn: int, wb: int, c2: int
                  ) -> list[tuple[str, int]]:
    """Stage changes (stage, day) in time order, before clipping to the window."""
    events: list[tuple[str, int]] = [("prospect", arrival)]
    if not len(buys):
        return events
    first = int(buys[0])
    events.append(("onboarding", first))
    active_end = churn if first < churn else (c2 if wb < NEVER else NEVER)
    third = int(buys[LOYAL_PURCHASES - 1]) if len(buys) >= LOYAL_PURCHASES else NEVER
    after_onboarding = first + ONBOARDING_DAYS
    if after_onboarding < active_end:
        events.append(("loyal" if third <= after_onboarding else "developing", after_onboarding))
        if after_onboarding < third < active_end:
            events.append(("loyal", third))
    if first < churn:
        if wb < NEVER:
            events += [("at_risk", churn)]
            if churn + AT_RISK_DAYS < wb:
                events.append(("lapsed", churn + AT_RISK_DAYS))
            events.append(("won_back", wb))
            after = wb + WON_BACK_DAYS
            if after < c2:
                count = int((buys < after).sum())
                events.append(("loyal" if count >= LOYAL_PURCHASES else "developing", after))
                later = buys[buys >= after]
                if count < LOYAL_PURCHASES and len(later) >= LOYAL_PURCHASES - count:
                    third_after = int(later[LOYAL_PURCHASES - count - 1])
                    if third_after < c2:
                        events.append(("loyal", third_after))
            events += [("at_risk", c2), ("lapsed", c2 + AT_RISK_DAYS)]
        else:
            events += [("at_risk", churn), ("lapsed", churn + AT_RISK_DAYS)]
    elif c2 < NEVER:
        events += [("at_risk", c2), ("lapsed", c2 + AT_RISK_DAYS)]
    return sorted(events, key=lambda e: e[1])
