"""Global calendars shared by every chunk of persons: campaigns and the product catalogue."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.sources.catalog import CHANNELS
from orchestration.sources.simulator.nordic import PRODUCT_CATEGORIES

OWNED = ("email", "sms", "postal", "push", "telemarketing")
PAID = ("paid_search", "paid_social", "display")

# channel: (days between sends or campaign length, first day, audience share)
_OWNED_RHYTHM = {
    "email": (10, 2, 0.12),
    "sms": (14, 5, 0.12),
    "postal": (45, 10, 0.35),
    "push": (6, 1, 0.5),
    "telemarketing": (30, 15, 0.05),
}
_PAID_LENGTH = {"paid_search": 60, "paid_social": 45, "display": 90}
_OBJECTIVES = ("retention", "retention", "winback", "acquisition", "cross_sell")
_NAMES = {
    "email": "Nyhetsbrev", "sms": "SMS-erbjudande", "postal": "Katalogutskick", "push": "Push",
    "telemarketing": "Telemarketing", "paid_search": "Sök", "paid_social": "Social",
    "display": "Display",
}


@dataclass
class Campaigns:
    campaign_id: np.ndarray  # object
    channel: np.ndarray  # index into CHANNELS
    objective: np.ndarray  # object
    start: np.ndarray  # day index
    end: np.ndarray  # day index (inclusive)
    share: np.ndarray  # audience share (owned) / click weight (paid)
    created: np.ndarray  # day index of creation (may be < 0)
    offer_id: np.ndarray

    def of_channel(self, channel: str) -> np.ndarray:
        return np.flatnonzero(self.channel == CHANNELS.index(channel))


def build_campaigns(days: int, rng: np.random.Generator) -> Campaigns:
    """Owned-channel sends on a fixed rhythm, paid campaigns as consecutive always-on blocks."""
    rows: list[tuple[str, str, int, int, float]] = []
    for channel in OWNED:
        every, first, share = _OWNED_RHYTHM[channel]
        for k, day in enumerate(range(first, days, every)):
            objective = _OBJECTIVES[k % len(_OBJECTIVES)] if channel != "push" else "engagement"
            rows.append((channel, objective, day, min(day + 6, days - 1), share))
    for channel in PAID:
        length = _PAID_LENGTH[channel]
        for day in range(0, days, length):
            rows.append((channel, "acquisition", day, min(day + length - 1, days - 1), 1.0))
    n = len(rows)
    objective = np.empty(n, dtype=object)
    objective[:] = [r[1] for r in rows]
    offer = np.empty(n, dtype=object)
    has_offer = rng.random(n) < 0.6
    offer[:] = [f"OFF{int(x):04d}" if h else None
                for x, h in zip(rng.integers(1, 400, n), has_offer, strict=True)]
    ids = np.empty(n, dtype=object)
    ids[:] = [f"CMP{10001 + k}" for k in range(n)]
    start = np.array([r[2] for r in rows], dtype=np.int64)
    return Campaigns(
        campaign_id=ids,
        channel=np.array([CHANNELS.index(r[0]) for r in rows], dtype=np.int64),
        objective=objective,
        start=start,
        end=np.array([r[3] for r in rows], dtype=np.int64),
        share=np.array([r[4] for r in rows], dtype=float),
        created=start - rng.integers(5, 25, n),
        offer_id=offer,
    )


def campaign_name(campaigns: Campaigns, index: int, first_day_label: str) -> str:
    return f"{_NAMES[CHANNELS[campaigns.channel[index]]]} {first_day_label}"


@dataclass
class Products:
    product_id: np.ndarray
    name: np.ndarray
    category: np.ndarray
    price_sek: np.ndarray  # sorted ascending
    new_price_sek: np.ndarray
    price_change_day: np.ndarray  # NEVER-like large value when unchanged
    launched_day: np.ndarray  # epoch-relative window day (may be < 0)

    def price_on(self, product: np.ndarray, day: np.ndarray) -> np.ndarray:
        changed = day >= self.price_change_day[product]
        return np.where(changed, self.new_price_sek[product], self.price_sek[product])


_VARIANTS = ("grå", "blå", "röd", "svart", "natur")


def build_products(days: int, rng: np.random.Generator) -> Products:
    names: list[str] = []
    categories: list[str] = []
    for category, items in PRODUCT_CATEGORIES:
        for item in items:
            for variant in _VARIANTS[: 2 + int(rng.integers(0, 3))]:
                names.append(f"{item} {variant}")
                categories.append(category)
    n = len(names)
    price = np.round(np.exp(rng.uniform(np.log(49), np.log(2999), n)) / 10) * 10 - 1
    order = np.argsort(price, kind="stable")
    price = price[order]
    name = np.array(names, dtype=object)[order]
    category = np.array(categories, dtype=object)[order]
    changes = rng.random(n) < 0.15
    new_price = np.where(changes, np.round(price * rng.uniform(0.8, 1.2, n) / 10) * 10 - 1, price)
    change_day = np.where(changes, rng.integers(1, max(days, 2), n), 1 << 30)
    ids = np.empty(n, dtype=object)
    ids[:] = [f"SKU{100000 + int(k) * 37}" for k in range(n)]
    return Products(
        product_id=ids,
        name=name,
        category=category,
        price_sek=price,
        new_price_sek=np.maximum(new_price, 9.0),
        price_change_day=change_day,
        launched_day=-rng.integers(30, 2000, n),
    )
