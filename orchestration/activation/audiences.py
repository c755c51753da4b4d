"""The marketer's audience file (`dbt_project/audiences.yml`): loading and validation.

An audience names who should get which message in which channel(s): a SQL condition over the
columns of `marts.customer_360`, a priority (higher wins when contact-pressure caps force a
choice), a message id, a holdout percentage (a control group that is never contacted) and a
cadence (at most one message of this audience per customer per that many days). The file also
holds the global contact-pressure caps and suppression settings.

Validation is per audience, so one bad audience never stops the others: :func:`load_config`
returns the valid audiences and, separately, a message per invalid one naming the audience and
the problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from orchestration.settings import DBT_PROJECT_DIR

AUDIENCES_FILE = DBT_PROJECT_DIR / "audiences.yml"

# activation channel → (consent flag in dim_customer, outbox destination)
CHANNELS: dict[str, tuple[str, str]] = {
    "email": ("has_email_consent", "esp"),
    "sms": ("has_sms_consent", "sms"),
    "postal": ("has_postal_consent", "postal"),
    "push": ("has_push_consent", "app"),
    "telemarketing": ("has_phone_consent", "callcenter"),
    "paid_social": ("has_email_consent", "social_ads"),
}

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,48}$")
_FORBIDDEN = re.compile(r";|--|/\*")


class AudienceError(ValueError):
    """An audience definition is invalid; the message starts with the audience's name."""


@dataclass(frozen=True)
class Audience:
    name: str
    description: str
    channels: tuple[str, ...]
    condition: str
    priority: int
    message_id: str
    holdout_percent: float
    cadence_days: int

    @property
    def definition(self) -> dict[str, Any]:
        """The fields that define who is selected (hashed into export manifests)."""
        return {
            "name": self.name,
            "channels": list(self.channels),
            "condition": self.condition,
            "priority": self.priority,
            "message_id": self.message_id,
            "holdout_percent": self.holdout_percent,
            "cadence_days": self.cadence_days,
        }


@dataclass(frozen=True)
class ContactCap:
    days: int
    max_contacts: int


@dataclass(frozen=True)
class ActivationConfig:
    caps: tuple[ContactCap, ...]
    complaint_quiet_period_days: int
    audiences: tuple[Audience, ...]
    invalid: Mapping[str, str] = field(default_factory=dict)  # audience name → problem

    def audience(self, name: str) -> Audience:
        for audience in self.audiences:
            if audience.name == name:
                return audience
        if name in self.invalid:
            raise AudienceError(self.invalid[name])
        raise AudienceError(f"audience {name!r} is not defined")


def condition_columns(condition: str) -> set[str]:
    """Column names a SQL boolean condition refers to (parsed, not pattern-matched)."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(condition, read="duckdb")
    if tree.find(exp.Select, exp.Subquery, exp.Star) is not None:
        raise ValueError("must be a plain boolean expression (no subqueries or *)")
    return {column.name.lower() for column in tree.find_all(exp.Column)}


def _audience(raw: Mapping[str, Any], columns: set[str] | None) -> Audience:
    name = str(raw.get("name", ""))
    where = f"audience {name or '(unnamed)'}"
    if not _NAME.match(name):
        raise AudienceError(f"{where}: name must be lowercase letters, digits and _ (2-49)")
    unknown_keys = set(raw) - {
        "name", "description", "channels", "condition", "priority", "message_id",
        "holdout_percent", "cadence_days",
    }
    if unknown_keys:
        raise AudienceError(f"{where}: unknown setting(s) {', '.join(sorted(unknown_keys))}")
    channels = tuple(raw.get("channels") or ())
    if not channels:
        raise AudienceError(f"{where}: needs at least one channel")
    bad = [c for c in channels if c not in CHANNELS]
    if bad:
        raise AudienceError(
            f"{where}: unknown channel(s) {', '.join(map(str, bad))}; known: {', '.join(CHANNELS)}"
        )
    condition = str(raw.get("condition", "")).strip()
    if not condition or _FORBIDDEN.search(condition):
        raise AudienceError(f"{where}: condition must be one SQL expression without ; or comments")
    try:
        used = condition_columns(condition)
    except Exception as error:  # sqlglot's ParseError and our own ValueError
        raise AudienceError(f"{where}: invalid condition: {str(error).splitlines()[0]}") from None
    if columns is not None:
        missing = sorted(used - columns)
        if missing:
            raise AudienceError(
                f"{where}: condition uses unknown column(s) {', '.join(missing)} "
                "(not in marts.customer_360)"
            )
    try:
        priority = int(raw.get("priority", 0))
        holdout = float(raw.get("holdout_percent", 0))
        cadence = int(raw.get("cadence_days", 30))
    except (TypeError, ValueError) as error:
        raise AudienceError(f"{where}: {error}") from None
    if not 0 <= holdout < 100:
        raise AudienceError(f"{where}: holdout_percent must be in [0, 100), got {holdout}")
    if cadence < 1:
        raise AudienceError(f"{where}: cadence_days must be at least 1, got {cadence}")
    return Audience(
        name=name,
        description=str(raw.get("description", "")).strip(),
        channels=channels,
        condition=condition,
        priority=priority,
        message_id=str(raw.get("message_id") or name.upper()),
        holdout_percent=holdout,
        cadence_days=cadence,
    )


def parse_config(data: Mapping[str, Any], columns: Iterable[str] | None = None) -> ActivationConfig:
    """Validate a loaded audience file; invalid audiences are set aside with their problem."""
    known = {c.lower() for c in columns} if columns is not None else None
    pressure = data.get("contact_pressure") or {}
    caps = tuple(
        ContactCap(days=int(cap["days"]), max_contacts=int(cap["max_contacts"]))
        for cap in pressure.get("caps") or ()
    )
    if any(cap.days < 1 or cap.max_contacts < 0 for cap in caps):
        raise AudienceError("contact_pressure: caps need days >= 1 and max_contacts >= 0")
    audiences: list[Audience] = []
    invalid: dict[str, str] = {}
    seen: set[str] = set()
    for index, raw in enumerate(data.get("audiences") or (), start=1):
        name = str(raw.get("name") or f"#{index}") if isinstance(raw, Mapping) else f"#{index}"
        try:
            if not isinstance(raw, Mapping):
                raise AudienceError(f"audience {name}: must be a mapping")
            if name in seen:
                raise AudienceError(f"audience {name}: defined twice")
            audiences.append(_audience(raw, known))
        except AudienceError as error:
            invalid[name] = str(error)
        seen.add(name)
    return ActivationConfig(
        caps=caps,
        complaint_quiet_period_days=int(pressure.get("complaint_quiet_period_days", 14)),
        audiences=tuple(audiences),
        invalid=invalid,
    )


def load_config(
    path: Path = AUDIENCES_FILE, columns: Iterable[str] | None = None
) -> ActivationConfig:
    """Read and validate the audience file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise AudienceError(f"{path}: cannot read audience file: {error}") from None
    return parse_config(data, columns)
