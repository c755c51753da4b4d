"""Synthetic identity records with ground truth, for benchmarks at any scale.

Persons get Swedish-style names (often two given names, the called name not always the
first), a birth date, an address, a personal e-mail and mobile number; some share a household
landline. Each person leaves records in several systems with the noise real systems have:
typos, old addresses, missing fields, second e-mail addresses, duplicate CRM records, callers
typing names, junk `test@test.com` sign-ups, anonymous cookies, and explicit links (web-shop
account → CRM customer number, cookie → account by login). Truth: one person id per record.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.identity.records import RECORD_COLUMNS

GIVEN = [
    "Anna",
    "Eva",
    "Maria",
    "Karin",
    "Kristina",
    "Lena",
    "Sara",
    "Emma",
    "Ingrid",
    "Malin",
    "Linnea",
    "Asa",
    "Marta",
    "Elsa",
    "Sofia",
    "Ulla",
    "Birgitta",
    "Ebba",
    "Maja",
    "Astrid",
    "Lars",
    "Anders",
    "Per",
    "Karl",
    "Erik",
    "Johan",
    "Patrik",
    "Stig",
    "Nils",
    "Sven",
    "Gustav",
    "Bjorn",
    "Goran",
    "Hakan",
    "Oskar",
    "Olof",
    "Mikael",
    "Fredrik",
    "Axel",
    "Ake",
    "Hanna",
    "Ida",
    "Klara",
    "Moa",
    "Tove",
    "Wilma",
    "Agnes",
    "Alva",
    "Selma",
    "Vera",
    "Hugo",
    "Liam",
    "Noah",
    "Viktor",
    "Elias",
    "Anton",
    "Filip",
    "Isak",
    "Leo",
    "Melvin",
]
SURNAME_STEMS = [
    "Berg",
    "Lind",
    "Holm",
    "Ek",
    "Sjo",
    "Strom",
    "Lund",
    "Sand",
    "Dal",
    "Hag",
    "Nord",
    "Sod",
    "Ost",
    "Vest",
    "Bjork",
    "Gran",
    "Asp",
    "Alm",
    "Lov",
    "Fors",
    "Ang",
    "Back",
    "Skog",
    "Hed",
    "Mal",
    "Norr",
    "Sol",
    "Stjern",
    "Lilje",
    "Rosen",
]
SURNAME_ENDS = [
    "berg",
    "gren",
    "lund",
    "qvist",
    "strom",
    "man",
    "blad",
    "dahl",
    "holm",
    "ling",
    "sten",
]
COMMON_SURNAMES = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
]
STREETS = [
    "Storgatan",
    "Drottninggatan",
    "Kungsgatan",
    "Skolgatan",
    "Jarnvagsgatan",
    "Bjorkvagen",
    "Ringvagen",
    "Asgatan",
    "Tallstigen",
    "Hamngatan",
    "Parkvagen",
    "Kyrkogatan",
    "Torggatan",
    "Villagatan",
    "Strandvagen",
    "Backvagen",
    "Ekvagen",
    "Lonnvagen",
    "Granvagen",
    "Idrottsvagen",
]
CITY_STEMS = [
    "Mal",
    "Lin",
    "Ost",
    "Norr",
    "Sod",
    "Vax",
    "Hel",
    "Kal",
    "Kar",
    "Ud",
    "Sunds",
    "Upp",
    "Ham",
    "Vast",
    "Falk",
]
CITY_ENDS = ["by", "torp", "stad", "vik", "hamn", "koping", "sala", "berga", "lund"]
DOMAINS = ("gmail.com", "hotmail.com", "telia.se", "outlook.com", "icloud.com")


@dataclass(frozen=True)
class SyntheticIdentities:
    records: pd.DataFrame  # identity-record contract columns
    links: pd.DataFrame  # identity-links contract columns
    truth: pd.DataFrame  # source_system, source_record_id, person_id


def _typo(values: pd.Series, rate: float, rng: np.random.Generator) -> pd.Series:
    """Swap two adjacent letters in a fraction of the values."""
    values = values.copy()
    hit = np.flatnonzero((rng.random(len(values)) < rate) & values.notna().to_numpy())
    out = []
    for text, r in zip(values.iloc[hit].tolist(), rng.random(len(hit)).tolist(), strict=True):
        if len(text) < 3:
            out.append(text)
            continue
        i = 1 + int(r * (len(text) - 2))
        out.append(text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :])
    values.iloc[hit] = out
    return values


def _pick(rng: np.random.Generator, table: list[str], size: int, zipf: bool = False) -> np.ndarray:
    weights = 1.0 / np.arange(1, len(table) + 1) ** (0.8 if zipf else 0.0)
    return np.asarray(table, dtype=object)[
        rng.choice(len(table), size=size, p=weights / weights.sum())
    ]


def _persons(n: int, rng: np.random.Generator) -> pd.DataFrame:
    surnames = COMMON_SURNAMES + [s + e.lower() for s in SURNAME_STEMS for e in SURNAME_ENDS]
    cities = [s + e for s in CITY_STEMS for e in CITY_ENDS]
    given_1 = _pick(rng, GIVEN, n, zipf=True)
    has_second = rng.random(n) < 0.45
    given_2 = _pick(rng, GIVEN, n, zipf=True)
    calls_second = has_second & (rng.random(n) < 0.35)
    city_index = rng.integers(0, len(cities), n)
    person = pd.DataFrame(
        {
            "person_id": np.arange(n, dtype=np.int64),
            "given_1": given_1,
            "given_names": np.where(has_second, given_1 + " " + given_2, given_1),
            "called": np.where(calls_second, given_2, given_1),
            "surname": _pick(rng, surnames, n, zipf=True),
            "birth_date": pd.to_datetime("1940-01-01")
            + pd.to_timedelta(rng.integers(0, 66 * 365, n), unit="D"),
            "street": _pick(rng, STREETS, n) + " " + rng.integers(1, 140, n).astype(str),
            "postal_code": (10000 + city_index * 400 + rng.integers(0, 60, n)).astype(str),
            "city": np.asarray(cities, dtype=object)[city_index],
            "mobile": "+4670" + (1_000_000 + rng.permutation(n) * 7 % 8_999_999).astype(str),
        }
    )
    local = person["called"].str.lower() + "." + person["surname"].str.lower()
    person["email"] = (
        local
        + "."
        + pd.Series(np.arange(n)).map(lambda i: np.base_repr(i, 36)).str.lower()
        + "@"
        + _pick(rng, list(DOMAINS), n)
    )
    person["alt_email"] = np.where(
        rng.random(n) < 0.5,
        person["email"].str.split("@").str[0] + "@" + _pick(rng, list(DOMAINS), n) + ".se",
        person["called"].str.lower()
        + rng.integers(10, 99, n).astype(str)
        + pd.Series(np.arange(n)).map(lambda i: np.base_repr(i, 36)).str.lower()
        + "@mail.se",
    )
    # households: pairs of consecutive persons share a landline, surname and address
    household = np.flatnonzero(rng.random(n // 2) < 0.08) * 2
    person["landline"] = None
    landline = "+468" + (1_000_000 + np.arange(len(household)) * 3).astype(str)
    for offset in (0, 1):
        rows = household + offset
        rows = rows[rows < n]
        person.loc[rows, "landline"] = landline[: len(rows)]
    partner = household[household + 1 < n]
    for column in ("surname", "street", "postal_code", "city"):
        person.loc[partner + 1, column] = person.loc[partner, column].to_numpy()
    return person


def _frame(
    system: str, ids: pd.Series, person: pd.DataFrame, rows: np.ndarray, **columns: object
) -> pd.DataFrame:
    frame = pd.DataFrame({"source_system": system, "source_record_id": ids.to_numpy()})
    frame["person_id"] = person["person_id"].to_numpy()[rows]
    for name, values in columns.items():
        frame[name] = values.to_numpy() if isinstance(values, pd.Series) else values
    return frame


def generate_identities(customers: int, seed: int = 0) -> SyntheticIdentities:
    """About 4.5 identity records per customer, with links and ground truth."""
    rng = np.random.default_rng(seed)
    p = _persons(customers, rng)
    n = customers
    frames = []

    def take(rate: float) -> np.ndarray:
        return np.flatnonzero(rng.random(n) < rate)

    def maybe(values: pd.Series, rate: float) -> pd.Series:
        return values.where(rng.random(len(values)) < rate, None)

    # CRM: full master data, some old addresses, duplicates with typos
    crm = take(0.7)
    c = p.iloc[crm].reset_index(drop=True)
    moved = rng.random(len(c)) < 0.08
    crm_frame = _frame(
        "crm",
        "K" + pd.Series(crm).astype(str),
        p,
        crm,
        given_names=_typo(c["given_names"], 0.03, rng),
        preferred_given_name=maybe(c["called"], 0.6),
        surname=_typo(c["surname"], 0.03, rng),
        birth_date=maybe(c["birth_date"].dt.strftime("%Y-%m-%d"), 0.95),
        street=c["street"].where(~moved, _pick(rng, STREETS, len(c)) + " 1"),
        postal_code=c["postal_code"],
        city=c["city"],
        email=maybe(c["email"], 0.75),
        phone_e164=maybe(c["mobile"], 0.6),
    )
    frames.append(crm_frame)
    dup = crm[rng.random(len(crm)) < 0.04]
    d = p.iloc[dup].reset_index(drop=True)
    frames.append(
        _frame(
            "crm",
            "KD" + pd.Series(dup).astype(str),
            p,
            dup,
            given_names=_typo(d["given_names"], 0.3, rng),
            surname=_typo(d["surname"], 0.2, rng),
            birth_date=maybe(d["birth_date"].dt.strftime("%Y-%m-%d"), 0.9),
            street=d["street"],
            postal_code=d["postal_code"],
            city=d["city"],
            phone_e164=maybe(d["mobile"], 0.3),
        )
    )
    # web shop: names, e-mail (sometimes a second address), phone; CRM number when known
    shop = take(0.5)
    s = p.iloc[shop].reset_index(drop=True)
    account_ids = "A" + pd.Series(shop).astype(str)
    frames.append(
        _frame(
            "webshop",
            account_ids,
            p,
            shop,
            given_names=s["called"],
            surname=_typo(s["surname"], 0.02, rng),
            email=s["email"].where(rng.random(len(s)) < 0.85, s["alt_email"]),
            phone_e164=maybe(s["mobile"], 0.4),
        )
    )
    in_crm = np.isin(shop, crm) & (rng.random(len(shop)) < 0.6)
    links = [
        pd.DataFrame(
            {
                "left_source_system": "webshop",
                "left_source_record_id": account_ids[in_crm],
                "right_source_system": "crm",
                "right_source_record_id": "K" + pd.Series(shop[in_crm]).astype(str).to_numpy(),
                "link_rule": "webshop_customer_number",
            }
        )
    ]
    # e-mail subscribers; a few junk sign-ups as test@test.com
    esp = take(0.6)
    e = p.iloc[esp].reset_index(drop=True)
    junk = rng.random(len(e)) < 0.0005
    frames.append(
        _frame(
            "esp",
            "S" + pd.Series(esp).astype(str),
            p,
            esp,
            given_names=maybe(e["called"], 0.5),
            email=e["email"].where(~junk, "test@test.com"),
        )
    )
    # SMS numbers, app users, postal recipients
    sms = take(0.3)
    frames.append(_frame("sms", p["mobile"].iloc[sms], p, sms, phone_e164=p["mobile"].iloc[sms]))
    app = take(0.2)
    frames.append(
        _frame(
            "app",
            "U" + pd.Series(app).astype(str),
            p,
            app,
            given_names=p["called"].iloc[app],
            email=p["email"].iloc[app],
        )
    )
    postal = take(0.3)
    q = p.iloc[postal].reset_index(drop=True)
    frames.append(
        _frame(
            "postal",
            "R" + pd.Series(postal).astype(str),
            p,
            postal,
            given_names=q["given_names"],
            surname=_typo(q["surname"], 0.02, rng),
            street=q["street"],
            postal_code=q["postal_code"],
            city=q["city"],
        )
    )
    # call-center contacts: caller id (household landline or mobile), typed name
    calls = np.repeat(np.arange(n), rng.poisson(0.4, n))
    k = p.iloc[calls].reset_index(drop=True)
    frames.append(
        _frame(
            "callcenter",
            "CC" + pd.Series(np.arange(len(calls))).astype(str),
            p,
            calls,
            given_names=maybe(_typo(k["called"], 0.05, rng), 0.8),
            surname=maybe(k["surname"], 0.6),
            phone_e164=k["landline"].where(
                k["landline"].notna() & (rng.random(len(k)) < 0.5), k["mobile"]
            ),
        )
    )
    # cookies: anonymous; a login links some of them to the person's web-shop account
    cookies = np.repeat(np.arange(n), rng.poisson(0.8, n))
    cookie_ids = "ck" + pd.Series(np.arange(len(cookies))).astype(str)
    frames.append(_frame("web", cookie_ids, p, cookies))
    has_account = np.isin(cookies, shop) & (rng.random(len(cookies)) < 0.9)
    links.append(
        pd.DataFrame(
            {
                "left_source_system": "web",
                "left_source_record_id": cookie_ids[has_account].to_numpy(),
                "right_source_system": "webshop",
                "right_source_record_id": "A"
                + pd.Series(cookies[has_account]).astype(str).to_numpy(),
                "link_rule": "web_login",
            }
        )
    )

    everything = pd.concat(frames, ignore_index=True)
    for column in RECORD_COLUMNS:
        if column not in everything:
            everything[column] = None
    everything["country"] = "SE"
    return SyntheticIdentities(
        records=everything[list(RECORD_COLUMNS)],
        links=pd.concat(links, ignore_index=True),
        truth=everything[["source_system", "source_record_id", "person_id"]],
    )
