"""Great Expectations suites of the quality gate, as Python — one module per checked asset.

Each module has ``spec()`` (the suite's rules plus the DuckDB query of the batch, reading only
the columns the suite needs) and ``suite()`` (the GX 1.x ``ExpectationSuite``). Rules are plain
data until validation, so importing this package does not import Great Expectations.
"""

from __future__ import annotations

import importlib

from orchestration.quality.spec import SuiteSpec

# module name → functions returning that module's suites, in gate order (upstream first)
SUITE_MODULES: tuple[str, ...] = (
    "raw_sources",
    "staging",
    "customer_identity_map",
    "dim_customer",
    "contact_plan",
)


def all_suites() -> list[SuiteSpec]:
    """Every suite of the gate, upstream first."""
    specs: list[SuiteSpec] = []
    for name in SUITE_MODULES:
        module = importlib.import_module(f"expectations.{name}")
        specs.extend(module.specs() if hasattr(module, "specs") else [module.spec()])
    return specs


def get_suite(name: str) -> SuiteSpec:
    """The suite called ``name``; KeyError lists the known ones."""
    specs = {spec.name: spec for spec in all_suites()}
    try:
        return specs[name]
    except KeyError:
        raise KeyError(f"unknown quality suite {name!r}; known: {', '.join(specs)}") from None
