"""Identity rules on hand-made records: name folding, probabilistic vetoes, accuracy measures."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from orchestration.identity import probabilistic
from orchestration.identity.clustering import components
from orchestration.identity.config import IdentityConfig
from orchestration.identity.deterministic import build_deterministic_edges
from orchestration.identity.evaluation import (
    evidenced_recall,
    golden_record_accuracy,
    linkable_records,
)
from orchestration.identity.probabilistic import vet_scored_pairs
from orchestration.identity.records import normalise_records
from tests.unit.identity_helpers import rec, records


def _working_tables(data: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    """records, deterministic edges and pre-clusters, as resolve_identities builds them."""
    con = duckdb.connect()
    con.register("input_records", pa.Table.from_pandas(data, preserve_index=False))
    normalise_records(con, "input_records")
    build_deterministic_edges(con, IdentityConfig(probabilistic=False), has_links=False)
    edges = con.sql("select left_index, right_index from edges").fetchnumpy()
    n = con.sql("select count(*) from records").fetchall()[0][0]
    label = components(n, edges["left_index"].astype(np.int64),
                       edges["right_index"].astype(np.int64))
    con.register("precluster_arrow", pa.table({"record_index": np.arange(n), "precluster": label}))
    con.execute("create temp table precluster as select * from precluster_arrow")
    return con


def test_names_typed_together_or_without_nordic_letters_fold_to_the_same_tokens() -> None:
    con = duckdb.connect()
    data = records(rec("crm", "A", given_names="HåkanÅke", surname="Ekström"),
                   rec("crm", "B", given_names="Jørgen Lærke"))
    con.register("input_records", pa.Table.from_pandas(data, preserve_index=False))
    normalise_records(con, "input_records")
    got = con.sql("select given_tokens, first_name from records order by record_index").fetchall()
    assert got == [(["hakan", "ake"], "hakan"), (["jorgen", "laerke"], "jorgen")]


def test_probabilistic_vetoes_keep_namesakes_and_households_apart() -> None:
    data = records(
        # two Pia Larsens in one town: each e-mail-tied to her own CRM record and birth date
        rec("crm", "PIA1", given_names="Pia", surname="Larsen", birth_date="1942-01-02",
            email="pia1@example.dk"),
        rec("webshop", "PIA1W", given_names="Pia", surname="Larsen", email="pia1@example.dk"),
        rec("crm", "PIA2", given_names="Pia Lene", surname="Larsen", birth_date="2000-05-07"),
        # Gustav Göran: the envelope says Gustav, the web shop Göran; the CRM knows both
        rec("crm", "G", given_names="Gustav Göran", surname="Björk", birth_date="1960-01-01",
            email="g@example.se"),
        rec("webshop", "GW", given_names="Göran", surname="Björk", email="g@example.se"),
        rec("postal", "GP", given_names="Gustav", surname="Björk", street="Ågatan 1"),
        # a household: Lars and Eva Ek at one address
        rec("postal", "LARS", given_names="Lars", surname="Ek", street="Byvägen 2"),
        rec("postal", "EVA", given_names="Eva", surname="Ek", street="Byvägen 2"),
        # a typo in the CRM's given names
        rec("crm", "F", given_names="Karl Frredrik", surname="Berg", birth_date="1970-02-03"),
        rec("postal", "FP", given_names="Fredrik", surname="Berg", street="Torget 3"),
    )
    con = _working_tables(data)
    index = dict(con.sql("select source_record_id, record_index from records").fetchall())
    scored = [("PIA1W", "PIA2"), ("GW", "GP"), ("LARS", "EVA"), ("F", "FP")]
    con.register("scored_arrow", pa.table({
        "unique_id_l": [index[a] for a, _ in scored],
        "unique_id_r": [index[b] for _, b in scored],
        "match_probability": [0.9995] * len(scored),
    }))
    con.execute("create temp table scored as select * from scored_arrow")
    stats = vet_scored_pairs(con, "scored", "precluster")
    assert stats == {"probabilistic_edges": 2, "probabilistic_name_vetoes": 1,
                     "probabilistic_birth_date_vetoes": 1, "birth_dates_reliable": False,
                     "birth_date_reliability_pairs": 0}
    linked = {
        tuple(sorted(pair)) for pair in con.sql(
            "select l.source_record_id, r.source_record_id from edges as e "
            "join records as l on l.record_index = e.left_index "
            "join records as r on r.record_index = e.right_index "
            "where e.rule = 'probabilistic'"
        ).fetchall()
    }
    assert linked == {("GP", "GW"), ("F", "FP")}


def test_linkable_records_are_defined_on_the_input() -> None:
    data = records(
        rec("web", "COOKIE1"),  # never logged in: nothing ties it to anyone
        rec("web", "COOKIE2"),  # logged in: an explicit link
        rec("webshop", "A1", email="a@example.se"),
        rec("esp", "S1", email="not-an-address"),  # invalid e-mail, no name
        rec("callcenter", "C1", given_names="Anna"),  # a name alone is no evidence
        rec("postal", "P1", given_names="Anna", surname="Ek", street="Byvägen 2"),
        rec("sms", "+46701234567", phone_e164="+46701234567"),
    )
    links = pd.DataFrame([{"left_source_system": "web", "left_source_record_id": "COOKIE2",
                           "right_source_system": "webshop", "right_source_record_id": "A1",
                           "link_rule": "web_login"}])
    got = linkable_records(data, links).set_index("source_record_id")["is_linkable"].to_dict()
    assert got == {"COOKIE1": False, "COOKIE2": True, "A1": True, "S1": False, "C1": False,
                   "P1": True, "+46701234567": True}


def test_evidenced_recall_counts_only_pairs_the_data_connects() -> None:
    data = records(
        rec("crm", "A", given_names="Eva", surname="Lind", email="eva@example.se"),
        rec("webshop", "B", email="eva@example.se", phone_e164="+46701111111"),
        rec("sms", "C", phone_e164="+46701111111"),
        rec("esp", "D", given_names="Eva", email="old-eva@example.se"),  # nothing shared
        # another person shares Eva's phone: no evidence for Eva's pairs
        rec("callcenter", "E", given_names="Olle", phone_e164="+46701111111"),
    )
    truth = pd.DataFrame({"source_system": ["crm", "webshop", "sms", "esp", "callcenter"],
                          "source_record_id": ["A", "B", "C", "D", "E"],
                          "person_id": ["P1", "P1", "P1", "P1", "P2"]})
    identity_map = truth[["source_system", "source_record_id"]].assign(
        customer_key=["K1", "K1", "K2", "K3", "K4"])
    got = evidenced_recall(identity_map, data, None, truth)
    # evidenced: A-B (e-mail), B-C (phone), so A-C by the chain; D is tied to nothing
    assert got == {"evidenced_pairs": 3, "evidenced_pairs_found": 1, "recall": round(1 / 3, 5)}


def test_golden_record_accuracy_scores_each_customer_against_its_majority_person() -> None:
    identity_map = pd.DataFrame({
        "source_system": ["crm", "webshop", "esp", "crm", "callcenter"],
        "source_record_id": ["1", "2", "3", "4", "5"],
        "customer_key": ["K1", "K1", "K2", "K3", "K4"],
    })
    truth = pd.DataFrame({"source_system": identity_map.source_system,
                          "source_record_id": identity_map.source_record_id,
                          "person_id": ["P1", "P1", "P1", "P2", "P3"]})
    persons = pd.DataFrame({
        "person_id": ["P1", "P2", "P3"],
        "preferred_given_name": ["Åke", "Eva", "Stig"],
        "street": ["Byvägen 2", "Torget 1", "Ån 3"],
        "postal_code": ["111 11", "0150", "222 22"],
    })
    customers = pd.DataFrame({
        "customer_key": ["K1", "K2", "K3", "K4"],
        "greeting_name": ["åke", "Lars", "Eva", None],  # K2: the ESP's first given name
        "street": ["BYVÄGEN 2", None, "Torget 9", None],
        "postal_code": ["11111", None, "0150", None],
        "is_erased": [False, False, False, False],
        "is_test_record": [False, False, False, False],
    })
    ids = {"source_system": identity_map.source_system,
           "source_record_id": identity_map.source_record_id}
    identity_records = pd.DataFrame({**ids,
                                     "given_names": ["Lars Åke", "Åke", "Lars", "Eva", None],
                                     "preferred_given_name": [None] * 5})
    got = golden_record_accuracy(customers, identity_map, truth, persons, identity_records)
    assert got == {
        "customers_scored": 4, "greeting_scored": 3, "greeting_accuracy": round(2 / 3, 5),
        "greeting_accuracy_per_person": 1.0,  # P1 by K1 (two records), P2 by K3
        "address_scored": 2, "address_accuracy": 0.5, "address_accuracy_per_person": 0.5,
        # K2's only record says Lars: the preferred Åke is nowhere in its data
        "greeting_name_in_data_scored": 2, "greeting_accuracy_name_in_data": 1.0,
    }


def test_pair_birth_dates_veto_only_where_the_data_shows_them_reliable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(probabilistic, "BIRTH_DATE_EVIDENCE_PAIRS", 1)
    namesakes = [  # same name and town, two birth dates: scored as a pair by Splink
        rec("crm", "K1", given_names="Kasper", surname="Andersen", birth_date="1980-05-14"),
        rec("crm", "K2", given_names="Kasper", surname="Andersen", birth_date="1987-04-11"),
    ]

    def vetoes(evidence_birth_date: str) -> dict:
        # a CRM duplicate joined by e-mail: does its birth date agree with the original?
        data = records(*namesakes,
                       rec("crm", "D1", given_names="Eva", birth_date="1950-01-01",
                           email="eva@example.se"),
                       rec("crm", "D2", given_names="Eva", birth_date=evidence_birth_date,
                           email="eva@example.se"))
        con = _working_tables(data)
        index = dict(con.sql("select source_record_id, record_index from records").fetchall())
        con.execute(f"create temp table scored as select {index['K1']} as unique_id_l, "
                    f"{index['K2']} as unique_id_r, 0.9995 as match_probability")
        return vet_scored_pairs(con, "scored", "precluster")

    reliable = vetoes("1950-01-01")
    assert reliable["birth_dates_reliable"] and reliable["probabilistic_birth_date_vetoes"] == 1
    # duplicates disagree (corrupted dates, as in FEBRL): the pair's dates are Splink's call
    unreliable = vetoes("1971-09-30")
    assert not unreliable["birth_dates_reliable"]
    assert unreliable["probabilistic_birth_date_vetoes"] == 0
    assert unreliable["probabilistic_edges"] == 1
