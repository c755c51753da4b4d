"""Identity-resolution settings, in one place (thresholds, caps, Splink training sizes)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IdentityConfig:
    """Tunable settings of identity resolution.

    max_records_per_key: the giant-cluster guard. A key value (an e-mail, a phone number) shared
        by more records than this is not used as a link at all (a `test@test.com`, a switchboard
        number); the same cap applies to a record's explicit links. Reported, never silent.
    max_records_per_key_per_source: the same guard within one source system: a person has at
        most a few duplicate profiles in one system, so more records of one source sharing a key
        value are different people (test customers sharing a dummy phone).
    repeatable_sources: sources where one person legitimately has many records (one per call,
        survey response, cookie, SMS number): exempt from the per-source cap.
    match_threshold: Splink match probability at or above which two records are linked.
    probabilistic: run Splink at all (off: deterministic links only).
    min_probabilistic_records: below this many Splink-eligible records Splink is skipped (EM
        cannot be trained on a handful of records).
    u_max_pairs: random pairs sampled to estimate Splink's u probabilities.
    em_max_pairs: cap on blocked pairs per EM training session.
    max_cluster_records: a cluster bigger than this is re-clustered from its deterministic links
        only (probabilistic chains cannot build giant clusters).
    seed: seed of Splink's random sampling (reproducible models).
    """

    max_records_per_key: int = 50
    max_records_per_key_per_source: int = 5
    repeatable_sources: tuple[str, ...] = ("callcenter", "survey", "web", "sms")
    match_threshold: float = 0.999
    probabilistic: bool = True
    min_probabilistic_records: int = 200
    u_max_pairs: float = 2e6
    em_max_pairs: float = 2e6
    max_cluster_records: int = 200
    seed: int = 42

    def __post_init__(self) -> None:
        if self.max_records_per_key < 2:
            raise ValueError(f"max_records_per_key must be >= 2, got {self.max_records_per_key}")
        if not 0.0 < self.match_threshold < 1.0:
            raise ValueError(f"match_threshold must be in (0, 1), got {self.match_threshold}")
        if self.max_records_per_key_per_source < 1:
            raise ValueError("max_records_per_key_per_source must be >= 1, got "
                             f"{self.max_records_per_key_per_source}")
        if self.max_cluster_records < 2:
            raise ValueError(f"max_cluster_records must be >= 2, got {self.max_cluster_records}")
