"""Publish one audience in one channel from the warehouse into the outbox.

The one code path behind the Dagster export assets, the ``activation`` benchmark stage and the
property tests: read ``activation.act_<channel>__<audience>`` whole, publish it as the next sync
of ``<outbox>/<destination>/<audience>/`` keyed by customer (see
:mod:`orchestration.activation.outbox`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orchestration.activation.audiences import CHANNELS, Audience
from orchestration.activation.compile import channel_model_name
from orchestration.activation.outbox import SyncResult, definition_hash, publish

KEY_COLUMN = "customer_key"


def destination(channel: str) -> str:
    """Outbox destination (channel tool) of an activation channel."""
    return CHANNELS[channel][1]


def publish_audience(
    connection: Any, audience: Audience, channel: str, *, outbox: Path, run_id: str
) -> tuple[SyncResult, Any]:
    """Read the audience's channel model through ``connection`` (DuckDB) and publish it.

    Returns the sync result and the published Arrow table (for an optional HTTP push).
    """
    model = channel_model_name(channel, audience)
    table = connection.sql(f"select * from activation.{model}").to_arrow_table()
    result = publish(
        table,
        outbox=outbox,
        destination=destination(channel),
        audience=audience.name,
        key_column=KEY_COLUMN,
        audience_definition_hash=definition_hash(audience.definition),
        run_id=run_id,
    )
    return result, table
