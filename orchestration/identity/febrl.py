"""FEBRL benchmark files mapped to the identity-record contract, with their ground truth.

FEBRL has no e-mail or phone. Mapping: given_name → given_names, surname, street =
street_number + address_1, postal_code = postcode, city = suburb, birth_date = date_of_birth
(YYYYMMDD), national_id = soc_sec_id. ``rec-N-org`` and ``rec-N-dup-k`` are person N.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from orchestration.identity.records import RECORD_COLUMNS


def read_febrl(path: Path, source_system: str) -> pd.DataFrame:
    """One FEBRL CSV as identity records (all contract columns, plus national_id)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    raw.columns = [c.strip() for c in raw.columns]
    raw = raw.apply(lambda column: column.str.strip()).replace("", None)
    street = (raw["street_number"].fillna("") + " " + raw["address_1"].fillna("")).str.strip()
    records = pd.DataFrame({
        "source_system": source_system,
        "source_record_id": raw["rec_id"],
        "given_names": raw["given_name"],
        "surname": raw["surname"],
        "birth_date": raw["date_of_birth"],
        "street": street.replace("", None),
        "postal_code": raw["postcode"],
        "city": raw["suburb"],
        "country": "AU",
        "national_id": raw["soc_sec_id"],
    })
    for column in RECORD_COLUMNS:
        if column not in records:
            records[column] = None
    return records[[*RECORD_COLUMNS, "national_id"]]


def febrl_truth(records: pd.DataFrame) -> pd.DataFrame:
    """source_system, source_record_id, person_id from FEBRL record ids."""
    person = records["source_record_id"].str.extract(r"^rec-(\d+)-", expand=False)
    if person.isna().any():
        raise ValueError("FEBRL record ids must look like rec-<N>-org or rec-<N>-dup-<k>")
    return pd.DataFrame({
        "source_system": records["source_system"],
        "source_record_id": records["source_record_id"],
        "person_id": person,
    })
