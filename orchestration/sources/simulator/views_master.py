"""Master-data views: CRM customers, web-shop accounts, ESP subscribers, app users, consent,
erasure requests — each system's own, distorted copy of who the person is."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from orchestration.sources.catalog import CONSENT_CHANNELS
from orchestration.sources.simulator import nordic
from orchestration.sources.simulator.behaviour import crm_address_index
from orchestration.sources.simulator.context import Chunk
from orchestration.sources.simulator.phones import typed_phones
from orchestration.sources.simulator.population import MAX_MOVES, NEVER
from orchestration.sources.simulator.util import (
    case_noise,
    email_noise,
    name_noise,
    null_out,
    to_object,
    typos,
)


def _second(ch: Chunk, n: int, low: int = 6, high: int = 22) -> np.ndarray:
    return ch.rng.integers(low * 3600, high * 3600, n)


def _postal_noise(values: np.ndarray, country: np.ndarray, rng: np.random.Generator
                  ) -> np.ndarray:
    """Swedish codes sometimes lose their space; some codes get a country prefix."""
    out = values.copy()
    r = rng.random(len(values))
    for i in np.flatnonzero(r < 0.15):
        if out[i] is None:
            continue
        if country[i] == "SE":
            out[i] = out[i].replace(" ", "")
        elif r[i] < 0.03:
            out[i] = f"{country[i]}-{out[i]}"
    return out


def _single_given(ch: Chunk, rows: np.ndarray) -> np.ndarray:
    """A one-given-name field: the preferred name, or the first given name at the mess rate."""
    p = ch.persons
    first = ch.rng.random(len(rows)) < ch.mess.first_given_name_rate
    return np.where(first, p.first_given[rows], p.preferred[rows])


def _address_columns(ch: Chunk, person: np.ndarray, address: np.ndarray) -> dict[str, np.ndarray]:
    p, rng, mess = ch.persons, ch.rng, ch.mess
    country = p.country[person]
    street = null_out(p.street[person, address], mess.missing_value_rate, rng)
    postal = _postal_noise(p.postal_code[person, address], country, rng)
    postal = null_out(postal, mess.missing_value_rate, rng)
    city = null_out(case_noise(p.city[person, address], mess.case_noise_rate, rng),
                    mess.missing_value_rate, rng)
    names = np.array([nordic.COUNTRY_NAMES[c] for c in country], dtype=object)
    country_text = np.where(rng.random(len(person)) < 0.05, names, country)
    return {"street": street, "postal_code": postal, "city": city, "country": country_text}


def _versions(ch: Chunk, people: np.ndarray, first_day: np.ndarray, extra: list[tuple]
              ) -> tuple[np.ndarray, np.ndarray]:
    """(person, day) of every version: the first plus (mask, day) extras, by person and day."""
    person = [people]
    day = [first_day]
    for mask, when in extra:
        keep = mask & (when < ch.days) & (when > first_day)
        person.append(people[keep])
        day.append(when[keep])
    person_all = np.concatenate(person)
    day_all = np.concatenate(day)
    order = np.lexsort((day_all, person_all))
    return person_all[order], day_all[order]


def crm_customers(ch: Chunk) -> None:
    p, b, rng, mess = ch.persons, ch.behaviour, ch.rng, ch.mess
    n = len(p)
    ch.customer_number = to_object(
        [str(10_000_000 + (int(g) * 7_919_021 + 4_242) % 10**7) for g in p.gidx])
    reg = np.flatnonzero(p.registered)
    p.is_internal[reg] = rng.random(len(reg)) < mess.internal_record_rate
    # values as typed into the CRM once (sticky across versions), indexed by chunk row
    given = np.empty(n, dtype=object)
    given[reg] = name_noise(p.given_names[reg], mess, rng)
    preferred = np.empty(n, dtype=object)
    preferred[reg] = np.where(rng.random(len(reg)) < 0.5, p.preferred[reg], None)
    surname = np.empty(n, dtype=object)
    surname[reg] = name_noise(p.surname[reg], mess, rng)
    birth = to_object(list(p.birth_day))
    birth[reg] = null_out(birth[reg], mess.missing_value_rate, rng)
    email1 = np.empty(n, dtype=object)
    email2 = np.empty(n, dtype=object)
    email1[reg] = null_out(email_noise(p.email1[reg], mess, rng), mess.missing_value_rate, rng)
    email2[reg] = email_noise(p.email2[reg], mess, rng)
    phone = np.empty(n, dtype=object)
    phone[reg] = null_out(
        typed_phones(p.phone_cc[reg], p.phone_nsn[reg], mess.invalid_phone_rate, rng),
        mess.missing_value_rate, rng)
    email_known = np.where(
        (p.email_change_day < NEVER) & (rng.random(n) < 0.6),
        p.email_change_day + rng.integers(0, 20, n), NEVER)
    created_second = _second(ch, n)
    extra = [(b.crm_address_known[reg, k] < NEVER, b.crm_address_known[reg, k])
             for k in range(1, 1 + MAX_MOVES)]
    extra.append((email_known[reg] < NEVER, email_known[reg]))
    touch = rng.random(len(reg)) < 0.1
    start = np.maximum(p.arrival[reg], 0)
    extra.append((touch, start + (rng.random(len(reg)) * (ch.days - start)).astype(np.int64)))
    person, day = _versions(ch, reg, p.arrival[reg], extra)
    address = crm_address_index(b.crm_address_known, person, day)
    email = np.where(day >= email_known[person], email2[person], email1[person])
    ctype = np.where(p.is_internal[person], "internal", "private").astype(object)
    columns = {
        "customer_number": ch.customer_number[person],
        "given_names": given[person],
        "preferred_name": preferred[person],
        "surname": surname[person],
        "birth_date": birth[person],
        "email": email,
        "phone": phone[person],
        **_address_columns(ch, person, address),
        "customer_type": ctype,
        "created_at": ch.seconds(p.arrival[person], created_second[person]),
        "updated_at": np.where(day == p.arrival[person],
                               ch.seconds(day, created_second[person]),
                               ch.seconds(day, _second(ch, len(day)))),
    }
    ch.record_truth("crm", ch.customer_number[reg], reg)
    dup_rows, dup_columns = _crm_duplicates(ch, reg)
    test_columns = _crm_tests(ch, len(reg))
    for extra_columns in (dup_columns, test_columns):
        for name in columns:
            columns[name] = np.concatenate([columns[name], extra_columns[name]])
    ch.emitter.emit("crm__customers", columns)
    ch.record_truth("crm", dup_columns["customer_number"], dup_rows)


def _crm_duplicates(ch: Chunk, reg: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    p, rng, mess = ch.persons, ch.rng, ch.mess
    dup = reg[rng.random(len(reg)) < mess.duplicate_crm_rate]
    day = p.arrival[dup] + rng.integers(30, 400, len(dup))
    keep = day < ch.days
    dup, day = dup[keep], day[keep]
    only_first = rng.random(len(dup)) < 0.5
    given = np.where(only_first, p.first_given[dup], p.given_names[dup])
    address = p.address_index(np.zeros(len(p), dtype=np.int64))[dup]
    moved = (p.move_day[dup] <= day[:, None]).sum(axis=1) - 1
    address = np.maximum(address, moved)
    numbers = to_object(
        [str(20_000_000 + (int(g) * 3_000_017 + 77) % 10**7) for g in p.gidx[dup]])
    second = _second(ch, len(dup))
    columns = {
        "customer_number": numbers,
        "given_names": typos(name_noise(given, mess, rng), mess.typo_rate * 2, rng),
        "preferred_name": to_object([None] * len(dup)),
        "surname": name_noise(p.surname[dup], mess, rng),
        "birth_date": null_out(to_object(list(p.birth_day[dup])), 0.4, rng),
        "email": np.where(rng.random(len(dup)) < 0.5,
                          email_noise(p.email1[dup], mess, rng), None),
        "phone": typed_phones(p.phone_cc[dup], p.phone_nsn[dup], mess.invalid_phone_rate, rng),
        **_address_columns(ch, dup, address),
        "customer_type": to_object(["private"] * len(dup)),
        "created_at": ch.seconds(day, second),
        "updated_at": ch.seconds(day, second),
    }
    return dup, columns


def _crm_tests(ch: Chunk, registered: int) -> dict[str, np.ndarray]:
    rng = ch.rng
    count = int(rng.binomial(registered, ch.mess.test_record_rate)) if registered else 0
    numbers = to_object([str(90_000_000 + ch.index * 1000 + k) for k in range(count)])
    day = rng.integers(0, max(ch.days, 1), count)
    second = _second(ch, count)
    columns = {
        "customer_number": numbers,
        "given_names": to_object(["Test"] * count),
        "preferred_name": to_object([None] * count),
        "surname": to_object([("Testsson", "Testkund", "TEST")[k % 3] for k in range(count)]),
        "birth_date": to_object([None] * count),
        "email": to_object([f"test{ch.index}.{k}@kundresa-test.se" for k in range(count)]),
        "phone": to_object(["+46700000000"] * count),
        "street": to_object(["Testgatan 1"] * count),
        "postal_code": to_object(["111 11"] * count),
        "city": to_object(["Stockholm"] * count),
        "country": to_object(["SE"] * count),
        "customer_type": to_object(["test"] * count),
        "created_at": ch.seconds(day, second),
        "updated_at": ch.seconds(day, second),
    }
    persons = to_object([f"test:{x}" for x in numbers])
    ch.truth_records.setdefault("crm", []).append(
        (pa.array(numbers, pa.string()), pa.array(persons, pa.string())))
    return columns


def webshop_accounts(ch: Chunk) -> None:
    p, b, rng, mess = ch.persons, ch.behaviour, ch.rng, ch.mess
    n = len(p)
    first_buy = np.full(n, NEVER, dtype=np.int64)
    np.minimum.at(first_buy, b.buy_person, b.buy_day)
    holder = p.registered & (p.has_account | (first_buy < NEVER))
    account_day = np.where(p.has_account, p.arrival, first_buy)
    account_day = np.where(holder, account_day, NEVER)
    ch.account_day = account_day
    rows = np.flatnonzero(holder & (account_day < ch.days))
    ch.account_id = np.empty(n, dtype=object)
    ch.account_id[rows] = ch.person_ids("A", "account", rows)
    linked = np.where(rng.random(n) < 0.7, ch.customer_number, None)
    known = np.full((n, 1 + MAX_MOVES), NEVER, dtype=np.int64)
    known[:, 0] = account_day
    for k in range(1, 1 + MAX_MOVES):
        told = rng.random(n) < 0.85
        moved = p.move_day[:, k] < NEVER
        lag = p.move_day[:, k] + rng.integers(0, 10, n)
        known[:, k] = np.where(moved & (p.move_day[:, k] <= account_day), account_day,
                               np.where(moved & told, lag, NEVER))
    email_known = np.where((p.email_change_day < NEVER) & (rng.random(n) < 0.9),
                           p.email_change_day + rng.integers(0, 5, n), NEVER)
    email_known = np.maximum(email_known, np.where(p.email_change_day <= account_day,
                                                   account_day, email_known))
    typed1 = np.empty(n, dtype=object)
    typed2 = np.empty(n, dtype=object)
    typed1[rows] = email_noise(p.email1[rows], mess, rng)
    typed2[rows] = email_noise(p.email2[rows], mess, rng)
    first_name = np.empty(n, dtype=object)
    first_name[rows] = name_noise(_single_given(ch, rows), mess, rng)
    last_name = np.empty(n, dtype=object)
    last_name[rows] = name_noise(p.surname[rows], mess, rng)
    phone = np.empty(n, dtype=object)
    phone[rows] = null_out(
        typed_phones(p.phone_cc[rows], p.phone_nsn[rows], mess.invalid_phone_rate, rng), 0.4, rng)
    verified = to_object(np.where(rng.random(n) < 0.82, True, False).tolist())
    verified = null_out(verified, 0.05, rng)
    created_second = _second(ch, n)
    extra = [(known[rows, k] < NEVER, known[rows, k]) for k in range(1, 1 + MAX_MOVES)]
    extra.append((email_known[rows] < NEVER, email_known[rows]))
    person, day = _versions(ch, rows, account_day[rows], extra)
    address = (known[person] <= day[:, None]).sum(axis=1) - 1
    email = np.where(day >= email_known[person], typed2[person], typed1[person])
    email = np.where(email == None, typed1[person], email)  # noqa: E711
    columns = {
        "account_id": ch.account_id[person],
        "customer_number": linked[person],
        "email": email,
        "email_verified": verified[person],
        "first_name": first_name[person],
        "last_name": last_name[person],
        "phone": phone[person],
        **_address_columns(ch, person, address),
        "created_at": ch.seconds(account_day[person], created_second[person]),
        "updated_at": np.where(day == account_day[person],
                               ch.seconds(day, created_second[person]),
                               ch.seconds(day, _second(ch, len(day)))),
    }
    ch.record_truth("webshop", ch.account_id[rows], rows)
    dup_columns = _duplicate_accounts(ch, rows, account_day)
    for name in columns:
        columns[name] = np.concatenate([columns[name], dup_columns[name]])
    ch.emitter.emit("webshop__accounts", columns)


def _duplicate_accounts(ch: Chunk, rows: np.ndarray, account_day: np.ndarray
                        ) -> dict[str, np.ndarray]:
    p, rng, mess = ch.persons, ch.rng, ch.mess
    n = len(p)
    dup = rows[rng.random(len(rows)) < mess.duplicate_account_rate]
    day = account_day[dup] + rng.integers(20, 300, len(dup))
    keep = day < ch.days
    dup, day = dup[keep], day[keep]
    ch.dup_account_id = np.empty(n, dtype=object)
    ch.dup_account_day = np.full(n, NEVER, dtype=np.int64)
    ch.dup_account_id[dup] = ch.person_ids("A", "dup_account", dup)
    ch.dup_account_day[dup] = day
    work = to_object([
        f"{g.translate(nordic.ASCII_FOLD).lower()}."
        f"{s.translate(nordic.ASCII_FOLD).lower().replace(' ', '')}{int(x) % 1000}@{d}"
        for g, s, x, d in zip(p.first_given[dup], p.surname[dup], p.gidx[dup],
                              np.array(nordic.WORK_EMAIL_DOMAINS, dtype=object)[
                                  rng.integers(0, len(nordic.WORK_EMAIL_DOMAINS), len(dup))],
                              strict=True)
    ])
    address = (p.move_day[dup] <= day[:, None]).sum(axis=1) - 1
    second = _second(ch, len(dup))
    ch.record_truth("webshop", ch.dup_account_id[dup], dup)
    return {
        "account_id": ch.dup_account_id[dup],
        "customer_number": to_object([None] * len(dup)),
        "email": email_noise(work, mess, rng),
        "email_verified": to_object([False] * len(dup)),
        "first_name": name_noise(p.first_given[dup], mess, rng),
        "last_name": typos(name_noise(p.surname[dup], mess, rng), mess.typo_rate, rng),
        "phone": null_out(typed_phones(p.phone_cc[dup], p.phone_nsn[dup],
                                       mess.invalid_phone_rate, rng), 0.6, rng),
        **_address_columns(ch, dup, address),
        "created_at": ch.seconds(day, second),
        "updated_at": ch.seconds(day, second),
    }


def esp_subscribers(ch: Chunk) -> None:
    """E-mail subscribers: one per (person, e-mail) that was opted in to e-mail."""
    p, rng, mess = ch.persons, ch.rng, ch.mess
    n = len(p)
    c = CONSENT_CHANNELS.index("email")
    has = p.email1 != None  # noqa: E711
    start = p.arrival
    initial = p.consent_initial[:, c] & has
    switched_on = ~p.consent_initial[:, c] & (p.consent_switch[:, c] < ch.days) & has
    day1 = np.where(initial, start, np.where(switched_on, p.consent_switch[:, c], NEVER))
    day1 = np.where(day1 < np.minimum(p.erasure_day, ch.days), day1, NEVER)
    change = p.email_change_day
    consent_at_change = p.consent_at(np.arange(n), "email", change)
    day2 = np.where((change < ch.days) & (change > day1) & (day1 < NEVER) & consent_at_change,
                    change, NEVER)
    rows1 = np.flatnonzero(day1 < NEVER)
    rows2 = np.flatnonzero(day2 < NEVER)
    email_first = np.where(day1 >= change, p.email2, p.email1)
    sub1 = np.empty(n, dtype=object)
    sub2 = np.empty(n, dtype=object)
    sub1[rows1] = ch.person_ids("S", "subscriber", rows1)
    sub2[rows2] = to_object([s + "2" for s in ch.person_ids("S", "subscriber", rows2)])
    typed1 = np.empty(n, dtype=object)
    typed2 = np.empty(n, dtype=object)
    typed1[rows1] = email_noise(email_first[rows1], mess, rng)
    typed2[rows2] = email_noise(p.email2[rows2], mess, rng)
    ch.subscriber = {"id1": sub1, "id2": sub2, "email1": typed1, "email2": typed2,
                     "day2": day2}
    person = np.concatenate([rows1, rows2])
    ids = np.concatenate([sub1[rows1], sub2[rows2]])
    emails = np.concatenate([typed1[rows1], typed2[rows2]])
    days = np.concatenate([day1[rows1], day2[rows2]])
    names = null_out(case_noise(_single_given(ch, person), mess.case_noise_rate, rng), 0.3, rng)
    ch.emitter.emit("esp__subscribers", {
        "subscriber_id": ids,
        "email": emails,
        "first_name": names,
        "subscribed_at": ch.seconds(days, _second(ch, len(person))),
    })
    ch.record_truth("esp", ids, person)


def app_users(ch: Chunk) -> None:
    p, b, rng, mess = ch.persons, ch.behaviour, ch.rng, ch.mess
    n = len(p)
    rows = np.flatnonzero((b.app_day < ch.days) & (b.app_day < p.erasure_day))
    ch.app_user_id = np.empty(n, dtype=object)
    ch.app_user_id[rows] = ch.person_ids("U", "app_user", rows)
    c = CONSENT_CHANNELS.index("push")
    email_known = np.where(rng.random(n) < 0.5, p.email_change_day, NEVER)
    extra = [(email_known[rows] < NEVER, email_known[rows]),
             (p.consent_switch[rows, c] < NEVER, p.consent_switch[rows, c])]
    person, day = _versions(ch, rows, b.app_day[rows], extra)
    typed1 = np.empty(n, dtype=object)
    typed2 = np.empty(n, dtype=object)
    typed1[rows] = email_noise(p.email1[rows], mess, rng)
    typed2[rows] = email_noise(p.email2[rows], mess, rng)
    given = np.empty(n, dtype=object)
    given[rows] = case_noise(_single_given(ch, rows), mess.case_noise_rate, rng)
    current2 = (day >= email_known[person]) | (b.app_day[person] >= p.email_change_day[person])
    ch.emitter.emit("app__users", {
        "app_user_id": ch.app_user_id[person],
        "email": np.where(current2 & (typed2[person] != None), typed2[person],  # noqa: E711
                          typed1[person]),
        "given_name": given[person],
        "push_enabled": p.consent_at(person, "push", day),
        "created_at": ch.seconds(day, _second(ch, len(day))),
    })
    ch.record_truth("app", ch.app_user_id[rows], rows)


_VIA = {
    "email": ("webshop", "esp", "preference_center"),
    "sms": ("sms", "preference_center", "webshop"),
    "postal": ("crm", "preference_center"),
    "phone": ("crm", "preference_center"),
    "push": ("app",),
}


def consent_events(ch: Chunk) -> None:
    """Opt-ins at arrival, the one change per channel, and opt-outs at erasure."""
    p, rng = ch.persons, ch.rng
    n = len(p)
    all_rows = np.arange(n)
    person_parts, channel_parts, action_parts, day_parts = [], [], [], []
    for c, channel in enumerate(CONSENT_CHANNELS):
        exists = np.ones(n, dtype=bool)
        if channel == "push":
            exists = ch.app_user_id != None  # noqa: E711
        elif channel == "email":
            exists = p.email1 != None  # noqa: E711
        start = p.arrival if channel != "push" else ch.behaviour.app_day
        on = p.consent_initial[:, c] & exists & (start < ch.days)
        switch = (p.consent_switch[:, c] < ch.days) & exists & (p.consent_switch[:, c] > start)
        switch &= p.consent_switch[:, c] < p.erasure_day
        erased_on = (p.erasure_day < ch.days) & exists & p.consent_at(all_rows, channel,
                                                                        p.erasure_day)
        for mask, day, action in (
            (on, start, np.where(on, "opt_in", "")),
            (switch, p.consent_switch[:, c],
             np.where(p.consent_initial[:, c], "opt_out", "opt_in")),
            (erased_on, p.erasure_day, np.full(n, "opt_out")),
        ):
            rows = np.flatnonzero(mask)
            person_parts.append(rows)
            channel_parts.append(np.full(len(rows), c))
            action_parts.append(action[rows].astype(object))
            day_parts.append(day[rows])
    person = np.concatenate(person_parts)
    channel_index = np.concatenate(channel_parts)
    action = np.concatenate(action_parts)
    day = np.concatenate(day_parts)
    order = np.lexsort((channel_index, day, person))
    person, channel_index, action, day = (
        person[order], channel_index[order], action[order], day[order])
    channels = np.array(CONSENT_CHANNELS, dtype=object)[channel_index]
    email_now = np.where(day >= p.email_change_day[person], p.email2[person], p.email1[person])
    phone = typed_phones(p.phone_cc[person], p.phone_nsn[person], 0.0, rng,
                         shares=(0.7, 0.0, 0.3, 0.0, 0.0))
    registered = p.registered[person]
    subject_type = np.full(len(person), "email", dtype=object)
    subject_value = email_now.copy()
    is_phone = (channels == "sms") | ((channels == "phone") & ~registered)
    is_number = np.isin(channels, ["postal", "phone"]) & registered
    is_push = channels == "push"
    subject_type[is_phone] = "phone"
    subject_value[is_phone] = phone[is_phone]
    subject_type[is_number] = "customer_number"
    subject_value[is_number] = ch.customer_number[person[is_number]]
    subject_type[is_push] = "app_user_id"
    subject_value[is_push] = ch.app_user_id[person[is_push]]
    missing = subject_value == None  # noqa: E711
    subject_type[missing] = "phone"
    subject_value[missing] = phone[missing]
    via = to_object([
        _VIA[c][int(r * len(_VIA[c]))] for c, r in zip(channels, rng.random(len(person)),
                                                         strict=True)
    ])
    ch.emitter.emit("consent__events", {
        "consent_event_id": ch.event_ids("CE", "consent", len(person)),
        "subject_type": subject_type,
        "subject_value": case_noise(subject_value, ch.mess.case_noise_rate / 2, rng),
        "channel": channels,
        "action": action,
        "collected_via": via,
        "recorded_at": ch.seconds(day, _second(ch, len(person))),
    })


def erasure_requests(ch: Chunk) -> None:
    p, rng = ch.persons, ch.rng
    rows = np.flatnonzero(p.erasure_day < ch.days)
    day = p.erasure_day[rows]
    email = np.where(day >= p.email_change_day[rows], p.email2[rows], p.email1[rows])
    number = np.where(p.registered[rows], ch.customer_number[rows], None)
    number = null_out(number, 0.3, rng)
    email = null_out(email, 0.2, rng)
    phone = null_out(typed_phones(p.phone_cc[rows], p.phone_nsn[rows], 0.0, rng), 0.5, rng)
    nothing = (number == None) & (email == None) & (phone == None)  # noqa: E711
    phone[nothing] = to_object(["+" + c + s for c, s in zip(
        p.phone_cc[rows[nothing]], p.phone_nsn[rows[nothing]], strict=True)])
    ch.emitter.emit("consent__erasure_requests", {
        "request_id": ch.event_ids("GDPR", "erasure", len(rows)),
        "customer_number": number,
        "email": email,
        "phone": phone,
        "requested_at": ch.seconds(day, _second(ch, len(rows), 8, 20)),
    })
