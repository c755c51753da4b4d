"""Schedules: the whole pipeline once a day (off by default; switch it on in the UI)."""

from __future__ import annotations

import dagster as dg

daily_pipeline_schedule = dg.ScheduleDefinition(
    name="daily_pipeline",
    description="Materialise every asset (extract → staging → identity → marts → activation).",
    cron_schedule="0 6 * * *",
    execution_timezone="Europe/Stockholm",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
