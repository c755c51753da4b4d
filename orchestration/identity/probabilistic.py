"""Probabilistic links with Splink (Fellegi–Sunter, DuckDB backend, EM-trained on the data).

Only records with a name (given or surname) and at least one of birth date, street, postal
code or national id take part (others cannot be told apart by attributes). Pairs already in the same
deterministic pre-cluster are not scored again. Comparisons: first name + surname
(Jaro-Winkler, swapped names recognised), birth date, street, postal code, city, and where the
data has them e-mail (local part), phone and the optional national id. Blocking rules are
equi-joins on pairs of attributes, so the number of scored pairs grows roughly linearly.
A scored pair whose given names are incompatible is not linked unless birth date or national
id agree or the pre-clusters share a given name (name veto, counted). Nor is a pair whose
deterministic pre-clusters both know birth dates, none within a typo of the other's (birth-date
veto, counted): a person has one birth date, so two namesakes in one town — one with a street,
one without, each tied by e-mail to its own CRM record with its own birth date — stay two
people even when the pair itself shows no birth date (see vet_scored_pairs).
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb

from orchestration.identity.config import IdentityConfig
from orchestration.identity.records import compatible_names_sql

ELIGIBLE = (
    "(surname is not null or first_name is not null) and (birth_date is not null "
    "or street is not null or postal_code is not null or national_id is not null)"
)

# equi-join blocking rules for prediction (pairs in one pre-cluster are excluded)
PREDICTION_BLOCKS: tuple[str, ...] = (
    "l.surname = r.surname and l.postal_code = r.postal_code",
    "l.first_name = r.first_name and l.birth_date = r.birth_date",
    "l.surname = r.surname and l.birth_date = r.birth_date",
    "l.postal_code = r.postal_code and l.birth_date = r.birth_date",
    "l.first_name = r.first_name and l.surname = r.surname and l.city = r.city",
    "l.street = r.street and l.postal_code = r.postal_code",
    "l.first_name = r.surname and l.surname = r.first_name",
)
NATIONAL_ID_BLOCK = "l.national_id = r.national_id"
EM_SAMPLING_MIN_RECORDS = 100_000
BIRTH_DATE_EVIDENCE_PAIRS = 50  # pre-cluster record pairs with two birth dates to judge them


def eligible_count(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(f"select count(*) from records where {ELIGIBLE}").fetchall()[0][0]


def add_probabilistic_edges(con: duckdb.DuckDBPyConnection, precluster_table: str,
                            config: IdentityConfig) -> dict[str, Any]:
    """Score candidate pairs with Splink and append pairs above the threshold to ``edges``.

    precluster_table: (record_index, precluster) — the deterministic cluster of each record.
    """
    stats: dict[str, Any] = {"probabilistic_records": eligible_count(con)}
    if not config.probabilistic:
        stats["probabilistic"] = "disabled"
        return stats
    if stats["probabilistic_records"] < config.min_probabilistic_records:
        stats["probabilistic"] = (
            f"skipped: {stats['probabilistic_records']} eligible records "
            f"< {config.min_probabilistic_records}"
        )
        return stats

    con.execute(
        f"""
        create or replace temp table splink_input as
        select r.record_index as unique_id, p.precluster, r.first_name, r.surname,
               r.first_name || ' ' || r.surname as full_name, r.birth_date,
               r.street, r.postal_code, r.city, r.email,
               r.phone_e164, r.national_id
        from records as r
        inner join {precluster_table} as p using (record_index)
        where {ELIGIBLE}
        """
    )
    present = dict(zip(
        ("email", "phone_e164", "national_id", "city"),
        con.execute(
            "select count(email) > 0, count(phone_e164) > 0, count(national_id) > 0, "
            "count(city) > 0 from splink_input"
        ).fetchall()[0],
        strict=True,
    ))
    linker = _linker(con, config, present, stats["probabilistic_records"])
    if linker is None:
        stats["probabilistic"] = "skipped: no training block found record pairs (too little data)"
        return stats
    predictions = linker.inference.predict(
        threshold_match_probability=config.match_threshold, warning_mode="never"
    )
    stats |= vet_scored_pairs(con, predictions.physical_name, precluster_table)
    stats["probabilistic"] = "splink"
    return stats


def _same_birth_date_sql(left: str, right: str) -> str:
    """SQL: two birth dates within a typo (Damerau-Levenshtein 1 on YYYY-MM-DD, or only one
    of year, month and day differs)."""
    return (f"(damerau_levenshtein(cast({left} as varchar), cast({right} as varchar)) <= 1 "
            f"or (year({left}) = year({right}))::int + (month({left}) = month({right}))::int "
            f"+ (day({left}) = day({right}))::int >= 2)")


def _birth_dates_reliable(con: duckdb.DuckDBPyConnection, precluster_table: str
                          ) -> tuple[bool, int]:
    """Whether this data's birth dates are reliable: records joined by an e-mail, a phone or
    an explicit link (one pre-cluster) almost always agree on them (at most 1 % of at least
    BIRTH_DATE_EVIDENCE_PAIRS such pairs disagree beyond a typo). FEBRL-like data with
    corrupted birth dates and no shared keys shows no such evidence: Splink weighs the dates
    alone there. Returns (reliable, pairs examined)."""
    pairs, disagreeing = con.execute(
        f"""
        with dated as (
            select p.precluster, r.record_index, r.birth_date
            from records as r
            inner join {precluster_table} as p using (record_index)
            where r.birth_date is not null
        )
        select count(*), coalesce(sum(case when {_same_birth_date_sql('a.birth_date',
                                                                     'b.birth_date')}
                                           then 0 else 1 end), 0)
        from dated as a
        inner join dated as b
            on a.precluster = b.precluster and a.record_index < b.record_index
        """
    ).fetchall()[0]
    return pairs >= BIRTH_DATE_EVIDENCE_PAIRS and disagreeing <= 0.01 * pairs, int(pairs)


def vet_scored_pairs(con: duckdb.DuckDBPyConnection, scored_table: str,
                     precluster_table: str) -> dict[str, Any]:
    """Append the scored pairs that pass both vetoes to ``edges``; returns counts.

    scored_table: (unique_id_l, unique_id_r, match_probability) — record indexes of pairs above
    the threshold. Given-name veto: a household shares surname and address, so different given
    names (compared with typo tolerance, also swapped with the surname) mean different people —
    unless the birth date or national id agree, or the two pre-clusters' records share a given
    name ("Gustav" on an envelope, "Göran" in the web shop, the CRM says "Gustav Göran").
    Birth-date veto: both pre-clusters know birth dates, none of one within a typo of one of
    the other (Damerau-Levenshtein 1 on YYYY-MM-DD, or only one of year, month and day
    differs) — where they are just the pair's own two dates (which Splink has weighed), only
    when the data shows birth dates to be reliable (_birth_dates_reliable).
    """
    reliable, reliability_pairs = _birth_dates_reliable(con, precluster_table)
    con.execute(
        f"""
        create or replace temp table precluster_birth_dates as
        select p.precluster, list_distinct(list(r.birth_date)) as birth_dates
        from records as r
        inner join {precluster_table} as p using (record_index)
        where r.birth_date is not null
        group by p.precluster
        """
    )
    con.execute(
        f"""
        create or replace temp table precluster_given_tokens as
        select p.precluster, list_distinct(flatten(list(r.given_tokens))) as given_tokens
        from records as r
        inner join {precluster_table} as p using (record_index)
        where len(r.given_tokens) > 0
        group by p.precluster
        """
    )
    con.execute(
        f"""
        create or replace temp table probabilistic_pairs as
        select least(p.unique_id_l, p.unique_id_r) as left_index,
               greatest(p.unique_id_l, p.unique_id_r) as right_index,
               p.match_probability,
               coalesce(l.first_name is null or r.first_name is null
                   or {compatible_names_sql('l', 'r')}
                   or len(list_intersect(lt.given_tokens, rt.given_tokens)) > 0
                   or l.birth_date = r.birth_date or l.national_id = r.national_id, false)
                   as is_name_compatible,
               lb.birth_dates is null or rb.birth_dates is null
                   -- the pair's own dates are all there is: Splink has weighed them, unless
                   -- the data shows birth dates to be reliable (then they must agree)
                   or (not {reliable} and lb.birth_dates = [l.birth_date]
                       and rb.birth_dates = [r.birth_date])
                   or len(list_filter(lb.birth_dates, lambda x: len(list_filter(
                       rb.birth_dates, lambda y: {_same_birth_date_sql('x', 'y')})) > 0)) > 0
                   as is_birth_date_compatible
        from {scored_table} as p
        inner join records as l on l.record_index = p.unique_id_l
        inner join records as r on r.record_index = p.unique_id_r
        inner join {precluster_table} as lp on lp.record_index = p.unique_id_l
        inner join {precluster_table} as rp on rp.record_index = p.unique_id_r
        left join precluster_given_tokens as lt on lt.precluster = lp.precluster
        left join precluster_given_tokens as rt on rt.precluster = rp.precluster
        left join precluster_birth_dates as lb on lb.precluster = lp.precluster
        left join precluster_birth_dates as rb on rb.precluster = rp.precluster
        """
    )
    con.execute(
        "insert into edges select left_index, right_index, 'probabilistic', match_probability "
        "from probabilistic_pairs where is_name_compatible and is_birth_date_compatible"
    )
    edges, name_vetoes, birth_date_vetoes = con.execute(
        "select count(*) filter (is_name_compatible and is_birth_date_compatible), "
        "count(*) filter (not is_name_compatible), "
        "count(*) filter (is_name_compatible and not is_birth_date_compatible) "
        "from probabilistic_pairs"
    ).fetchall()[0]
    return {
        "birth_dates_reliable": reliable,
        "birth_date_reliability_pairs": reliability_pairs,
        "probabilistic_edges": edges,
        "probabilistic_name_vetoes": name_vetoes,
        "probabilistic_birth_date_vetoes": birth_date_vetoes,
    }


def _linker(con: duckdb.DuckDBPyConnection, config: IdentityConfig, present: dict[str, bool],
            records: int) -> Any:
    """Build the Splink linker and train it: prior, u by random sampling, m by EM.

    Returns None when no EM training block found any record pairs.
    """
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    from splink.blocking_rule_library import CustomRule
    from splink.internals.exceptions import EMTrainingException

    comparisons: list[Any] = [
        # full-name exact match weighted by how common the name is (term frequencies)
        cl.ForenameSurnameComparison(
            "first_name", "surname", forename_surname_concat_col_name="full_name"
        ),
        cl.DateOfBirthComparison("birth_date", input_is_string=False),
        cl.JaroWinklerAtThresholds("street", [0.9, 0.8]),
        cl.LevenshteinAtThresholds("postal_code", [1]),
    ]
    if present["city"]:
        comparisons.append(cl.JaroWinklerAtThresholds("city", [0.9]))
    if present["email"]:
        comparisons.append(cl.EmailComparison("email"))
    if present["phone_e164"]:
        comparisons.append(cl.ExactMatch("phone_e164"))
    if present["national_id"]:
        comparisons.append(cl.LevenshteinAtThresholds("national_id", [1, 2]))
    blocks = list(PREDICTION_BLOCKS) + ([NATIONAL_ID_BLOCK] if present["national_id"] else [])
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[
            CustomRule(f"{rule} and l.precluster <> r.precluster") for rule in blocks
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        max_iterations=20,
    )
    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.ERROR)
    db_api = DuckDBAPI(connection=con)
    linker = Linker(db_api.register("splink_input"), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "birth_date"), "l.precluster = r.precluster"],
        recall=0.8,
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=config.u_max_pairs, seed=config.seed
    )
    # pair sampling needs enough records for its 1 % probe to find pairs at all
    em_max_pairs = config.em_max_pairs if records >= EM_SAMPLING_MIN_RECORDS else None
    # training blocks must stay small at scale: common first name + surname pairs are many.
    # On tiny inputs a block can find no pairs at all; it is skipped, and with no trained
    # block the caller skips probabilistic matching (m-values would be guesses).
    # The first session learns how one person's records agree on names, birth date and
    # address. Records that share an e-mail are nearly all one person: the cleanest sample.
    # Without shared e-mails it falls back to same name and postal code, a sample that in a
    # small town with common names holds many namesakes (EM then takes "same name, other birth
    # date" for normal among matches) — the reason the e-mail block goes first.
    first_blocks = ([block_on("email")] if present["email"] else []) + [
        block_on("first_name", "surname", "postal_code")
    ]
    trained = 0
    for training_block in first_blocks:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                training_block, max_pairs=em_max_pairs
            )
        except EMTrainingException:
            continue
        trained += 1
        break
    try:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("birth_date", "postal_code"), max_pairs=em_max_pairs
        )
        trained += 1
    except EMTrainingException:
        pass
    return linker if trained else None
