"""Phone numbers as people and systems type them."""

from __future__ import annotations

import numpy as np

from orchestration.sources.simulator.util import to_object


def mobile_numbers(blocks: tuple[str, ...], nsn_digits: int, unique7: np.ndarray,
                   pick: np.ndarray) -> np.ndarray:
    """National significant numbers, distinct for distinct ``unique7`` values (0..9 999 999).

    A number is a block (leading digits of a mobile range) followed by the last digits of the
    person's unique 7-digit number; the 7 - tail leading digits of that number choose among
    the blocks (one of ``len(blocks) // 10**lead`` by ``pick``), so no two persons share one.
    """
    tail = nsn_digits - len(blocks[0])
    lead = 10 ** (7 - tail)
    if tail > 7 or any(len(b) != len(blocks[0]) for b in blocks) or len(blocks) < lead:
        raise ValueError(f"mobile blocks of {len(blocks[0])} digits cannot hold unique "
                         f"{nsn_digits}-digit numbers ({len(blocks)} blocks, {lead} needed)")
    index = unique7 // 10**tail + lead * (pick % (len(blocks) // lead))
    return to_object([f"{blocks[i]}{u % 10**tail:0{tail}d}"
                      for i, u in zip(index.tolist(), unique7.tolist(), strict=True)])


def _national(cc: str, nsn: str) -> str:
    return ("0" + nsn) if cc in ("46", "358") else nsn


def _spaced(cc: str, nsn: str) -> str:
    nat = _national(cc, nsn)
    if cc == "46":
        return f"{nat[:3]}-{nat[3:6]} {nat[6:8]} {nat[8:]}"
    if cc == "47":
        return f"{nat[:3]} {nat[3:5]} {nat[5:]}"
    if cc == "45":
        return f"{nat[:2]} {nat[2:4]} {nat[4:6]} {nat[6:]}"
    return f"{nat[:3]} {nat[3:6]} {nat[6:]}"


_FORMS = (
    lambda cc, nsn: f"+{cc}{nsn}",
    lambda cc, nsn: f"00{cc}{nsn}",
    _national,
    _spaced,
    lambda cc, nsn: f"+{cc} {nsn[:2]} {nsn[2:5]} {nsn[5:]}",
)


def typed_phones(
    cc: np.ndarray, nsn: np.ndarray, invalid_rate: float, rng: np.random.Generator,
    shares: tuple[float, ...] = (0.35, 0.05, 0.25, 0.25, 0.10),
) -> np.ndarray:
    """Numbers in mixed national/international notations; some invalid (digits missing)."""
    n = len(cc)
    form = rng.choice(len(_FORMS), n, p=shares)
    invalid = rng.random(n) < invalid_rate
    out = [
        _FORMS[f](c, s[:-3] if bad else s)
        for f, c, s, bad in zip(form, cc, nsn, invalid, strict=True)
    ]
    return to_object(out)


def msisdns(cc: np.ndarray, nsn: np.ndarray, invalid_rate: float, rng: np.random.Generator
            ) -> np.ndarray:
    """SMS-platform numbers: digits with country code, some with '+', invalid ones too long."""
    n = len(cc)
    plus = rng.random(n) < 0.12
    invalid = rng.random(n) < invalid_rate
    out = [
        ("+" if p else "") + c + s + ("0" if bad else "")
        for p, c, s, bad in zip(plus, cc, nsn, invalid, strict=True)
    ]
    return to_object(out)
