"""Configuration of the simulator: the window, the behaviour model and the mess rates.

All defaults are documented here; ``generate()`` takes a :class:`MessConfig` (how distorted the
source systems' views are) and a :class:`BehaviourConfig` (how persons act). Rates are
probabilities per affected value or record, as each field's comment says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

END_DATE = date(2026, 10, 31)
"""Last day of the observed window (fixed, so output is deterministic)."""

DEFAULT_DAYS = 730
FUTURE_HORIZON_DAYS = 365
HISTORY_DAYS = 365
"""Days simulated before the window: persons known before it arrived within them, and their
purchases there arrive in the first batch (an initial load with original timestamps)."""
CHUNK_PERSONS = 5_000
"""Persons simulated together (part of the determinism contract: changing it changes output)."""


@dataclass(frozen=True)
class MessConfig:
    """How the source systems distort what they see. Each rate is a probability.

    Defaults give clearly messy but usable data; tests raise them to measure them.
    """

    typo_rate: float = 0.03
    """A typed name (call-center caller name, CRM/web-shop/postal names) has one typo."""
    case_noise_rate: float = 0.04
    """A name or e-mail value is written in upper or lower case."""
    whitespace_noise_rate: float = 0.03
    """A name or e-mail value has leading/trailing or doubled white-space."""
    swapped_name_order_rate: float = 0.15
    """A free-text full name (call-center caller name) is written 'Surname Given'."""
    first_given_name_rate: float = 0.35
    """A single-given-name field holds the first given name, not the preferred one
    (only visible when they differ)."""
    ascii_fold_rate: float = 0.05
    """A name is written without diacritics (å→a, ö→o, ø→o, æ→ae)."""
    stale_address_rate: float = 0.5
    """A system is not told about a move (CRM and postal vendor keep the old address)."""
    changed_email_rate: float = 0.12
    """A person changes e-mail address once during the window."""
    duplicate_account_rate: float = 0.04
    """A web-shop customer opens a second account (other e-mail, typed name)."""
    duplicate_crm_rate: float = 0.02
    """A CRM customer gets a second customer number (re-registered in a store)."""
    invalid_email_rate: float = 0.02
    """An e-mail value is syntactically invalid (missing @, double dots, spaces)."""
    invalid_phone_rate: float = 0.02
    """A phone value is not a valid number (digits missing)."""
    missing_value_rate: float = 0.05
    """An optional identity field (phone, birth date, preferred name, address) is null."""
    duplicate_event_rate: float = 0.01
    """An event is sent again (same event id) in a later batch."""
    late_event_rate: float = 0.03
    """An event arrives 1–5 days after its event date."""
    timestamp_notations: tuple[float, float, float, float] = (0.4, 0.2, 0.1, 0.3)
    """Shares of 'Z', '+01:00', '+0100' and naive local notations in text formats."""
    test_record_rate: float = 0.003
    """CRM customers that are test fixtures (customer_type 'test', no real person)."""
    internal_record_rate: float = 0.003
    """CRM customers that are employees (customer_type 'internal', real persons)."""

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if name == "timestamp_notations":
                if len(value) != 4 or min(value) < 0 or abs(sum(value) - 1) > 1e-9:
                    raise ValueError("timestamp_notations must be 4 shares summing to 1")
            elif not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"MessConfig.{name} must be within [0, 1], got {value}")

    @classmethod
    def clean(cls) -> MessConfig:
        """No mess at all (useful to test the pipeline's happy path)."""
        zero = {name: 0.0 for name in cls.__dataclass_fields__ if name != "timestamp_notations"}
        return cls(**zero, timestamp_notations=(1.0, 0.0, 0.0, 0.0))


@dataclass(frozen=True)
class ChannelEffect:
    """Lift of one marketing touch on the daily purchase probability, decaying geometrically."""

    lift: float
    half_life_days: float


@dataclass(frozen=True)
class BehaviourConfig:
    """The person and behaviour model (see simulator/README.md for the rules)."""

    countries: tuple[tuple[str, float], ...] = (
        ("SE", 0.5), ("NO", 0.2), ("DK", 0.18), ("FI", 0.12))
    existing_share: float = 0.6
    """Persons already known before the window starts (the rest arrive during it)."""
    registered_share: float = 0.85
    """Persons who register (CRM customer); the rest stay anonymous prospects."""
    email_share: float = 0.9
    app_share: float = 0.25
    account_share: float = 0.8
    """Registered persons with a web-shop account."""
    move_rate_per_year: float = 0.1
    erasure_rate: float = 0.005
    """Persons who request erasure (GDPR) during the window."""
    yearly_purchase_rate: tuple[float, float, float, float] = (0.6, 1.5, 4.0, 10.0)
    """Baseline yearly orders per value segment (low, medium, high, royal)."""
    segment_shares: tuple[float, float, float, float] = (0.45, 0.3, 0.18, 0.07)
    basket_sek: tuple[float, float, float, float] = (450.0, 700.0, 1100.0, 1800.0)
    mean_lifetime_days: float = 540.0
    """Mean days from arrival to (latent) churn."""
    lapsed_rate_factor: float = 0.08
    """Purchase rate after churn, relative to the active rate (win-back needs marketing)."""
    channel_effects: dict[str, ChannelEffect] = field(
        default_factory=lambda: {
            "email": ChannelEffect(0.25, 2.0),
            "sms": ChannelEffect(0.6, 2.0),
            "postal": ChannelEffect(1.2, 10.0),
            "push": ChannelEffect(0.15, 1.0),
            "telemarketing": ChannelEffect(2.5, 5.0),
            "paid_search": ChannelEffect(4.0, 1.0),
            "paid_social": ChannelEffect(0.6, 2.0),
            "display": ChannelEffect(0.03, 2.0),
        }
    )
    web_sessions_per_year: float = 1.0
    """Organic/direct web sessions per active person and year."""
    app_opens_per_year: float = 4.0
    inbound_calls_per_year: float = 0.25
    nps_invite_share: float = 0.15
    """Delivered orders followed by an NPS survey invitation."""
    nps_response_share: float = 0.35
