"""Stable customer keys across runs and the key history on merges and splits."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from orchestration.identity.config import IdentityConfig
from orchestration.identity.keys import new_key
from orchestration.identity.resolve import resolve_identities
from tests.unit.identity_helpers import key_of, rec, records

DETERMINISTIC = IdentityConfig(probabilistic=False)
DAY_1 = [
    rec("crm", "A", given_names="Anna", email="anna@example.se"),
    rec("webshop", "A2", given_names="Anna", email="anna@example.se"),
    rec("crm", "B", given_names="Bo", phone_e164="+46701111111"),
    rec("crm", "C", given_names="Cia", email="cia@example.se"),
]


def _run(rows: list[dict], previous: pd.DataFrame | None = None, used: tuple[str, ...] = ()):
    return resolve_identities(records(*rows), previous=previous, used_keys=used,
                              config=DETERMINISTIC, run_id="run-2",
                              changed_at=datetime(2026, 1, 2, tzinfo=UTC))


def test_new_key_is_hash_of_smallest_record() -> None:
    first = _run(DAY_1).identity_map
    assert key_of(first, "crm", "A") == new_key("crm", "A")  # ("crm","A") < ("webshop","A2")
    assert key_of(first, "crm", "B") == new_key("crm", "B")


def test_incremental_day_keeps_every_key() -> None:
    first = _run(DAY_1)
    day_2 = [
        *DAY_1,
        rec("app", "A3", given_names="Anna", email="anna@example.se"),  # joins Anna
        rec("aaa", "B0", given_names="Bo", phone_e164="+46701111111"),  # sorts before crm/B
        rec("crm", "D", given_names="Dan", email="dan@example.se"),  # brand new person
    ]
    second = _run(day_2, previous=first.identity_map)
    m1, m2 = first.identity_map, second.identity_map
    for system, record_id in [("crm", "A"), ("webshop", "A2"), ("crm", "B"), ("crm", "C")]:
        assert key_of(m2, system, record_id) == key_of(m1, system, record_id)
    assert key_of(m2, "app", "A3") == key_of(m1, "crm", "A")
    assert key_of(m2, "aaa", "B0") == key_of(m1, "crm", "B")  # inherited, not re-hashed
    assert key_of(m2, "crm", "D") == new_key("crm", "D")
    assert second.key_history.empty


def test_merge_records_history_and_keeps_majority_key() -> None:
    day_1 = [
        rec("crm", "A", given_names="Anna", email="anna@example.se"),
        rec("webshop", "A2", given_names="Anna", email="anna@example.se"),
        rec("crm", "B", given_names="Anna", phone_e164="+46701111111"),
        rec("crm", "C", given_names="Cia", email="cia@example.se"),
    ]
    first = _run(day_1)
    m1 = first.identity_map
    anna, anna_by_phone = key_of(m1, "crm", "A"), key_of(m1, "crm", "B")
    assert anna != anna_by_phone
    # a new record carries both the e-mail and the phone: the two clusters are one person
    bridge = rec("esp", "X", given_names="Anna", email="anna@example.se",
                 phone_e164="+46701111111")
    second = _run([*day_1, bridge], previous=m1)
    m2 = second.identity_map
    assert key_of(m2, "crm", "B") == key_of(m2, "esp", "X") == anna  # 2 records beat 1
    assert key_of(m2, "crm", "C") == key_of(m1, "crm", "C")
    history = second.key_history
    assert history[["old_customer_key", "new_customer_key", "reason"]].values.tolist() == [
        [anna_by_phone, anna, "merge"]
    ]
    assert history.run_id.tolist() == ["run-2"]
    assert history.changed_at.tolist() == [datetime(2026, 1, 2, tzinfo=UTC)]


def test_split_gives_split_off_part_a_new_key() -> None:
    rows = [
        rec("crm", "A", given_names="Anna", email="anna@example.se"),
        rec("webshop", "A2", given_names="Anna", email="anna@example.se",
            phone_e164="+46702222222"),
        rec("app", "A3", given_names="Anna", phone_e164="+46702222222"),
    ]
    first = _run(rows)
    anna = key_of(first.identity_map, "crm", "A")
    assert first.identity_map.customer_key.nunique() == 1
    rows[1] = rec("webshop", "A2", given_names="Anna", email="anna@example.se")  # phone gone
    second = _run(rows, previous=first.identity_map)
    m2 = second.identity_map
    assert key_of(m2, "crm", "A") == key_of(m2, "webshop", "A2") == anna
    split_key = key_of(m2, "app", "A3")
    assert split_key != anna
    assert second.key_history[["old_customer_key", "new_customer_key", "reason"]].values.tolist() \
        == [[anna, split_key, "split"]]


def test_split_off_part_never_reuses_a_used_key() -> None:
    # the split-off part is anchored at the record whose hash was the old key
    rows = [
        rec("aaa", "1", given_names="Eva", email="eva@example.se"),
        rec("crm", "2", given_names="Eva", email="eva@example.se", phone_e164="+46703333333"),
        rec("crm", "3", given_names="Eva", phone_e164="+46703333333"),
    ]
    first = _run(rows)
    old = key_of(first.identity_map, "aaa", "1")
    assert old == new_key("aaa", "1")
    rows[1] = rec("crm", "2", given_names="Eva", phone_e164="+46703333333")
    m2 = _run(rows, previous=first.identity_map).identity_map
    assert key_of(m2, "crm", "2") == key_of(m2, "crm", "3") == old  # majority keeps it
    assert key_of(m2, "aaa", "1") == new_key("aaa", "1", salt=1)
    retired = new_key("crm", "C")
    m3 = _run(DAY_1, used=(retired,)).identity_map
    assert key_of(m3, "crm", "C") == new_key("crm", "C", salt=1)
