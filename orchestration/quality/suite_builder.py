"""Turn a ``SuiteSpec``'s plain-data rules into a GX 1.x ``ExpectationSuite``."""

from __future__ import annotations

from typing import Any

from orchestration.quality.gx_context import gx
from orchestration.quality.spec import Condition, Rule, SuiteSpec


def build_suite(spec: SuiteSpec) -> Any:
    """An ``ExpectationSuite`` named after the spec, one expectation per rule.

    Every expectation's ``meta`` carries rule, asset, dimension and description, which the
    runner uses to report per asset and which Data Docs show.
    """
    # all expectations through the constructor: ``add_expectation`` compares each new one with
    # every earlier one (quadratic) and writes through to the store once the suite is saved
    return gx().ExpectationSuite(
        name=spec.name,
        expectations=[build_expectation(rule, spec) for rule in spec.rules],
        meta={"description": spec.description},
    )


def build_expectation(rule: Rule, spec: SuiteSpec) -> Any:
    """One GX expectation object for ``rule``."""
    expectations = gx().expectations
    try:
        expectation_class = getattr(expectations, rule.expectation)
    except AttributeError:
        raise ValueError(
            f"suite {spec.name} rule {rule.name}: unknown expectation {rule.expectation!r}"
        ) from None
    kwargs = dict(rule.kwargs)
    if rule.where:
        kwargs["row_condition"] = row_condition(rule.where)
    meta = {
        "rule": rule.name,
        "asset": list(spec.asset_of(rule)),
        "dimension": rule.dimension,
        "description": rule.description,
    }
    return expectation_class(**kwargs, meta=meta)


def row_condition(conditions: tuple[Condition, ...]) -> Any:
    """GX ``Condition`` for ANDed ``(column, operator, value)`` triples."""
    from great_expectations.expectations.row_conditions import Column

    built = None
    for column_name, operator, value in conditions:
        column = Column(column_name)
        condition = {
            "==": lambda c, v: c == v,
            "!=": lambda c, v: c != v,
            "<": lambda c, v: c < v,
            "<=": lambda c, v: c <= v,
            ">": lambda c, v: c > v,
            ">=": lambda c, v: c >= v,
            "in": lambda c, v: c.is_in(v),
            "not_in": lambda c, v: c.is_not_in(v),
            "null": lambda c, v: c.is_null(),
            "not_null": lambda c, v: c.is_not_null(),
        }[operator](column, value)
        built = condition if built is None else built & condition
    return built
