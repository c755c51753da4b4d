"""Pairwise precision / recall / F1 of an identity map against ground truth."""

from __future__ import annotations

import pandas as pd


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
