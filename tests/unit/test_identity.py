"""Identity resolution on hand-made records: links, guards, weak records, input contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orchestration.identity.clustering import cluster
from orchestration.identity.config import IdentityConfig
from orchestration.identity.records import IdentityInputError
from orchestration.identity.resolve import MAP_COLUMNS, resolve_identities
from tests.unit.identity_helpers import key_of, rec, records, row_of

DETERMINISTIC = IdentityConfig(probabilistic=False)


def test_chain_merge_email_then_phone_is_one_person() -> None:
    data = records(
        rec("crm", "A", given_names="Karl Patrik", surname="Berg", email="p.berg@example.se"),
        rec("webshop", "B", given_names="Patrik", email="p.berg@example.se",
            phone_e164="+46701234567"),
        rec("callcenter", "C", given_names="Patrik", phone_e164="+46701234567"),
        rec("crm", "D", given_names="Eva", surname="Lind", email="eva@example.se"),
    )
    result = resolve_identities(data, config=DETERMINISTIC)
    m = result.identity_map
    assert list(m.columns) == list(MAP_COLUMNS)
    assert key_of(m, "crm", "A") == key_of(m, "webshop", "B") == key_of(m, "callcenter", "C")
    assert key_of(m, "crm", "D") != key_of(m, "crm", "A")
    assert row_of(m, "crm", "A").match_rule == "email"
    assert row_of(m, "callcenter", "C").match_rule == "phone"
    assert row_of(m, "callcenter", "C").match_probability == 1.0
    assert row_of(m, "crm", "A").cluster_size == 3
    d = row_of(m, "crm", "D")
    assert (d.match_rule, d.cluster_size, bool(d.is_identity_weak)) == ("singleton", 1, False)
    assert np.isnan(d.match_probability)
    assert result.stats["records_in"] == 4
    assert result.stats["clusters_out"] == 2
    assert result.stats["largest_cluster"] == 3
    assert result.stats["merge_rate"] == 0.5


def test_giant_key_value_is_not_a_link_and_is_reported() -> None:
    shared = [rec("esp", f"S{i:03d}", given_names=f"Name{i}", email="test@test.com")
              for i in range(12)]
    pair = [rec("crm", "X", given_names="Ulla", email="ulla@example.se"),
            rec("esp", "Y", given_names="Ulla", email="ulla@example.se")]
    result = resolve_identities(
        records(*shared, *pair),
        config=IdentityConfig(probabilistic=False, max_records_per_key=10),
    )
    m = result.identity_map
    assert m[m.source_record_id.str.startswith("S")].customer_key.nunique() == 12
    assert key_of(m, "crm", "X") == key_of(m, "esp", "Y")
    assert result.stats["capped_email_values"] == 1
    assert result.stats["capped_email_records"] == 12
    assert result.stats["capped_key_values"] == 1
    # nameless records whose only key was capped have no usable identifier
    nameless = records(*[rec("esp", f"N{i}", email="test@test.com") for i in range(11)])
    weak = resolve_identities(
        nameless, config=IdentityConfig(probabilistic=False, max_records_per_key=10)
    ).identity_map
    assert weak.is_identity_weak.all() and (weak.cluster_size == 1).all()


def test_per_source_cap_stops_test_customers_but_not_frequent_callers() -> None:
    dummy, caller = "+46700000000", "+46701112233"
    fixtures = [rec("crm", f"T{i}", given_names="Test", surname="Testsson", phone_e164=dummy)
                for i in range(6)]
    calls = [rec("callcenter", f"CC{i}", given_names="Ulf", phone_e164=caller) for i in range(8)]
    result = resolve_identities(
        records(*fixtures, *calls, rec("crm", "U", given_names="Ulf", phone_e164=caller)),
        config=DETERMINISTIC,
    )
    m = result.identity_map
    assert m[m.source_system == "crm"].customer_key.nunique() == 7  # 6 fixtures + Ulf
    assert m[m.source_record_id.str.startswith("CC")].customer_key.unique().tolist() == [
        key_of(m, "crm", "U")
    ]
    assert result.stats["capped_phone_values"] == 1
    assert result.stats["capped_phone_records"] == 6
    # a number seen only in exempt sources (calls and SMS) still links
    only_exempt = resolve_identities(
        records(*calls, rec("sms", caller, phone_e164=caller)), config=DETERMINISTIC
    ).identity_map
    assert only_exempt.customer_key.nunique() == 1


def test_shared_family_phone_links_only_compatible_names() -> None:
    phone = "+46812345678"
    data = records(
        rec("crm", "ANNA", given_names="Anna Maria", surname="Ek", phone_e164=phone),
        rec("crm", "LARS", given_names="Lars", surname="Ek", phone_e164=phone),
        rec("callcenter", "C1", given_names="Maria", phone_e164=phone),
        rec("callcenter", "C2", given_names="Lasse", phone_e164=phone),
        rec("sms", phone, phone_e164=phone),
    )
    result = resolve_identities(data, config=DETERMINISTIC)
    m = result.identity_map
    assert key_of(m, "crm", "ANNA") == key_of(m, "callcenter", "C1")
    assert key_of(m, "crm", "ANNA") != key_of(m, "crm", "LARS")
    assert key_of(m, "callcenter", "C2") not in {key_of(m, "crm", "ANNA"), key_of(m, "crm", "LARS")}
    # the nameless SMS record cannot tell which family member it is: linked to nobody
    sms = row_of(m, "sms", phone)
    assert sms.cluster_size == 1 and not sms.is_identity_weak
    assert result.stats["shared_phone_values"] == 1


def test_one_person_behind_different_given_names_on_a_key_is_linked() -> None:
    phone = "+46709876543"
    data = records(
        # the CRM knows both given names; callers gave one each; one agent swapped the order
        rec("crm", "K", given_names="Emma Ingrid", surname="Olsson", phone_e164=phone),
        rec("callcenter", "C1", given_names="Emma", surname="Olsson", phone_e164=phone),
        rec("callcenter", "C2", given_names="Ingrid", surname="Olsson", phone_e164=phone),
        rec("callcenter", "C3", given_names="Olsson", surname="Ingrid", phone_e164=phone),
        rec("sms", phone, phone_e164=phone),
        # diacritics folded: Björn Lindström = Bjorn Lindstrom
        rec("crm", "B", given_names="Björn", surname="Lindström", email="b.l@example.se"),
        rec("esp", "E", given_names="Bjorn", email="b.l@example.se"),
        rec("app", "U", given_names="Åke", surname="Berg", email="b.l@example.se"),
        # one person, two systems, two of her given names on one e-mail: linked
        rec("crm", "R", given_names="Ragnhild", surname="Aasen", email="r.a@example.no"),
        rec("app", "R2", given_names="Ida", email="r.a@example.no"),
    )
    result = resolve_identities(data, config=DETERMINISTIC)
    m = result.identity_map
    assert m[m.source_record_id.isin(["K", "C1", "C2", "C3", phone])].customer_key.nunique() == 1
    assert result.stats["shared_phone_values"] == 0
    # Åke Berg is someone else using Björn's address: the e-mail is shared, Åke stays apart
    assert key_of(m, "crm", "B") == key_of(m, "esp", "E") != key_of(m, "app", "U")
    assert key_of(m, "crm", "R") == key_of(m, "app", "R2")
    assert result.stats["shared_email_values"] == 1


def test_explicit_links_join_cookie_account_and_crm() -> None:
    data = records(
        rec("crm", "K1", given_names="Stig", surname="Olsson", email="stig@example.se"),
        rec("webshop", "W1", email="stig.o@example.se"),
        rec("web", "cookie-1"),
        rec("web", "cookie-2"),
    )
    links = pd.DataFrame({
        "left_source_system": ["webshop", "web", "web"],
        "left_source_record_id": ["W1", "cookie-1", "cookie-9"],
        "right_source_system": ["crm", "webshop", "webshop"],
        "right_source_record_id": ["K1", "W1", "W1"],
        "link_rule": ["customer_number", "login", "login"],
    })
    result = resolve_identities(data, links=links, config=DETERMINISTIC)
    m = result.identity_map
    assert key_of(m, "crm", "K1") == key_of(m, "webshop", "W1") == key_of(m, "web", "cookie-1")
    assert row_of(m, "web", "cookie-1").match_rule == "source_link"
    lonely = row_of(m, "web", "cookie-2")
    assert lonely.cluster_size == 1 and lonely.is_identity_weak
    assert result.stats["links_in"] == 3
    assert result.stats["links_unresolved"] == 1
    assert result.stats["weak_records"] == 1


def test_invalid_keys_are_never_links() -> None:
    data = records(
        rec("esp", "E1", given_names="Ann", email="not-an-email"),
        rec("esp", "E2", given_names="Bo", email="NOT-AN-EMAIL "),
        rec("sms", "S1", phone_e164="0701234567"),
        rec("sms", "S2", phone_e164="0701234567"),
        rec("crm", "C1", email=" Eva@Example.SE "),
        rec("esp", "E3", email="eva@example.se"),
    )
    result = resolve_identities(data, config=DETERMINISTIC)
    m = result.identity_map
    assert m[m.source_record_id.isin(["E1", "E2", "S1", "S2"])].customer_key.nunique() == 4
    assert m[m.source_record_id.isin(["E1", "E2", "S1", "S2"])].is_identity_weak.all()
    assert key_of(m, "crm", "C1") == key_of(m, "esp", "E3")
    assert result.stats["invalid_emails_ignored"] == 2
    assert result.stats["invalid_phones_ignored"] == 2


def test_result_does_not_depend_on_row_order() -> None:
    data = records(
        rec("crm", "A", given_names="Per", email="per@example.se"),
        rec("webshop", "B", given_names="Per", email="per@example.se", phone_e164="+4670111"),
        rec("app", "C", phone_e164="+4670111222"),
        rec("esp", "D", email="other@example.se"),
    )
    first = resolve_identities(data, config=DETERMINISTIC).identity_map
    shuffled = resolve_identities(data.iloc[::-1].reset_index(drop=True),
                                  config=DETERMINISTIC).identity_map
    pd.testing.assert_frame_equal(first, shuffled)
    assert first.customer_key.str.fullmatch(r"C[0-9A-F]{16}").all()


def test_missing_columns_are_named() -> None:
    data = records(rec("crm", "A")).drop(columns=["surname", "observed_at"])
    with pytest.raises(IdentityInputError, match="surname, observed_at"):
        resolve_identities(data, config=DETERMINISTIC)


def test_duplicate_and_null_ids_are_rejected_with_row_numbers() -> None:
    with pytest.raises(IdentityInputError, match=r"occur more than once \(rows 1, 2"):
        resolve_identities(records(rec("crm", "A"), rec("crm", "A")), config=DETERMINISTIC)
    with pytest.raises(IdentityInputError, match=r"null source_system or source_record_id "
                                                 r"\(rows 2\)"):
        resolve_identities(records(rec("crm", "A"), rec("crm", None)), config=DETERMINISTIC)


def test_oversized_cluster_keeps_only_deterministic_links() -> None:
    # 0-1 deterministic; 1-2-3-4 probabilistic chain builds a cluster of 5 > cap 3
    left = np.array([0, 1, 2, 3])
    right = np.array([1, 2, 3, 4])
    deterministic = np.array([True, False, False, False])
    clusters = cluster(5, left, right, deterministic, max_cluster_records=3)
    assert clusters.label.tolist() == [0, 0, 2, 3, 4]
    assert clusters.size.tolist() == [2, 2, 1, 1, 1]
    assert (clusters.reclustered, clusters.oversized) == (1, 0)


def test_empty_input_gives_empty_map() -> None:
    result = resolve_identities(records(rec("crm", "A")).iloc[:0], config=DETERMINISTIC)
    assert result.identity_map.empty
    assert result.stats["clusters_out"] == 0


def test_too_little_data_to_train_splink_skips_probabilistic_matching() -> None:
    """No two records share a training block: Splink is skipped with a reason, nothing fails."""
    rows = [
        rec("postal", f"P{i}", given_names=f"Name{i}", surname=f"Surname{i}",
            birth_date=f"19{50 + i % 40}-0{1 + i % 9}-1{i % 10}", postal_code=f"{10000 + i}",
            street=f"Gatan {i}")
        for i in range(12)
    ]
    config = IdentityConfig(min_probabilistic_records=1)
    result = resolve_identities(records(*rows), config=config)
    assert result.stats["probabilistic"].startswith("skipped: no training block")
    assert result.identity_map.customer_key.nunique() == 12  # every record its own customer
