"""Probabilistic links with Splink (Fellegi–Sunter, DuckDB backend, EM-trained on the data).

Only records with a name (given or surname) and at least one of birth date, street, postal
code or national id take part (others cannot be told apart by attributes). Pairs already in the same
deterministic pre-cluster are not scored again. Comparisons: first name + surname
(Jaro-Winkler, swapped names recognised), birth date, street, postal code, city, and where the
data has them e-mail (local part), phone and the optional national id. Blocking rules are
equi-joins on pairs of attributes, so the number of scored pairs grows roughly linearly.
A scored pair whose given names are incompatible is not linked unless birth date or national
id agree (name veto, counted).
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb

from orchestration.identity.config import IdentityConfig
from orchestration.identity.deterministic import NAME_SIMILARITY

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
    # given-name veto: a household shares surname and address; different given names (also
    # when swapped with the surname) mean different people unless birth date or national id
    # agree exactly (a mistyped or replaced given name)
    con.execute(
        f"""
        create or replace temp table probabilistic_pairs as
        select least(p.unique_id_l, p.unique_id_r) as left_index,
               greatest(p.unique_id_l, p.unique_id_r) as right_index,
               p.match_probability,
               coalesce(l.first_name is null or r.first_name is null
                   or len(list_intersect(l.given_tokens, r.given_tokens)) > 0
                   or jaro_winkler_similarity(l.first_name, r.first_name) >= {NAME_SIMILARITY}
                   or (l.first_name = r.surname and l.surname = r.first_name)
                   or l.birth_date = r.birth_date or l.national_id = r.national_id, false)
                   as is_name_compatible
        from {predictions.physical_name} as p
        inner join records as l on l.record_index = p.unique_id_l
        inner join records as r on r.record_index = p.unique_id_r
        """
    )
    con.execute(
        "insert into edges select left_index, right_index, 'probabilistic', match_probability "
        "from probabilistic_pairs where is_name_compatible"
    )
    stats["probabilistic_edges"], stats["probabilistic_name_vetoes"] = con.execute(
        "select count(*) filter (is_name_compatible), count(*) filter (not is_name_compatible) "
        "from probabilistic_pairs"
    ).fetchall()[0]
    stats["probabilistic"] = "splink"
    return stats


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
    trained = 0
    for training_block in (block_on("first_name", "surname", "postal_code"),
                           block_on("birth_date", "postal_code")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                training_block, max_pairs=em_max_pairs
            )
        except EMTrainingException:
            continue
        trained += 1
    return linker if trained else None
