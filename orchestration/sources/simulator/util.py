"""Vectorised helpers: hashing ids, timestamp notations, and text noise for the mess."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.sources.simulator.config import MessConfig
from orchestration.sources.simulator.nordic import ASCII_FOLD

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def mix64(*parts: np.ndarray | int) -> np.ndarray:
    """SplitMix64 hash of the combined integer parts (element-wise, uint64)."""
    with np.errstate(over="ignore"):
        state = np.zeros(1, dtype=np.uint64)
        for part in parts:
            value = np.asarray(part).astype(np.uint64)
            state = (state ^ value) + _GOLDEN
            state = (state ^ (state >> np.uint64(30))) * _M1
            state = (state ^ (state >> np.uint64(27))) * _M2
            state = state ^ (state >> np.uint64(31))
    return state


def id_strings(prefix: str, numbers: np.ndarray, width: int = 0) -> pa.Array:
    """``prefix`` + decimal number (zero-padded to ``width``) as an Arrow string array."""
    text = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string())
    if width:
        text = pc.utf8_lpad(text, width=width, padding="0")
    if not prefix:
        return text
    return pc.binary_join_element_wise(prefix, text, "")


def hash_ids(prefix: str, *parts: np.ndarray | int) -> pa.Array:
    """Random-looking unique ids: ``prefix`` + 15 decimal digits of a hash of ``parts``."""
    digits = (mix64(*parts) >> np.uint64(14)) % np.uint64(10**15)
    return id_strings(prefix, digits.astype(np.int64), width=15)


def epoch_day(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def _eu_summer_time(seconds: np.ndarray) -> np.ndarray:
    """True where EU summer time applies (last Sunday of March 01:00 UTC to last Sunday of
    October 01:00 UTC) — the rule of Europe/Stockholm, Oslo, Copenhagen and Helsinki."""
    years = (np.asarray(seconds, dtype="datetime64[s]").astype("datetime64[Y]").astype(np.int64)
             + 1970)
    out = np.zeros(len(seconds), dtype=bool)
    for year in np.unique(years):
        begin, end = _last_sunday(int(year), 3), _last_sunday(int(year), 10)
        rows = years == year
        out[rows] = (seconds[rows] >= begin) & (seconds[rows] < end)
    return out


def _last_sunday(year: int, month: int) -> int:
    """Epoch seconds of 01:00 UTC on the last Sunday of ``month``."""
    last = date(year, month, 31)
    sunday = last.toordinal() - (last.weekday() + 1) % 7
    return (sunday - date(1970, 1, 1).toordinal()) * 86400 + 3600


def format_timestamps(
    seconds: np.ndarray,
    timezone: str,
    shares: Sequence[float],
    rng: np.random.Generator,
) -> pa.Array:
    """Epoch seconds (UTC) as ISO-8601 text in mixed notations.

    ``Z`` (UTC), ``+01:00`` and ``+0100`` (Central European offsets, summer time included) and
    naive local time in ``timezone`` — the notations the catalog allows in text formats.
    """
    seconds = np.asarray(seconds, dtype=np.int64)
    n = len(seconds)
    if timezone not in ("UTC", "Europe/Stockholm"):
        raise ValueError(f"unsupported source timezone {timezone!r}")
    choice = rng.choice(4, size=n, p=np.asarray(shares, dtype=float))
    summer = _eu_summer_time(seconds)
    offset = np.where(summer, 7200, 3600)
    local = seconds + np.where(choice == 0, 0, offset)
    if timezone == "UTC":
        local = np.where(choice == 3, seconds, local)
    text = pa.array(np.datetime_as_string(local.astype("datetime64[s]"), unit="s"))
    naive = pc.replace_substring(text, "T", " ", max_replacements=1)
    suffixes = pa.array(np.array(["Z", "+01:00", "+0100", "", "+02:00", "+0200"], dtype=object)[
        np.where(choice == 3, 3, choice + 3 * (summer & (choice > 0)))])
    body = pc.if_else(pa.array(choice == 3), naive, text)
    return pc.binary_join_element_wise(body, suffixes, "")


def timestamps(seconds: np.ndarray) -> pa.Array:
    """Epoch seconds as native UTC timestamps (Parquet sources)."""
    return pa.array(np.asarray(seconds, dtype=np.int64) * 1_000_000, pa.timestamp("us", tz="UTC"))


# --- text noise: applied to small object arrays of identity values (not to event streams) ---

_KEYBOARD = "abcdefghijklmnopqrstuvwxyz"


def _typo(value: str, draw: float, pick: float) -> str:
    if len(value) < 3:
        return value + value[-1:]
    pos = 1 + int(pick * (len(value) - 2))
    kind = int(draw * 4)
    if kind == 0:  # deletion
        return value[:pos] + value[pos + 1 :]
    if kind == 1:  # transposition
        return value[: pos - 1] + value[pos] + value[pos - 1] + value[pos + 1 :]
    if kind == 2:  # doubled letter
        return value[:pos] + value[pos] + value[pos:]
    letter = _KEYBOARD[int(pick * 1000) % 26]
    replaced = value[:pos] + letter + value[pos + 1 :]
    return replaced if replaced != value else value[:pos] + value[pos + 1 :]


def apply(values: np.ndarray, mask: np.ndarray, func: Callable[[str, int], str]) -> np.ndarray:
    """Apply ``func(value, i)`` to the non-null values where ``mask``; returns a new array."""
    out = values.copy()
    for i in np.flatnonzero(mask):
        if out[i] is not None:
            out[i] = func(out[i], i)
    return out


def typos(values: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    mask = rng.random(len(values)) < rate
    draw, pick = rng.random(len(values)), rng.random(len(values))
    return apply(values, mask, lambda v, i: _typo(v, draw[i], pick[i]))


def case_noise(values: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    mask = rng.random(len(values)) < rate
    upper = rng.random(len(values)) < 0.5
    return apply(values, mask, lambda v, i: v.upper() if upper[i] else v.lower())


def whitespace_noise(values: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    mask = rng.random(len(values)) < rate
    kind = rng.integers(0, 3, len(values))

    def noisy(value: str, i: int) -> str:
        if kind[i] == 0:
            return f" {value}"
        if kind[i] == 1:
            return f"{value}  "
        return value.replace(" ", "  ", 1) if " " in value else f"{value} "

    return apply(values, mask, noisy)


def ascii_fold(values: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    mask = rng.random(len(values)) < rate
    return apply(values, mask, lambda v, i: v.translate(ASCII_FOLD))


def null_out(values: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    out = values.copy()
    out[rng.random(len(values)) < rate] = None
    return out


def name_noise(values: np.ndarray, mess: MessConfig, rng: np.random.Generator) -> np.ndarray:
    """Typos, diacritics dropped, case and white-space noise on a name column."""
    values = typos(values, mess.typo_rate, rng)
    values = ascii_fold(values, mess.ascii_fold_rate, rng)
    values = case_noise(values, mess.case_noise_rate, rng)
    return whitespace_noise(values, mess.whitespace_noise_rate, rng)


def invalid_emails(values: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    mask = rng.random(len(values)) < rate
    kind = rng.integers(0, 3, len(values))

    def broken(value: str, i: int) -> str:
        if kind[i] == 0:
            return value.replace("@", "", 1)
        if kind[i] == 1:
            return value.replace("@", "@@", 1)
        return value.replace(".", "..", 1) if "." in value else value + "@"

    return apply(values, mask, broken)


def email_noise(values: np.ndarray, mess: MessConfig, rng: np.random.Generator) -> np.ndarray:
    """Invalid e-mails, case and white-space noise on an e-mail column."""
    values = invalid_emails(values, mess.invalid_email_rate, rng)
    values = case_noise(values, mess.case_noise_rate, rng)
    return whitespace_noise(values, mess.whitespace_noise_rate, rng)


def to_object(values: Sequence[object]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out
