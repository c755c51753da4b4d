"""What the source-system views of one chunk share: persons, behaviour, calendars, helpers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from orchestration.sources.simulator.behaviour import Behaviour
from orchestration.sources.simulator.calendar import Campaigns, Products
from orchestration.sources.simulator.config import BehaviourConfig, MessConfig
from orchestration.sources.simulator.output import Emitter
from orchestration.sources.simulator.population import Persons
from orchestration.sources.simulator.util import hash_ids, to_object

# id kinds (part of the hash input so that ids of different kinds never collide)
KIND = {name: i for i, name in enumerate((
    "order", "email_event", "sms_event", "app_event", "web_event", "contact", "mailing",
    "response", "consent", "erasure", "return", "subscriber", "app_user", "recipient", "cookie",
    "account", "message", "dup_account",
))}


@dataclass
class Chunk:
    """One chunk of persons with everything the views need."""

    seed: int
    index: int
    persons: Persons
    behaviour: Behaviour
    campaigns: Campaigns
    products: Products
    start_epoch_day: int
    days: int
    mess: MessConfig
    config: BehaviourConfig
    rng: np.random.Generator
    emitter: Emitter
    truth_records: dict[str, list[tuple[pa.Array, pa.Array]]] = field(default_factory=dict)
    # shared derived state, filled by the views in order
    customer_number: np.ndarray | None = None
    account_id: np.ndarray | None = None
    account_day: np.ndarray | None = None
    dup_account_id: np.ndarray | None = None
    dup_account_day: np.ndarray | None = None
    app_user_id: np.ndarray | None = None
    subscriber: dict[str, np.ndarray] = field(default_factory=dict)
    msisdn: np.ndarray | None = None
    order_table: dict[str, np.ndarray] = field(default_factory=dict)
    marketing_sessions: list[dict[str, np.ndarray]] = field(default_factory=list)
    ads_clicks: np.ndarray | None = None  # (campaigns, days) paid clicks, summed over chunks

    def seconds(self, day: np.ndarray, second: np.ndarray | int) -> np.ndarray:
        """Epoch seconds of window ``day`` + ``second`` after midnight UTC."""
        return (self.start_epoch_day + np.asarray(day, dtype=np.int64)) * 86400 + second

    def event_ids(self, prefix: str, kind: str, count: int) -> pa.Array:
        """Unique, random-looking ids for ``count`` new rows of ``kind`` in this chunk."""
        return hash_ids(prefix, self.seed, KIND[kind], self.index, np.arange(count))

    def person_ids(self, prefix: str, kind: str, rows: np.ndarray) -> np.ndarray:
        """One stable id per person (``rows`` index persons of the chunk)."""
        ids = hash_ids(prefix, self.seed, KIND[kind], self.persons.gidx[rows])
        return to_object(ids.to_pylist())

    def record_truth(self, source: str, ids: pa.Array | np.ndarray, rows: np.ndarray) -> None:
        """Identity records seen by ``source``: ids as written and the chunk rows they belong to."""
        ids = ids if isinstance(ids, pa.Array) else pa.array(ids, pa.string())
        person = pa.array(self.persons.person_id[rows], pa.string())
        self.truth_records.setdefault(source, []).append((ids, person))
