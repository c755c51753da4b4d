"""Benchmark stage `attribution`: the Markov model on 1 000 000 distinct paths, every model on the
same paths, and — when an earlier stage left a warehouse with the core marts (``customer360``
stage: ``marts.fct_orders``, ``marts.fct_touchpoints``) — the pipeline's attribution on the
simulated customers, timed, and every model against the simulator's true incremental conversions.

Synthetic paths come from a seeded generator (a first-order chain over 12 channels with
channel-specific conversion lift), so runs are comparable. Times are wall-clock seconds plus the
process CPU seconds, measured around the engine calls only (not the data generation).

Pipeline part (``report["pipeline"]``), the work of the attribution group in a run:
1. ``dbt run`` of int_conversion_paths (paths from the marts; dbt vars as configured);
2. the ``marts.fct_attribution_credits`` asset's work (:func:`attribute_warehouse`: read the
   paths, fit and apply all nine models, write the credits), in this process;
3. ``dbt run`` of the attribution marts (attribution_summary, attribution_model_comparison) and
   the SQL rule models (int_attribution_rule_credits);
then the accuracy of every model against ``_truth/channel_effects``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.attribution.paths import SEPARATOR

CHANNELS: tuple[str, ...] = (
    "app",
    "direct",
    "display",
    "email",
    "organic_search",
    "paid_search",
    "paid_social",
    "postal",
    "push",
    "referral",
    "sms",
    "telemarketing",
)
PATH_ROWS = 1_000_000
SEED = 20_261_122


def synthetic_paths(n_paths: int = PATH_ROWS, seed: int = SEED) -> tuple[pa.Table, dict]:
    """``n_paths`` distinct paths (path, conversions, non_conversions, value), seeded, and the
    true incremental conversions per channel: a journey converts with probability
    0.01 + Σ lift of the distinct channels on it, so removing channel c loses
    lift_c × (journeys exposed to c) conversions in expectation."""
    rng = np.random.default_rng(seed)
    n_channels = len(CHANNELS)
    transition = rng.dirichlet(np.full(n_channels, 0.6), n_channels)
    cumulative = np.cumsum(transition, axis=1)
    first = rng.dirichlet(np.ones(n_channels))
    lift = rng.uniform(0.0, 0.08, n_channels)
    names = pa.array(CHANNELS)
    chunks: list[pa.Array] = []
    seen = 0
    while seen < n_paths:
        draws = int((n_paths - seen) * 2.4) + 1000
        lengths = np.minimum(rng.geometric(0.2, draws), 40)
        codes = np.empty(int(lengths.sum()), dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        codes[starts] = rng.choice(n_channels, size=draws, p=first)
        position = np.arange(len(codes)) - np.repeat(starts, lengths)
        for step in range(1, int(lengths.max())):
            at = np.flatnonzero(position == step)
            previous = codes[at - 1]
            codes[at] = (rng.random(len(at))[:, None] > cumulative[previous]).sum(axis=1)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
        strings = pc.binary_join(
            pa.ListArray.from_arrays(pa.array(offsets), names.take(pa.array(codes))),
            f" {SEPARATOR} ",
        )
        chunks.append(strings)
        seen = len(pc.unique(pa.chunked_array(chunks)))
    paths = pc.unique(pa.chunked_array(chunks)).slice(0, n_paths)
    # outcome counts: base rate plus each distinct channel's lift
    table = _parse(paths, np.zeros(n_paths), np.zeros(n_paths))
    touched = np.zeros((n_paths, n_channels), dtype=bool)
    touched[table.path_index(), table.codes] = True
    names_order = [CHANNELS.index(name) for name in table.channels]
    lift = lift[names_order]
    rate = 0.01 + touched @ lift
    if rate.max() > 0.9:  # the additive truth below needs uncapped rates
        raise ValueError("synthetic conversion rates exceed 0.9; lower the lifts")
    journeys = rng.integers(1, 40, n_paths)
    conversions = rng.binomial(journeys, rate)
    value = conversions * rng.gamma(2.0, 400.0, n_paths)
    exposed = np.bincount(
        np.nonzero(touched)[1], weights=journeys[np.nonzero(touched)[0]], minlength=n_channels
    )
    truth = {name: float(lift[code] * exposed[code]) for code, name in enumerate(table.channels)}
    return pa.table(
        {
            "path": paths,
            "conversions": conversions.astype(np.float64),
            "non_conversions": (journeys - conversions).astype(np.float64),
            "value": value,
        }
    ), truth


def _parse(paths: pa.Array, conversions: np.ndarray, non_conversions: np.ndarray, value=None):
    from orchestration.attribution.paths import parse_paths

    return parse_paths(paths, conversions, non_conversions, value)


def _timed(function, *args, **kwargs) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def run(customers: int, workdir: Path, report: dict) -> None:
    """Record Markov and all-model timings on synthetic paths; time the pipeline's attribution
    and score it against the truth where an earlier stage built the marts."""
    _synthetic(report)
    pipeline = _pipeline(workdir)
    if pipeline is not None:
        report["pipeline"] = pipeline


def _synthetic(report: dict) -> None:
    from orchestration.attribution.engine import MODELS, attribute_paths, fit
    from orchestration.attribution.engine import AttributionConfig as Config
    from orchestration.attribution.evaluation import incremental_accuracy
    from orchestration.attribution.paths import order_free

    data, truth = synthetic_paths()
    report["path_rows"] = data.num_rows
    table, parse_s, parse_cpu = _timed(
        _parse,
        data["path"],
        data["conversions"].to_numpy(),
        data["non_conversions"].to_numpy(),
        data["value"].to_numpy(),
    )
    report["touches"] = len(table.codes)
    report["channels"] = len(table.channels)
    fitted, fit_s, _ = _timed(fit, order_free(table), ["markov"], Config())
    report["markov_fit_seconds"] = round(fit_s, 3)
    _, markov_s, markov_cpu = _timed(attribute_paths, table, ["markov"])
    report["markov_parse_seconds"] = round(parse_s, 3)
    report["markov_parse_cpu_seconds"] = round(parse_cpu, 3)
    report["markov_attribute_seconds"] = round(markov_s, 3)
    report["markov_attribute_cpu_seconds"] = round(markov_cpu, 3)
    report["markov_total_seconds"] = round(parse_s + markov_s, 3)
    report["markov_total_cpu_seconds"] = round(parse_cpu + markov_cpu, 3)
    report["markov_conversion_probability"] = round(fitted.markov_conversion_probability, 6)
    _, order2_s, _ = _timed(attribute_paths, table, ["markov"], Config(markov_order=2))
    report["markov_order2_attribute_seconds"] = round(order2_s, 3)
    everything, all_s, all_cpu = _timed(attribute_paths, table, list(MODELS))
    report["all_models_attribute_seconds"] = round(all_s, 3)
    report["all_models_cpu_seconds"] = round(all_cpu, 3)
    report["models"] = list(MODELS)
    report["synthetic_truth"] = _score(everything, truth)
    report["synthetic_truth_incremental"] = incremental_accuracy(everything.to_pylist(), truth)


def _pipeline(workdir: Path) -> dict[str, Any] | None:
    """The attribution group's work on the bench warehouse, timed, and its accuracy; None when no
    warehouse under ``workdir`` has the core marts."""
    import duckdb

    from orchestration.attribution.evaluation import find_truth_inputs, score_warehouse
    from orchestration.attribution.warehouse import attribute_warehouse
    from orchestration.benchmarks.warehouse import find_warehouse, model_seconds, run_dbt

    database = find_warehouse(workdir, [("marts", "fct_touchpoints"), ("marts", "fct_orders")])
    if database is None:
        return None
    work = workdir / "dbt_attribution"
    figures: dict[str, Any] = {"warehouse": database.name}
    figures["paths_dbt"] = run_dbt(database, work, "run", "--select", "int_conversion_paths")
    figures["paths_dbt"]["models"] = model_seconds(work)
    with duckdb.connect(str(database)) as con:
        asset, seconds, cpu = _timed(attribute_warehouse, con)
    figures["asset_seconds"] = round(seconds, 3)
    figures["asset_cpu_seconds"] = round(cpu, 3)
    figures["asset"] = {
        key: value for key, value in asset.items() if not isinstance(value, dict | list)
    }
    figures["asset"]["markov_removal_effect"] = asset.get("markov_removal_effect")
    figures["marts_dbt"] = run_dbt(
        database, work, "run", "--select", "path:models/marts/attribution",
        "int_attribution_rule_credits",
    )  # fmt: skip
    figures["marts_dbt"]["models"] = model_seconds(work)
    figures["total_seconds"] = round(
        figures["paths_dbt"]["seconds"] + seconds + figures["marts_dbt"]["seconds"], 3
    )
    # the same without dbt's start-up and parse (seconds per dbt call, paid once in a pipeline run)
    figures["total_model_seconds"] = round(
        figures["paths_dbt"]["models"]["models_seconds"]
        + seconds
        + figures["marts_dbt"]["models"]["models_seconds"],
        3,
    )
    found = find_truth_inputs(workdir)
    if found is not None and found[0] == database:
        figures["accuracy"] = score_warehouse(*found)
    return figures


def _score(result: pa.Table, truth: dict[str, float]) -> dict[str, Any]:
    from orchestration.attribution.evaluation import share_accuracy

    rows = result.to_pylist()
    return {
        model: share_accuracy(
            {r["channel"]: r["conversions"] for r in rows if r["model"] == model}, truth
        )
        for model in dict.fromkeys(r["model"] for r in rows)
    }
