"""Channel exports as Dagster assets: one per audience and channel, into the outbox.

Each export reads its dbt model ``activation.act_<channel>__<audience>`` and publishes it as the
next sync of ``KUNDRESA_OUTBOX/<destination>/<audience>/`` (files, manifest and diff; see
:mod:`orchestration.activation.outbox`). With ``KUNDRESA_PUSH_URL`` set, the rows are also POSTed to
``<url>/<destination>/<audience>`` in idempotent, retried batches. Quality checks that block the
golden record stop these assets, because the dbt models they read are downstream of it.

An audience whose definition is invalid gets an export asset that fails with the problem, so the
Dagster UI shows it; the other audiences publish as usual.
"""


import os

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.activation.audiences import CHANNELS, Audience, AudienceError, load_config
from orchestration.activation.compile import channel_model_name, customer_360_columns
from orchestration.activation.exports import publish_audience
from orchestration.activation.http_destination import HttpDestination, push_rows
from orchestration.settings import Settings

GROUP = "activation"
PUSH_URL_ENV = "KUNDRESA_PUSH_URL"


def _export_asset(audience: Audience, channel: str) -> dg.AssetsDefinition:
    destination = CHANNELS[channel][1]
    model = channel_model_name(channel, audience)

    @dg.asset(
        key=["outbox", f"{destination}__{audience.name}"],
        deps=[dg.AssetKey(["activation", model])],
        group_name=GROUP,
        pool="duckdb_writer",
        description=(
            f"{audience.description or audience.name}: {channel} export to "
            f"KUNDRESA_OUTBOX/{destination}/{audience.name}/ (CSV, Parquet, manifest, diff)."
        ),
        kinds={"python", "file"},
    )
    def _export(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        with duckdb.get_connection() as connection:
            result, table = publish_audience(
                connection, audience, channel, outbox=Settings.from_env().outbox_dir,
                run_id=context.run_id,
            )
        metadata: dict[str, object] = {
            "rows": result.rows,
            "sync_id": result.sync_id,
            "added": result.added,
            "removed": result.removed,
            "changed": result.changed,
            "path": dg.MetadataValue.path(str(result.path)),
        }
        push_url = os.environ.get(PUSH_URL_ENV)
        if push_url:
            pushed = push_rows(
                table.to_pylist(),
                target=HttpDestination(url=f"{push_url.rstrip('/')}/{destination}/{audience.name}"),
                destination=destination,
                audience=audience.name,
                sync_id=result.sync_id,
            )
            metadata.update({"pushed_rows": pushed.rows, "push_retries": pushed.retries})
        context.log.info(
            f"{audience.name} via {channel}: {result.rows} rows, sync {result.sync_id} "
            f"(+{result.added} -{result.removed} ~{result.changed})"
        )
        return dg.MaterializeResult(metadata=metadata)

    return _export


def _invalid_audience_asset(name: str, problem: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["outbox", f"invalid__{name}"],
        group_name=GROUP,
        description=f"Audience {name} cannot be exported: {problem}",
    )
    def _invalid() -> None:
        raise AudienceError(problem)

    return _invalid


def build_export_assets() -> list[dg.AssetsDefinition]:
    """One export asset per valid audience and channel; a failing one per invalid audience."""
    config = load_config(columns=customer_360_columns())
    assets = [
        _export_asset(audience, channel)
        for audience in config.audiences
        for channel in audience.channels
    ]
    assets.extend(_invalid_audience_asset(n, p) for n, p in sorted(config.invalid.items()))
    return assets
