"""Extract assets in Dagster: per-asset failure isolation, checks, config, sensor, lineage."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.assets.extract import build_extract_assets, extract_asset_key
from orchestration.checks.extract import ROW_COUNT_IDENTITY
from orchestration.resources import WarehouseResource
from orchestration.sensors import landing_files_sensor
from orchestration.sources.catalog import ENTITIES, get_entity

CAMPAIGNS = get_entity("crm__campaigns")
SMS = get_entity("sms__events")
CAMPAIGN_HEADER = (
    "campaign_id;campaign_name;channel;objective;offer_id;start_date;end_date;created_at"
)
SMS_HEADER = "event_id,msisdn,event_type,campaign_id,occurred_at"


def _write(landing: Path, relative: str, lines: list[str]) -> None:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _assets(*entities) -> list[dg.AssetsDefinition]:
    keys = {extract_asset_key(e) for e in entities}
    return [a for a in build_extract_assets() if a.key in keys]


def _materialize(warehouse_env, *entities, run_config=None) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        _assets(*entities),
        resources={"duckdb": WarehouseResource(database=str(warehouse_env["KUNDRESA_DUCKDB"]))},
        run_config=run_config,
        raise_on_error=False,
    )


def _rows(warehouse_env, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse_env["KUNDRESA_DUCKDB"]), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_missing_column_fails_only_its_own_asset(warehouse_env) -> None:
    landing = warehouse_env["KUNDRESA_LANDING"]
    _write(landing, "crm/campaigns/2025-01-01.csv", [
        CAMPAIGN_HEADER.replace(";campaign_name", ""),
        "K1;email;retention;;2025-01-01;;2025-01-01T08:00:00Z",
    ])
    _write(landing, "sms/events/2025-01-01.csv", [
        SMS_HEADER, "S1,+46701234567,sent,K1,2025-01-01T10:00:00+0100"
    ])
    result = _materialize(warehouse_env, CAMPAIGNS, SMS)
    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert len(failures) == 1
    message = failures[0].step_failure_data.error.message
    assert "crm/campaigns/2025-01-01.csv" in message and "campaign_name" in message

    materialized = result.get_asset_materialization_events()
    assert [e.asset_key for e in materialized] == [extract_asset_key(SMS)]
    metadata = materialized[0].materialization.metadata
    assert metadata["rows_loaded"].value == 1 and metadata["files_loaded"].value == 1
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks[ROW_COUNT_IDENTITY] is True
    assert _rows(warehouse_env, "select event_id from raw.sms__events") == [("S1",)]


def test_rerun_loads_nothing_and_full_refresh_config_reloads(warehouse_env) -> None:
    landing = warehouse_env["KUNDRESA_LANDING"]
    _write(landing, "sms/events/2025-01-01.csv", [
        SMS_HEADER, "S1,+46701234567,sent,K1,2025-01-01T10:00:00Z", "S2,0701234567,sent,,bad"
    ])
    first = _materialize(warehouse_env, SMS)
    second = _materialize(warehouse_env, SMS)
    refresh = _materialize(
        warehouse_env, SMS,
        run_config={"ops": {"raw__sms__events": {"config": {"full_refresh": True}}}},
    )
    loaded = [
        r.get_asset_materialization_events()[0].materialization.metadata
        for r in (first, second, refresh)
    ]
    assert [(m["rows_loaded"].value, m["rows_quarantined"].value) for m in loaded] == [
        (1, 1), (0, 0), (1, 1)
    ]
    assert loaded[1]["files_skipped"].value == 1
    assert _rows(warehouse_env, "select count(*) from raw.sms__events") == [(1,)]
    assert _rows(warehouse_env, "select count(*) from quality.quarantine") == [(1,)]


def test_sensor_requests_runs_for_new_and_changed_files_only(warehouse_env) -> None:
    landing = warehouse_env["KUNDRESA_LANDING"]
    context = dg.build_sensor_context()
    assert landing_files_sensor(context).skip_reason is not None  # no landing files yet

    _write(landing, "sms/events/2025-01-01.csv", [SMS_HEADER])
    first = landing_files_sensor(context)
    (request,) = first.run_requests
    assert request.asset_selection == [extract_asset_key(SMS)]

    context = dg.build_sensor_context(cursor=first.cursor)
    assert landing_files_sensor(context).skip_reason is not None  # nothing new
    _write(landing, "crm/campaigns/2025-01-01.csv", [CAMPAIGN_HEADER])
    _write(landing, "crm/campaigns/_manifest.json", ["{}"])
    second = landing_files_sensor(context)
    assert second.run_requests[0].asset_selection == [extract_asset_key(CAMPAIGNS)]
    assert set(json.loads(second.cursor)) == {"sms__events", "crm__campaigns"}


def test_asset_graph_links_extract_assets_to_dbt_sources() -> None:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    for entity in ENTITIES:
        key = extract_asset_key(entity)
        node = graph.get(key)
        assert node.is_materializable and node.group_name == "extract"
    staging = [k for k in keys if k.path[0] == "staging" and k.path[-1].startswith("stg_")]
    linked = {p for k in staging for p in graph.get(k).parent_keys if p.path[0] == "raw"}
    # every staging model reads a raw table that an extract asset produces (no dangling sources)
    assert linked <= {extract_asset_key(e) for e in ENTITIES}
    for key in staging:
        name = key.path[-1].removeprefix("stg_")
        assert dg.AssetKey(["raw", name]) in graph.get(key).parent_keys, key


def test_daily_schedule_is_off_by_default() -> None:
    from orchestration.schedules import daily_pipeline_schedule

    assert daily_pipeline_schedule.default_status == dg.DefaultScheduleStatus.STOPPED
