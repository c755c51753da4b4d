"""The identity Dagster asset on a temp warehouse: tables written, keys stable, history appended."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from orchestration.assets.identity import HISTORY_KEY, MAP_KEY, identity_resolution
from orchestration.resources import WarehouseResource
from tests.unit.identity_helpers import rec, records

DAY_1 = [
    rec("crm", "K1", given_names="Anna", surname="Ek", email="anna@example.se"),
    rec("webshop", "W1", given_names="Anna", email="anna@example.se"),
    rec("callcenter", "CC1", given_names="Anna", phone_e164="+46701234567"),
    rec("web", "cookie-1"),
]
LINKS = pd.DataFrame({
    "left_source_system": ["web"], "left_source_record_id": ["cookie-1"],
    "right_source_system": ["webshop"], "right_source_record_id": ["W1"],
    "link_rule": ["web_login"],
})


def _load(path: Path, rows: list[dict], links: pd.DataFrame | None = LINKS) -> None:
    frame = records(*rows)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists intermediate")
        con.register("frame", frame)
        con.execute("create or replace table intermediate.int_identity_records as "
                    "select * from frame")
        if links is not None:
            con.register("links_frame", links)
            con.execute("create or replace table intermediate.int_identity_links as "
                        "select * from links_frame")


def _materialize(path: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [identity_resolution], resources={"duckdb": WarehouseResource(database=str(path))}
    )


def _map(path: Path) -> pd.DataFrame:
    with duckdb.connect(str(path)) as con:
        return con.sql("select * from marts.customer_identity_map "
                       "order by source_system, source_record_id").df()


def test_asset_writes_map_and_keeps_keys_across_runs(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    _load(warehouse, DAY_1)
    result = _materialize(warehouse)
    assert result.success
    first = _map(warehouse)
    assert len(first) == 4
    assert first.set_index("source_record_id").customer_key.loc[["K1", "W1", "cookie-1"]] \
        .nunique() == 1
    meta = result.asset_materializations_for_node("identity_resolution")[0].metadata
    assert meta["records_in"].value == 4 and meta["clusters_out"].value == 2
    assert meta["largest_cluster"].value == 3
    checks = result.get_asset_check_evaluations()
    assert [c.passed for c in checks] == [True]

    # day 2: the caller gives the e-mail too → Anna's two clusters merge; one new person
    day_2 = [*DAY_1[:2],
             rec("callcenter", "CC1", given_names="Anna", phone_e164="+46701234567",
                 email="anna@example.se"),
             DAY_1[3], rec("crm", "K2", given_names="Bo", email="bo@example.se")]
    _load(warehouse, day_2)
    assert _materialize(warehouse).success
    second = _map(warehouse).set_index("source_record_id")
    anna = first.set_index("source_record_id").customer_key["K1"]
    assert (second.customer_key.loc[["K1", "W1", "cookie-1", "CC1"]] == anna).all()
    with duckdb.connect(str(warehouse)) as con:
        history = con.sql("select old_customer_key, new_customer_key, reason "
                          "from marts.customer_key_history").fetchall()
    old_caller_key = first.set_index("source_record_id").customer_key["CC1"]
    assert history == [(old_caller_key, anna, "merge")]


def test_asset_runs_without_links_table(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    _load(warehouse, DAY_1, links=None)
    assert _materialize(warehouse).success
    assert _map(warehouse).set_index("source_record_id").loc["cookie-1"].is_identity_weak
    with duckdb.connect(str(warehouse)) as con:
        singletons = con.execute(
            "select count(*), count(match_probability) from marts.customer_identity_map "
            "where match_rule = 'singleton'"
        ).fetchall()[0]
    assert singletons == (2, 0)  # the cookie and the caller; no probability (SQL null)


def test_asset_fails_clearly_without_records(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    with pytest.raises(dg.Failure, match="int_identity_records does not exist"):
        _materialize(warehouse)


def test_asset_keys() -> None:
    assert set(identity_resolution.keys) == {MAP_KEY, HISTORY_KEY}
    assert identity_resolution.group_names_by_key[MAP_KEY] == "identity"
