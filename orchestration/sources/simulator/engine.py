"""Run the simulation chunk by chunk and write the landing files and the ground truth."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.sources.catalog import CHANNELS, CONSENT_CHANNELS, ENTITIES, get_entity
from orchestration.sources.simulator import views_channels, views_commerce, views_master
from orchestration.sources.simulator.behaviour import simulate_behaviour
from orchestration.sources.simulator.calendar import (
    PAID,
    Campaigns,
    Products,
    build_campaigns,
    build_products,
)
from orchestration.sources.simulator.config import (
    CHUNK_PERSONS,
    END_DATE,
    BehaviourConfig,
    MessConfig,
)
from orchestration.sources.simulator.context import Chunk
from orchestration.sources.simulator.output import (
    Emitter,
    FileRecord,
    Spill,
    day_tables,
    encode,
    replace_dir,
    spill,
    write_file,
    write_manifest,
)
from orchestration.sources.simulator.population import NEVER, Persons, simulate_persons
from orchestration.sources.simulator.util import epoch_day, to_object

CHUNKS_PER_SPILL = 10
TOUCHPOINT_ENTITIES = (
    "esp__email_events", "sms__events", "app__events", "web__events", "callcenter__contacts",
    "postal__mailings", "survey__responses", "webshop__orders",
)
"""Entities whose rows are customer touchpoints (what `fct_touchpoints` is built from)."""

_VIEWS = (
    views_master.crm_customers,
    views_master.webshop_accounts,
    views_master.esp_subscribers,
    views_master.app_users,
    views_commerce.orders,
    views_channels.email_events,
    views_channels.sms_events,
    views_channels.app_events,
    views_channels.postal,
    views_commerce.callcenter_contacts,
    views_commerce.survey_responses,
    views_channels.web_events,
    views_master.consent_events,
    views_master.erasure_requests,
)

_TRUTH_SCHEMAS = {
    "person_of_record": pa.schema([("source_system", pa.string()),
                                   ("source_record_id", pa.string()),
                                   ("person_id", pa.string())]),
    "persons": pa.schema([
        ("person_id", pa.string()), ("given_names", pa.string()),
        ("preferred_given_name", pa.string()), ("surname", pa.string()),
        ("birth_date", pa.date32()), ("email", pa.string()), ("phone_e164", pa.string()),
        ("street", pa.string()), ("postal_code", pa.string()), ("city", pa.string()),
        ("country", pa.string()), ("is_erased", pa.bool_()),
        *[(f"consent_{c}", pa.bool_()) for c in CONSENT_CHANNELS],
    ]),
    "stages": pa.schema([("person_id", pa.string()), ("stage", pa.string()),
                         ("valid_from", pa.date32()), ("valid_to", pa.date32())]),
    "future_value": pa.schema([("person_id", pa.string()), ("future_orders", pa.int64()),
                               ("future_revenue", pa.decimal128(14, 2))]),
}


@dataclass
class GenerationSummary:
    """What ``generate`` wrote."""

    out: Path
    customers: int
    seed: int
    days: int
    start_date: date
    end_date: date
    files: int
    rows: dict[str, int] = field(default_factory=dict)
    touchpoint_rows: int = 0
    purchases: int = 0
    incremental_conversions: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def generate(
    out: Path,
    customers: int,
    seed: int,
    days: int = 730,
    config: MessConfig | None = None,
    behaviour: BehaviourConfig | None = None,
    progress: bool = False,
) -> GenerationSummary:
    """Simulate ``customers`` persons over ``days`` ending at END_DATE and write ``out``.

    The data set appears at ``out`` only when complete (written beside it, then renamed);
    ``out/_manifest.json`` lists every file with rows and sha256. An existing earlier data set
    (a folder with a manifest) or an empty folder is replaced.
    """
    started = time.perf_counter()
    mess = config or MessConfig()
    behaviour = behaviour or BehaviourConfig()
    out = Path(out)
    _check(out, customers, seed, days)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    spill_dir = out.parent / f".{out.name}.spill-{os.getpid()}"
    for folder in (staging, spill_dir):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    try:
        summary = _run(staging, spill_dir, customers, seed, days, mess, behaviour, progress)
        replace_dir(staging, out)
    finally:
        shutil.rmtree(spill_dir, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
    summary.out = out
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


def _check(out: Path, customers: int, seed: int, days: int) -> None:
    if customers <= 0:
        raise ValueError(f"customers must be positive, got {customers}")
    if days <= 0:
        raise ValueError(f"days must be positive, got {days}")
    if seed < 0:
        raise ValueError(f"seed must not be negative, got {seed}")
    if out.exists() and not out.is_dir():
        raise ValueError(f"output path {out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / "_manifest.json").exists():
        raise ValueError(f"output folder {out} is not empty and holds no kundresa data set "
                         "(no _manifest.json); choose another folder or empty it")


@dataclass
class _Setup:
    """What every group of chunks needs (sent to worker processes)."""

    seed: int
    customers: int
    days: int
    start: date
    mess: MessConfig
    behaviour: BehaviourConfig
    campaigns: Campaigns
    products: Products
    spill_dir: Path


@dataclass
class _GroupResult:
    spill: Spill
    truth: dict[str, list[pa.Table]]
    ads_clicks: np.ndarray
    purchases: int
    counterfactual: dict[str, int]


def _workers(groups: int) -> int:
    """Worker processes: one per core (at most 2 by default; KUNDRESA_WORKERS overrides)."""
    if groups <= 1:
        return 1
    configured = os.environ.get("KUNDRESA_WORKERS", "").strip()
    if configured and not (configured.isdigit() and int(configured) > 0):
        raise ValueError(f"KUNDRESA_WORKERS must be a positive integer, got {configured!r}")
    wanted = int(configured) if configured else min(os.cpu_count() or 1, 2)
    return max(1, min(wanted, groups))


def _map(function: Callable[[Any], Any], items: list[Any], workers: int) -> Iterator[Any]:
    """Ordered results of ``function`` over ``items``, in worker processes when workers > 1."""
    if workers <= 1:
        yield from map(function, items)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(function, items)


def _run(
    root: Path, spill_dir: Path, customers: int, seed: int, days: int, mess: MessConfig,
    behaviour: BehaviourConfig, progress: bool,
) -> GenerationSummary:
    start = END_DATE - timedelta(days=days - 1)
    calendar_rng = np.random.default_rng([seed, 0])
    campaigns = build_campaigns(days, calendar_rng)
    products = build_products(days, calendar_rng)
    setup = _Setup(seed, customers, days, start, mess, behaviour, campaigns, products, spill_dir)
    chunks = (customers + CHUNK_PERSONS - 1) // CHUNK_PERSONS
    groups = [(setup, list(range(g, min(g + CHUNKS_PER_SPILL, chunks))))
              for g in range(0, chunks, CHUNKS_PER_SPILL)]
    workers = _workers(len(groups))
    bar = _progress_bar(progress, chunks + len(ENTITIES))
    truth_dir = root / "_truth"
    truth_dir.mkdir()
    writers = {name: pq.ParquetWriter(truth_dir / f"{name}.parquet", schema, compression="zstd",
                                      store_schema=False)
               for name, schema in _TRUTH_SCHEMAS.items()}
    parts: dict[str, list[tuple[Path, np.ndarray]]] = {}
    ads_clicks = np.zeros((len(campaigns.campaign_id), days), dtype=np.int64)
    purchases = 0
    counterfactual = dict.fromkeys(CHANNELS, 0)
    try:
        for result in _map(_simulate_group, groups, workers):
            for raw_table, part in result.spill.items():
                parts.setdefault(raw_table, []).append(part)
            for name, tables in result.truth.items():
                for table in tables:
                    writers[name].write_table(table)
            ads_clicks += result.ads_clicks
            purchases += result.purchases
            for channel, value in result.counterfactual.items():
                counterfactual[channel] += value
            bar.update(len(result.truth["persons"]))  # one table per chunk
        tables: dict[str, list[pa.Table]] = {}
        emitter = Emitter(epoch_day(start), days, mess, np.random.default_rng([seed, 4]), tables)
        _global_entities(emitter, campaigns, products, ads_clicks, start, days,
                         np.random.default_rng([seed, 5]))
        for raw_table, part in spill(tables, days, spill_dir, "global").items():
            parts.setdefault(raw_table, []).append(part)
        effects = {c: purchases - counterfactual[c] for c in CHANNELS}
        pq.write_table(pa.table({
            "channel": pa.array(list(CHANNELS)),
            "true_incremental_conversions": pa.array([effects[c] for c in CHANNELS], pa.int64()),
        }), truth_dir / "channel_effects.parquet", compression="zstd", store_schema=False)
    finally:
        for writer in writers.values():
            writer.close()
    records: list[FileRecord] = []
    rows: dict[str, int] = {}
    jobs = [(root, entity.raw_table, parts.get(entity.raw_table, []), start, days)
            for entity in ENTITIES]
    for raw_table, written in _map(_assemble, jobs, _workers(len(jobs)) if workers > 1 else 1):
        records.extend(written)
        rows[raw_table] = sum(r.rows for r in written)
        bar.update(1)
    bar.close()
    for path in sorted(truth_dir.glob("*.parquet")):
        payload = path.read_bytes()
        records.append(FileRecord(f"_truth/{path.name}", pq.ParquetFile(path).metadata.num_rows,
                                  len(payload), hashlib.sha256(payload).hexdigest()))
    parameters: dict[str, Any] = {"customers": customers, "seed": seed, "days": days,
                                  "start_date": start.isoformat(),
                                  "end_date": END_DATE.isoformat(),
                                  "chunk_persons": CHUNK_PERSONS}
    write_manifest(root, records, parameters)
    return GenerationSummary(
        out=root, customers=customers, seed=seed, days=days, start_date=start,
        end_date=END_DATE, files=len(records), rows=rows,
        touchpoint_rows=sum(rows.get(e, 0) for e in TOUCHPOINT_ENTITIES),
        purchases=purchases, incremental_conversions=effects,
    )


def _simulate_group(job: tuple[_Setup, list[int]]) -> _GroupResult:
    """Simulate a group of chunks and spill their rows (runs in a worker process)."""
    setup, indices = job
    start_epoch = epoch_day(setup.start)
    tables: dict[str, list[pa.Table]] = {}
    truth: dict[str, list[pa.Table]] = {name: [] for name in _TRUTH_SCHEMAS}
    ads_clicks = np.zeros((len(setup.campaigns.campaign_id), setup.days), dtype=np.int64)
    purchases = 0
    counterfactual = dict.fromkeys(CHANNELS, 0)
    seed, days = setup.seed, setup.days
    for index in indices:
        low = index * CHUNK_PERSONS
        high = min((index + 1) * CHUNK_PERSONS, setup.customers)
        rng = np.random.default_rng([seed, 1, index])
        persons = simulate_persons(np.arange(low, high), days, setup.behaviour,
                                   setup.mess.changed_email_rate, rng)
        result = simulate_behaviour(persons, setup.campaigns, setup.start, days,
                                    setup.behaviour, setup.mess, rng)
        purchases += result.purchases
        for channel, value in result.counterfactual.items():
            counterfactual[channel] += value
        emitter = Emitter(start_epoch, days, setup.mess, np.random.default_rng([seed, 2, index]),
                          tables)
        chunk = Chunk(seed, index, persons, result, setup.campaigns, setup.products, start_epoch,
                      days, setup.mess, setup.behaviour, np.random.default_rng([seed, 3, index]),
                      emitter, ads_clicks=ads_clicks)
        for view in _VIEWS:
            view(chunk)
        for name, table in _truth_tables(chunk, start_epoch, days).items():
            truth[name].append(table)
    written = spill(tables, days, setup.spill_dir, f"{indices[0]:06d}")
    return _GroupResult(written, truth, ads_clicks, purchases, counterfactual)


def _assemble(job: tuple[Path, str, list[tuple[Path, np.ndarray]], date, int]
              ) -> tuple[str, list[FileRecord]]:
    """Write one entity's daily files from its spills (runs in a worker process)."""
    root, raw_table, parts, start, days = job
    entity = get_entity(raw_table)
    written = []
    for day, table in day_tables(parts, days):
        name = (start + timedelta(days=day)).isoformat()
        relative = f"{entity.source}/{entity.name}/{name}.{entity.extension}"
        written.append(write_file(root, relative, encode(entity, table), table.num_rows))
    return raw_table, written


class _NoBar:
    def update(self, _: int) -> None:
        return None

    def close(self) -> None:
        return None


def _progress_bar(enabled: bool, total: int) -> Any:
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc="generate", unit="step", dynamic_ncols=True)


def _truth_tables(ch: Chunk, start_epoch: int, days: int) -> dict[str, pa.Table]:
    p, b = ch.persons, ch.behaviour
    out: dict[str, pa.Table] = {}
    sources, ids, people = [], [], []
    for source in sorted(ch.truth_records):
        for id_array, person_array in ch.truth_records[source]:
            sources.append(pa.array([source] * len(id_array), pa.string()))
            ids.append(id_array.cast(pa.string()))
            people.append(person_array)
    if sources:
        out["person_of_record"] = pa.table({
            "source_system": pa.concat_arrays(sources),
            "source_record_id": pa.concat_arrays(ids),
            "person_id": pa.concat_arrays(people),
        }, schema=_TRUTH_SCHEMAS["person_of_record"])
    out["persons"] = _persons_table(p, ch, days)
    stage_rows = b.stages
    person_index = np.array([r[0] for r in stage_rows], dtype=np.int64)
    valid_to = [None if r[3] is None else start_epoch + r[3] for r in stage_rows]
    out["stages"] = pa.table({
        "person_id": pa.array(p.person_id[person_index], pa.string()),
        "stage": pa.array([r[1] for r in stage_rows], pa.string()),
        "valid_from": pa.array(np.array([start_epoch + r[2] for r in stage_rows],
                                        dtype=np.int32), pa.date32()),
        "valid_to": pa.array(valid_to, pa.int32()).cast(pa.date32()),
    }, schema=_TRUTH_SCHEMAS["stages"])
    out["future_value"] = pa.table({
        "person_id": pa.array(p.person_id, pa.string()),
        "future_orders": pa.array(b.future_orders, pa.int64()),
        "future_revenue": pa.array(b.future_revenue_sek.astype(float)).cast(pa.decimal128(14, 2)),
    }, schema=_TRUTH_SCHEMAS["future_value"])
    return out


def _persons_table(p: Persons, ch: Chunk, days: int) -> pa.Table:
    last = np.full(len(p), days - 1, dtype=np.int64)
    address = p.address_index(last)
    rows = np.arange(len(p))
    email = np.where(p.email_change_day <= last, p.email2, p.email1)
    erased = p.erasure_day < NEVER
    columns: dict[str, pa.Array] = {
        "person_id": pa.array(p.person_id, pa.string()),
        "given_names": pa.array(p.given_names, pa.string()),
        "preferred_given_name": pa.array(p.preferred, pa.string()),
        "surname": pa.array(p.surname, pa.string()),
        "birth_date": pa.array(p.birth_day.astype(np.int32), pa.date32()),
        "email": pa.array(email, pa.string()),
        "phone_e164": pa.array(p.phone_e164, pa.string()),
        "street": pa.array(p.street[rows, address], pa.string()),
        "postal_code": pa.array(p.postal_code[rows, address], pa.string()),
        "city": pa.array(p.city[rows, address], pa.string()),
        "country": pa.array(p.country, pa.string()),
        "is_erased": pa.array(erased),
    }
    for channel in CONSENT_CHANNELS:
        state = p.consent_at(rows, channel, last)
        if channel == "push":
            state &= ch.app_user_id != None  # noqa: E711
        columns[f"consent_{channel}"] = pa.array(state & ~erased)
    return pa.table(columns, schema=_TRUTH_SCHEMAS["persons"])


_PLATFORM = {"paid_search": ("search_ads", 0.035, 6.5), "paid_social": ("social_ads", 0.009, 4.0),
             "display": ("display_network", 0.0015, 2.5)}


def _global_entities(
    emitter: Emitter, campaigns: Campaigns, products: Products, ads_clicks: np.ndarray,
    start: date, days: int, rng: np.random.Generator,
) -> None:
    start_epoch = epoch_day(start)
    created = (start_epoch + campaigns.created) * 86400 + rng.integers(7 * 3600, 17 * 3600,
                                                                       len(campaigns.created))
    names = to_object([
        f"{_channel_title(CHANNELS[c])} {(start + timedelta(days=int(s))).isoformat()}"
        for c, s in zip(campaigns.channel, campaigns.start, strict=True)
    ])
    emitter.emit("crm__campaigns", {
        "campaign_id": campaigns.campaign_id,
        "campaign_name": names,
        "channel": np.array(CHANNELS, dtype=object)[campaigns.channel],
        "objective": campaigns.objective,
        "offer_id": campaigns.offer_id,
        "start_date": to_object((start_epoch + campaigns.start).tolist()),
        "end_date": to_object((start_epoch + campaigns.end).tolist()),
        "created_at": created,
    })
    changed = np.flatnonzero(products.price_change_day < days)
    rows = np.concatenate([np.arange(len(products.product_id)), changed])
    price = np.concatenate([products.price_sek, products.new_price_sek[changed]])
    day = np.concatenate([np.zeros(len(products.product_id), dtype=np.int64),
                          products.price_change_day[changed]])
    emitter.emit("webshop__products", {
        "product_id": products.product_id[rows],
        "product_name": products.name[rows],
        "category": products.category[rows],
        "list_price_sek": price,
        "launched_on": to_object((start_epoch + products.launched_day[rows]).tolist()),
    }, day=day)
    parts = []
    for channel in PAID:
        platform, ctr, cpc = _PLATFORM[channel]
        for k in campaigns.of_channel(channel):
            span = np.arange(campaigns.start[k], campaigns.end[k] + 1)
            clicks = ads_clicks[k, span]
            impressions = np.round(clicks / ctr * rng.lognormal(0, 0.2, len(span))).astype(
                np.int64) + rng.poisson(50, len(span))
            spend = np.round(clicks * cpc * rng.uniform(0.8, 1.2, len(span)) + impressions * 0.002,
                             2)
            parts.append((span, platform, campaigns.campaign_id[k], channel, impressions, clicks,
                          spend))
    span = np.concatenate([x[0] for x in parts])
    emitter.emit("ads__daily_spend", {
        "report_date": to_object((start_epoch + span).tolist()),
        "platform": np.concatenate([np.full(len(x[0]), x[1], dtype=object) for x in parts]),
        "campaign_id": np.concatenate([np.full(len(x[0]), x[2], dtype=object) for x in parts]),
        "channel": np.concatenate([np.full(len(x[0]), x[3], dtype=object) for x in parts]),
        "impressions": np.concatenate([x[4] for x in parts]),
        "clicks": np.concatenate([x[5] for x in parts]),
        "spend": np.concatenate([x[6] for x in parts]),
        "currency": np.full(len(span), "SEK", dtype=object),
    }, day=np.minimum(span + 1, days - 1))


def _channel_title(channel: str) -> str:
    return {"email": "Nyhetsbrev", "sms": "SMS-erbjudande", "postal": "Katalogutskick",
            "push": "Push", "telemarketing": "Telemarketing", "paid_search": "Sökannonsering",
            "paid_social": "Social annonsering", "display": "Displaykampanj"}[channel]
