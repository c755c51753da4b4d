"""Accuracy of identity resolution against ground truth: pairwise precision / recall / F1,
which records are linkable at all, and the golden record's greeting names and addresses."""

from __future__ import annotations

from typing import Any

import pandas as pd

from orchestration.identity.records import EMAIL_PATTERN, LINK_COLUMNS, PHONE_PATTERN


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise_scores(identity_map: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float | int]:
    """Precision, recall and F1 of "same person" over all record pairs.

    identity_map: source_system, source_record_id, customer_key. truth: source_system,
    source_record_id, person_id. Only records present in both are scored (counts returned).
    """
    keys = ["source_system", "source_record_id"]
    joined = identity_map[[*keys, "customer_key"]].astype({"source_record_id": str}).merge(
        truth[[*keys, "person_id"]].astype({"source_record_id": str}), on=keys, how="inner"
    )
    both = _pairs(joined.groupby(["customer_key", "person_id"]).size())
    predicted = _pairs(joined.groupby("customer_key").size())
    actual = _pairs(joined.groupby("person_id").size())
    precision = both / predicted if predicted else 1.0
    recall = both / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "records_scored": len(joined),
        "true_pairs": actual,
        "predicted_pairs": predicted,
        "precision": round(precision, 5),
        "recall": round(recall, 5),
        "f1": round(f1, 5),
    }


LINKABLE_SQL = f"""
    select r.source_system, r.source_record_id,
        regexp_full_match(lower(trim(cast(r.email as varchar))), '{EMAIL_PATTERN}')
            or regexp_full_match(trim(cast(r.phone_e164 as varchar)), '{PHONE_PATTERN}')
            or (nullif(trim(coalesce(cast(r.given_names as varchar), '') || ' '
                    || coalesce(cast(r.surname as varchar), '')), '') is not null
                and coalesce(cast(r.birth_date as varchar), cast(r.street as varchar),
                             cast(r.postal_code as varchar)) is not null)
            or l.source_system is not null as is_linkable
    from records as r
    left join (
        select distinct left_source_system as source_system,
                        cast(left_source_record_id as varchar) as source_record_id
        from links
        union
        select distinct right_source_system, cast(right_source_record_id as varchar)
        from links
    ) as l
        on l.source_system = r.source_system
        and l.source_record_id = cast(r.source_record_id as varchar)
"""


def linkable_records(records: Any, links: Any | None) -> pd.DataFrame:
    """Which input records carry any evidence that can connect them to another record.

    A record is *linkable* when it has a valid e-mail, a valid phone, an explicit link
    (``int_identity_links``, either end) or a name (given or surname) together with a birth
    date, street or postal code (what probabilistic matching compares). Defined on the input
    alone, independent of the resolver's output. Returns source_system, source_record_id
    (as text), is_linkable.
    """
    import duckdb

    con = duckdb.connect()
    try:
        con.register("records", records)
        if links is None:
            links = pd.DataFrame({c: pd.Series(dtype=object) for c in LINK_COLUMNS})
        con.register("links", links)
        result = con.execute(LINKABLE_SQL).fetch_df()
    finally:
        con.close()
    result["source_record_id"] = result["source_record_id"].astype(str)
    result["is_linkable"] = result["is_linkable"].fillna(False).astype(bool)
    return result


def _fold(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip().str.casefold()


def _postal(series: pd.Series) -> pd.Series:
    return series.astype("string").str.replace(r"\s", "", regex=True).str.upper()


def golden_record_accuracy(customers: pd.DataFrame, identity_map: pd.DataFrame,
                           truth: pd.DataFrame, persons: pd.DataFrame,
                           records: pd.DataFrame | None = None) -> dict[str, Any]:
    """Greeting-name and current-address accuracy of the golden record against the truth.

    customers: dim_customer (customer_key, greeting_name, street, postal_code, is_erased,
    is_test_record). Each customer is scored against the true person most of its identity
    records belong to (ties: the smallest person id); erased and test customers are not scored.

    * greeting: customers with a greeting name; right when it equals (case-insensitive) the
      person's preferred given name. ``greeting_accuracy`` counts every such customer (also a
      fragment such as an unlinked call-center record); ``greeting_accuracy_per_person`` counts
      each person once, by the customer holding most of the person's records (the one a letter
      would go to); ``greeting_accuracy_name_in_data`` counts customers whose own records carry
      the preferred name at all — as a recorded preferred name or as a record's only given name
      (records: the identity records, needed for this figure). Where no record says which of
      several given names is used, no rule can know it.
    * address: customers with a street; right when street (case-insensitive) and postal code
      (without spaces) equal the person's current address; also per person as above.
    """
    keys = ["source_system", "source_record_id"]
    joined = identity_map[[*keys, "customer_key"]].astype({"source_record_id": str}).merge(
        truth[[*keys, "person_id"]].astype({"source_record_id": str}), on=keys, how="inner"
    )
    votes = joined.groupby(["customer_key", "person_id"]).size().rename("records").reset_index()
    votes = votes.sort_values(["customer_key", "records", "person_id"],
                              ascending=[True, False, True])
    majority = votes.drop_duplicates("customer_key")
    scored = customers[~customers["is_erased"].astype(bool)
                       & ~customers["is_test_record"].astype(bool)].merge(
        majority, on="customer_key", how="inner"
    ).merge(
        persons[["person_id", "preferred_given_name", "street", "postal_code"]].rename(
            columns={"street": "true_street", "postal_code": "true_postal_code"}),
        on="person_id", how="inner",
    )
    scored["greeting_right"] = (
        _fold(scored["greeting_name"]) == _fold(scored["preferred_given_name"])
    ).fillna(False).astype(bool)
    scored["address_right"] = (
        (_fold(scored["street"]) == _fold(scored["true_street"]))
        & (_postal(scored["postal_code"]) == _postal(scored["true_postal_code"]))
    ).fillna(False).astype(bool)
    greeted = scored[scored["greeting_name"].notna()]
    addressed = scored[scored["street"].notna()]

    def _share(frame: pd.DataFrame, column: str) -> float | None:
        return round(float(frame[column].mean()), 5) if len(frame) else None

    def _per_person(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.sort_values(["person_id", "records", "customer_key"],
                                 ascending=[True, False, True]).drop_duplicates("person_id")

    figures: dict[str, Any] = {
        "customers_scored": len(scored),
        "greeting_scored": len(greeted),
        "greeting_accuracy": _share(greeted, "greeting_right"),
        "greeting_accuracy_per_person": _share(_per_person(greeted), "greeting_right"),
        "address_scored": len(addressed),
        "address_accuracy": _share(addressed, "address_right"),
        "address_accuracy_per_person": _share(_per_person(addressed), "address_right"),
    }
    if records is not None:
        named = pd.DataFrame({
            "source_system": records["source_system"].astype(str),
            "source_record_id": records["source_record_id"].astype(str),
            "preferred": _fold(records["preferred_given_name"]),
            "only_given": _fold(records["given_names"]).where(
                ~records["given_names"].astype("string").str.strip().str.contains(" ",
                                                                                 na=True)),
        }).merge(identity_map[[*keys, "customer_key"]].astype({"source_record_id": str}),
                 on=keys)
        said = pd.concat([named[["customer_key", "preferred"]].rename(
            columns={"preferred": "name"}), named[["customer_key", "only_given"]].rename(
            columns={"only_given": "name"})]).dropna().drop_duplicates()
        with_name = greeted.assign(name=_fold(greeted["preferred_given_name"])).merge(
            said, on=["customer_key", "name"], how="inner"
        ).drop_duplicates("customer_key")
        figures["greeting_name_in_data_scored"] = len(with_name)
        figures["greeting_accuracy_name_in_data"] = _share(with_name, "greeting_right")
    return figures


# shared values that tie two records of one person together in the data: exact identifiers,
# and a name with a birth date or an address (what probabilistic matching can see)
EVIDENCE_KEYS: tuple[str, ...] = (
    "email",
    "phone",
    "surname || '|' || postal_code",
    "surname || '|' || birth_date",
    "surname || '|' || street",
    "first_name || '|' || birth_date",
)


def evidenced_recall(identity_map: pd.DataFrame, records: Any, links: Any | None,
                     truth: pd.DataFrame) -> dict[str, float | int]:
    """Pairwise recall over the true pairs that the data itself connects.

    Two records of one true person are *evidenced* when a chain of that person's records
    connects them, each step sharing an exact identifier (valid e-mail, valid phone, an
    explicit link) or a surname with a postal code, birth date or street, or a first name with
    a birth date (names and streets compared without case and accents). The truth only decides
    which records belong to one person (so a family's shared phone is no evidence); the chain
    itself is in the data. Pairs the data does not connect are beyond any resolver.
    """
    import duckdb
    import numpy as np

    from orchestration.identity.clustering import components

    con = duckdb.connect()
    try:
        con.register("input_records", records)
        con.register("truth_arrow", truth[["source_system", "source_record_id", "person_id"]]
                     .astype({"source_record_id": str}))
        con.register("map_arrow", identity_map[["source_system", "source_record_id",
                                                "customer_key"]].astype({"source_record_id": str}))
        if links is None:
            links = pd.DataFrame({c: pd.Series(dtype=object) for c in LINK_COLUMNS})
        con.register("input_links", links)
        fold = "nullif(strip_accents(lower(trim(cast({} as varchar)))), '')"
        con.execute(
            f"""
            create temp table scored as
            select row_number() over (order by r.source_system, r.source_record_id) - 1 as i,
                   t.person_id, m.customer_key,
                   case when regexp_full_match(lower(trim(cast(r.email as varchar))),
                        '{EMAIL_PATTERN}') then lower(trim(cast(r.email as varchar))) end as email,
                   case when regexp_full_match(trim(cast(r.phone_e164 as varchar)),
                        '{PHONE_PATTERN}') then trim(cast(r.phone_e164 as varchar)) end as phone,
                   {fold.format('r.surname')} as surname,
                   {fold.format("split_part(trim(cast(r.given_names as varchar)), ' ', 1)")}
                       as first_name,
                   upper(regexp_replace(cast(r.postal_code as varchar), '\\s', '', 'g'))
                       as postal_code,
                   cast(r.birth_date as varchar) as birth_date,
                   {fold.format('r.street')} as street,
                   r.source_system, cast(r.source_record_id as varchar) as source_record_id
            from input_records as r
            inner join truth_arrow as t
                on t.source_system = r.source_system
                and t.source_record_id = cast(r.source_record_id as varchar)
            inner join map_arrow as m
                on m.source_system = r.source_system
                and m.source_record_id = cast(r.source_record_id as varchar)
            """
        )
        key_edges = " union all ".join(
            f"select i, min(i) over (partition by person_id, {key}) as anchor "
            f"from scored where {key} is not null"
            for key in EVIDENCE_KEYS
        )
        edges = con.execute(
            f"""
            select i, anchor from ({key_edges}) where i <> anchor
            union all
            select l.i, r.i
            from input_links as k
            inner join scored as l
                on l.source_system = k.left_source_system
                and l.source_record_id = cast(k.left_source_record_id as varchar)
            inner join scored as r
                on r.source_system = k.right_source_system
                and r.source_record_id = cast(k.right_source_record_id as varchar)
            where l.person_id = r.person_id
            """
        ).fetchnumpy()
        n = con.execute("select count(*) from scored").fetchall()[0][0]
        component = components(n, np.asarray(edges["i"], dtype=np.int64),
                               np.asarray(edges["anchor"], dtype=np.int64))
        assigned = con.execute("select customer_key from scored order by i").fetch_df()
    finally:
        con.close()
    frame = pd.DataFrame({"component": component, "customer_key": assigned["customer_key"]})
    evidenced = _pairs(frame.groupby("component").size())
    found = _pairs(frame.groupby(["component", "customer_key"]).size())
    return {
        "evidenced_pairs": evidenced,
        "evidenced_pairs_found": found,
        "recall": round(found / evidenced, 5) if evidenced else 1.0,
    }
