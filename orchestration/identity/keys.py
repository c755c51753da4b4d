"""Stable customer keys across runs, and the history of key changes.

* A cluster inherits the previous key that most of its records had (ties: the smaller key).
  A previous key goes to at most one cluster: the one holding most of its records (ties: the
  cluster whose smallest record sorts first). A new day's data therefore renumbers nobody.
* Any other cluster gets a new key derived from its smallest (source_system, source_record_id):
  ``"C" + 16 hex digits of SHA-1`` — independent of row order and of other clusters. A key that
  was ever used before is never handed out again (a counter is mixed into the hash instead).
* History (old_customer_key → new_customer_key): ``merge`` when an old key disappeared and all
  its records moved to one new key; ``split`` for every new key that received records of an old
  key that lives on or whose records spread over several keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

import numpy as np
import pandas as pd

HISTORY_COLUMNS: tuple[str, ...] = (
    "old_customer_key",
    "new_customer_key",
    "reason",
    "run_id",
    "changed_at",
)


def new_key(source_system: str, source_record_id: str, salt: int = 0) -> str:
    """The key a brand-new cluster anchored at this record gets."""
    text = f"{source_system}\x1f{source_record_id}" + (f"\x1f{salt}" if salt else "")
    return "C" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16].upper()


def _inherit(label: np.ndarray, previous: pd.DataFrame) -> dict[int, str]:
    """Cluster label → inherited previous key (greedy by record count, deterministic ties)."""
    if previous.empty:
        return {}
    pairs = (
        pd.DataFrame({
            "label": label[previous["record_index"].to_numpy()],
            "key": previous["customer_key"].astype(str).to_numpy(),
        })
        .groupby(["label", "key"], sort=False)
        .size()
        .rename("count")
        .reset_index()
        .sort_values(["count", "key", "label"], ascending=[False, True, True], kind="stable")
    )
    inherited: dict[int, str] = {}
    while not pairs.empty:
        cluster_best = pairs.drop_duplicates("label", keep="first")
        winners = cluster_best.drop_duplicates("key", keep="first")
        inherited.update(zip(winners["label"].tolist(), winners["key"].tolist(), strict=True))
        pairs = pairs[~pairs["label"].isin(winners["label"]) & ~pairs["key"].isin(winners["key"])]
    return inherited


def assign_keys(
    label: np.ndarray,
    source_system: np.ndarray,
    source_record_id: np.ndarray,
    previous: pd.DataFrame,
    used_keys: Iterable[str],
    run_id: str,
    changed_at: datetime,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Customer key of every record, and the history rows of this run.

    label: cluster label per record (the smallest record index in the cluster; records are in
        (source_system, source_record_id) order). previous: record_index, customer_key of the
        previous map. used_keys: every key ever issued (previous map and key history).
    """
    inherited = _inherit(label, previous)
    taken = set(used_keys) | set(previous["customer_key"].astype(str)) | set(inherited.values())
    key_of_label: dict[int, str] = dict(inherited)
    for anchor in np.unique(label).tolist():
        if anchor in key_of_label:
            continue
        salt = 0
        key = new_key(source_system[anchor], source_record_id[anchor])
        while key in taken:
            salt += 1
            key = new_key(source_system[anchor], source_record_id[anchor], salt)
        taken.add(key)
        key_of_label[anchor] = key
    labels = pd.Series(label)
    keys = labels.map(key_of_label).to_numpy(dtype=object)
    return keys, _history(keys, previous, set(key_of_label.values()), run_id, changed_at)


def _history(keys: np.ndarray, previous: pd.DataFrame, current: set[str], run_id: str,
             changed_at: datetime) -> pd.DataFrame:
    if previous.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in HISTORY_COLUMNS})
    flows = pd.DataFrame({
        "old_customer_key": previous["customer_key"].astype(str).to_numpy(),
        "new_customer_key": keys[previous["record_index"].to_numpy()],
    })
    destinations = flows.drop_duplicates()
    spread = destinations.groupby("old_customer_key")["new_customer_key"].transform("size")
    moved = destinations[destinations["old_customer_key"] != destinations["new_customer_key"]]
    spread = spread.loc[moved.index]
    survives = moved["old_customer_key"].isin(current)
    reason = np.where(~survives & (spread == 1), "merge", "split")
    history = moved.assign(reason=reason, run_id=run_id, changed_at=changed_at)
    return history.sort_values(["old_customer_key", "new_customer_key"]).reset_index(drop=True)[
        list(HISTORY_COLUMNS)
    ]
