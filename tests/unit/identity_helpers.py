"""Hand-made identity records for the identity tests."""

from __future__ import annotations

from typing import Any

import pandas as pd

from orchestration.identity.records import RECORD_COLUMNS


def records(*rows: dict[str, Any]) -> pd.DataFrame:
    """Identity records with every contract column; unspecified values are null."""
    frame = pd.DataFrame([{column: row.get(column) for column in RECORD_COLUMNS} for row in rows])
    return frame.astype({column: object for column in RECORD_COLUMNS})


def rec(system: str, record_id: str, **values: Any) -> dict[str, Any]:
    return {"source_system": system, "source_record_id": record_id, **values}


def key_of(identity_map: pd.DataFrame, system: str, record_id: str) -> str:
    row = identity_map[(identity_map.source_system == system)
                       & (identity_map.source_record_id == record_id)]
    assert len(row) == 1
    return str(row.customer_key.iloc[0])


def row_of(identity_map: pd.DataFrame, system: str, record_id: str) -> pd.Series:
    row = identity_map[(identity_map.source_system == system)
                       & (identity_map.source_record_id == record_id)]
    assert len(row) == 1
    return row.iloc[0]
