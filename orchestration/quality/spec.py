"""What a quality suite is (``SuiteSpec``) and what one checked rule produced (``Outcome``).

A suite validates ONE pandas batch, produced by a DuckDB query that selects only the columns the
suite needs (plus derived columns computed in SQL where a rule spans columns). One suite may
report on several Dagster assets: each expectation names its asset in ``meta["asset"]``
(default: the suite's ``default_asset``), its stable ``rule`` name and its quality ``dimension``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

AssetPath = tuple[str, ...]
# (column, operator, value); operators: == != < <= > >= in not_in null not_null
Condition = tuple[str, str, Any]


@dataclass(frozen=True)
class Rule:
    """One expectation as plain data (cheap to import; GX objects are built when validating).

    ``expectation`` is a class name in ``great_expectations.expectations`` and ``kwargs`` its
    arguments; ``where`` conditions (ANDed) restrict the rows it applies to.
    """

    name: str
    expectation: str
    kwargs: Mapping[str, Any]
    dimension: str
    description: str
    asset: AssetPath | None = None
    where: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class SuiteSpec:
    """A suite plus how to fetch its batch.

    ``batch_sql(connection)`` returns the SQL of the batch (it may look at which tables exist);
    ``relations`` are the tables it needs — when one is missing the suite fails with a message
    naming it instead of running. ``key_columns`` identify failing rows in samples (never PII).
    ``columns`` documents which columns of the relations the batch reads (nothing else is read).
    """

    name: str
    description: str
    batch_sql: Callable[[Any], str]
    rules: tuple[Rule, ...]
    key_columns: tuple[str, ...]
    default_asset: AssetPath
    relations: tuple[str, ...] = ()
    columns: tuple[str, ...] = field(default_factory=tuple)

    @property
    def assets(self) -> tuple[AssetPath, ...]:
        """Every asset the suite reports on, in first-mentioned order."""
        seen: dict[AssetPath, None] = {self.default_asset: None}
        for rule in self.rules:
            seen.setdefault(rule.asset or self.default_asset, None)
        return tuple(seen)

    def asset_of(self, rule: Rule) -> AssetPath:
        return rule.asset or self.default_asset

    def build(self) -> Any:
        """The GX ``ExpectationSuite`` (imports GX)."""
        from orchestration.quality.suite_builder import build_suite

        return build_suite(self)


@dataclass(frozen=True)
class Outcome:
    """The result of one rule (one expectation) on one asset in one validation run."""

    suite: str
    rule: str
    expectation: str
    asset: AssetPath
    source_system: str
    dimension: str
    column: str | None
    severity: str
    success: bool
    element_count: int | None
    unexpected_count: int | None
    unexpected_percent: float | None
    sample_keys: tuple[str, ...]
    message: str

    @property
    def asset_name(self) -> str:
        return ".".join(self.asset)


def source_system_of(asset: AssetPath) -> str:
    """Source system an asset belongs to, for the scorecard.

    ``raw.crm__customers`` and ``staging.stg_crm__customers`` → ``crm``; marts and activation
    tables → their own names (``dim_customer``, ``customer_identity_map``, ``contact_plan``).
    """
    name = asset[-1]
    if name.startswith("stg_"):
        name = name[len("stg_") :]
    if "__" in name:
        return name.split("__", 1)[0]
    return name
