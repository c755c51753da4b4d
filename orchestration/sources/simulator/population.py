"""The person model: who the simulated people truly are (names, addresses, contacts, latents)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.sources.catalog import CONSENT_CHANNELS
from orchestration.sources.simulator import nordic
from orchestration.sources.simulator.config import HISTORY_DAYS, BehaviourConfig
from orchestration.sources.simulator.phones import mobile_numbers
from orchestration.sources.simulator.util import to_object

NEVER = 1 << 30
"""Day index meaning 'does not happen'."""
MAX_MOVES = 2
_BIJECTION = 7_919_021  # coprime with 10**7: maps person index to a unique 7-digit number


@dataclass
class Persons:
    """Arrays of one chunk of persons; day values are indices into the window (may be < 0)."""

    gidx: np.ndarray  # global person index
    person_id: np.ndarray
    country: np.ndarray
    given: np.ndarray  # (n, 3) object, None where absent
    n_given: np.ndarray
    preferred_index: np.ndarray
    surname: np.ndarray
    birth_day: np.ndarray  # epoch day
    street: np.ndarray  # (n, 1 + MAX_MOVES) object
    postal_code: np.ndarray
    city: np.ndarray
    move_day: np.ndarray  # (n, 1 + MAX_MOVES), column 0 = -NEVER, NEVER when no move
    email1: np.ndarray  # None when the person has no e-mail
    email2: np.ndarray  # changed e-mail, None when unchanged
    email_change_day: np.ndarray
    phone_cc: np.ndarray
    phone_nsn: np.ndarray
    segment: np.ndarray
    responsiveness: np.ndarray  # (n, len(CHANNELS))
    arrival: np.ndarray
    registered: np.ndarray
    has_account: np.ndarray
    has_app: np.ndarray
    churn_day: np.ndarray
    consent_initial: np.ndarray  # (n, len(CONSENT_CHANNELS)) bool
    consent_switch: np.ndarray  # (n, len(CONSENT_CHANNELS)) day of the single change
    erasure_day: np.ndarray
    is_internal: np.ndarray
    complainer: np.ndarray
    devices: np.ndarray

    def __len__(self) -> int:
        return len(self.gidx)

    @property
    def preferred(self) -> np.ndarray:
        return self.given[np.arange(len(self)), self.preferred_index]

    @property
    def first_given(self) -> np.ndarray:
        return self.given[:, 0]

    @property
    def given_names(self) -> np.ndarray:
        return to_object([" ".join(g for g in row if g) for row in self.given])

    @property
    def phone_e164(self) -> np.ndarray:
        return to_object(["+" + c + s for c, s in zip(self.phone_cc, self.phone_nsn, strict=True)])

    def address_index(self, day: np.ndarray | int) -> np.ndarray:
        """Which address (0..MAX_MOVES) each person truly lives at on ``day``."""
        day = np.broadcast_to(np.asarray(day), (len(self),))
        return (self.move_day <= day[:, None]).sum(axis=1) - 1

    def consent_at(self, persons_index: np.ndarray, channel: str, day: np.ndarray) -> np.ndarray:
        """Consent state for rows (person index, day): initial state flipped at the switch day,
        always false from the erasure day and before arrival."""
        c = CONSENT_CHANNELS.index(channel)
        i = persons_index
        state = self.consent_initial[i, c] ^ (day >= self.consent_switch[i, c])
        return state & (day < self.erasure_day[i]) & (day >= self.arrival[i])


def _pick(rng: np.random.Generator, table: tuple[str, ...], size: int) -> np.ndarray:
    return to_object(table)[rng.integers(0, len(table), size)]


def _ascii_local(text: str) -> str:
    return text.translate(nordic.ASCII_FOLD).lower().replace(" ", "")


def simulate_persons(
    gidx: np.ndarray, days: int, behaviour: BehaviourConfig, mess_changed_email: float,
    rng: np.random.Generator,
) -> Persons:
    """Draw a chunk of persons with global indices ``gidx`` over a window of ``days``."""
    n = len(gidx)
    codes = [c for c, _ in behaviour.countries]
    shares = np.array([s for _, s in behaviour.countries])
    country = to_object(codes)[rng.choice(len(codes), n, p=shares / shares.sum())]
    female = rng.random(n) < 0.5
    n_given = rng.choice([1, 2, 3], n, p=[0.3, 0.55, 0.15])
    given = np.empty((n, 3), dtype=object)
    surname = np.empty(n, dtype=object)
    street = np.empty((n, 1 + MAX_MOVES), dtype=object)
    postal = np.empty((n, 1 + MAX_MOVES), dtype=object)
    city = np.empty((n, 1 + MAX_MOVES), dtype=object)
    email1 = np.empty(n, dtype=object)
    email2 = np.empty(n, dtype=object)
    phone_cc = np.empty(n, dtype=object)
    phone_nsn = np.empty(n, dtype=object)
    unique7 = (gidx.astype(np.int64) * _BIJECTION + 1_234_567) % 10**7
    unique7b = (gidx.astype(np.int64) * 3_001_003 + 7_654_321) % 10**7
    for code in nordic.COUNTRIES:
        rows = np.flatnonzero(country == code)
        m = len(rows)
        if not m:
            continue
        fem = female[rows]
        for k in range(3):
            names = np.where(fem, _pick(rng, nordic.FEMALE[code], m),
                             _pick(rng, nordic.MALE[code], m))
            given[rows, k] = np.where(n_given[rows] > k, names, None)
        surname[rows] = _pick(rng, nordic.SURNAMES[code], m)
        cities = nordic.CITIES[code]
        for a in range(1 + MAX_MOVES):
            street[rows, a] = [
                f"{s} {num}" for s, num in zip(
                    _pick(rng, nordic.STREETS[code], m), rng.integers(1, 120, m), strict=True)
            ]
            which = rng.integers(0, len(cities), m)
            low = np.array([cities[w][1] for w in which])
            high = np.array([cities[w][2] for w in which])
            number = low + (rng.random(m) * (high - low + 1)).astype(np.int64)
            postal[rows, a] = [_postal(code, int(x)) for x in number]
            city[rows, a] = [cities[w][0] for w in which]
        cc, nsn_digits, blocks = nordic.PHONE_PREFIXES[code]
        phone_cc[rows] = cc
        phone_nsn[rows] = mobile_numbers(blocks, nsn_digits, unique7[rows],
                                         rng.integers(0, len(blocks), m))
        domains = _pick(rng, nordic.EMAIL_DOMAINS[code], m)
        new_domains = _pick(rng, nordic.CHANGED_EMAIL_DOMAINS, m)
        for j, i in enumerate(rows):
            g = _ascii_local(given[i, 0])
            s = _ascii_local(surname[i])
            email1[i] = f"{g}.{s}{unique7[i]}@{domains[j]}"
            email2[i] = f"{g[:1]}_{s}{unique7b[i]}@{new_domains[j]}"
    # no repeated given names within a person: drop repeats, keep the rest in order
    for i in range(n):
        names = list(dict.fromkeys(g for g in given[i] if g))
        given[i] = names + [None] * (3 - len(names))
    # the preferred given name (tilltalsnamn) is often not the first one
    preferred_index = np.zeros(n, dtype=np.int64)
    n_real = (given != None).sum(axis=1)  # noqa: E711
    other = (rng.random(n) < 0.45) & (n_real > 1)
    preferred_index[other] = 1 + (rng.random(other.sum()) * (n_real[other] - 1)).astype(np.int64)
    ages = rng.uniform(18, 85, n)
    birth_day = (20_390 - ages * 365.25).astype(np.int64)  # epoch day ≈ 2025-10-31 minus age
    # moves: up to two during the window
    move_day = np.full((n, 1 + MAX_MOVES), NEVER, dtype=np.int64)
    move_day[:, 0] = -NEVER
    yearly = behaviour.move_rate_per_year * days / 365.0
    n_moves = np.minimum(rng.poisson(yearly, n), MAX_MOVES)
    draws = np.sort(rng.integers(1, max(days, 2), (n, MAX_MOVES)), axis=1)
    for k in range(MAX_MOVES):
        move_day[:, k + 1] = np.where(n_moves > k, draws[:, k], NEVER)
    registered = rng.random(n) < behaviour.registered_share
    has_email = registered | (rng.random(n) < behaviour.email_share)  # accounts need e-mail
    email1[~has_email] = None
    changes = has_email & (rng.random(n) < mess_changed_email)
    email_change_day = np.where(changes, rng.integers(1, max(days, 2), n), NEVER)
    email2[~changes] = None
    # latent value segment, responsiveness, life cycle
    segment = rng.choice(4, n, p=np.array(behaviour.segment_shares) / sum(behaviour.segment_shares))
    responsiveness = rng.lognormal(-0.18, 0.6, (n, len(behaviour.channel_effects)))
    existing = rng.random(n) < behaviour.existing_share
    arrival = np.where(existing, -rng.integers(1, HISTORY_DAYS + 1, n),
                       rng.integers(0, max(days, 1), n))
    has_account = registered & (rng.random(n) < behaviour.account_share)
    has_app = registered & (rng.random(n) < behaviour.app_share)
    churn_day = arrival + rng.exponential(behaviour.mean_lifetime_days, n).astype(np.int64)
    base = np.array([0.85, 0.55, 0.6, 0.2, 0.35])  # email, sms, postal, phone, push opted in
    consent_initial = rng.random((n, len(CONSENT_CHANNELS))) < base
    consent_initial[:, CONSENT_CHANNELS.index("email")] &= has_email
    consent_initial[:, CONSENT_CHANNELS.index("push")] &= has_app
    switch = rng.random((n, len(CONSENT_CHANNELS))) < 0.12
    start = np.maximum(arrival, 0)[:, None]
    switch_day = start + (rng.random((n, len(CONSENT_CHANNELS))) * (days - start + 1)).astype(
        np.int64)
    consent_switch = np.where(switch & (switch_day < days), switch_day, NEVER)
    # a switch to opt-in needs the channel to exist for the person
    cannot = ~has_email
    consent_switch[cannot, CONSENT_CHANNELS.index("email")] = NEVER
    consent_switch[~has_app, CONSENT_CHANNELS.index("push")] = NEVER
    erased = rng.random(n) < behaviour.erasure_rate
    erasure_day = np.where(
        erased,
        np.maximum(start[:, 0], 0) + (rng.random(n) * (days - start[:, 0])).astype(np.int64),
        NEVER)
    erasure_day = np.where(erasure_day < days, erasure_day, NEVER)
    return Persons(
        gidx=gidx,
        person_id=to_object([f"P{g:08d}" for g in gidx]),
        country=country,
        given=given,
        n_given=n_real,
        preferred_index=preferred_index,
        surname=surname,
        birth_day=birth_day,
        street=street,
        postal_code=postal,
        city=city,
        move_day=move_day,
        email1=email1,
        email2=email2,
        email_change_day=email_change_day,
        phone_cc=phone_cc,
        phone_nsn=phone_nsn,
        segment=segment,
        responsiveness=responsiveness,
        arrival=arrival,
        registered=registered,
        has_account=has_account,
        has_app=has_app,
        churn_day=churn_day,
        consent_initial=consent_initial,
        consent_switch=consent_switch,
        erasure_day=erasure_day,
        is_internal=np.zeros(n, dtype=bool),
        complainer=rng.random(n) < 0.02,
        devices=rng.choice([1, 2, 3], n, p=[0.5, 0.35, 0.15]),
    )


def _postal(country: str, number: int) -> str:
    if country == "SE":
        text = f"{number:05d}"
        return f"{text[:3]} {text[3:]}"
    if country == "FI":
        return f"{number:05d}"
    return f"{number:04d}"


def email_at(persons: Persons, index: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The person's true e-mail on ``day`` (None when they have none)."""
    changed = day >= persons.email_change_day[index]
    return np.where(changed, persons.email2[index], persons.email1[index])
