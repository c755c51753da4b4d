"""The pandas batch a suite hands to Great Expectations: only what its rules read.

GX's pandas engine filters the WHOLE batch frame for nearly every metric of every rule (non-null
rows of the checked column, then a row condition if any), so its cost grows with every column
in the frame and every row condition:

- the batch comes from DuckDB through Arrow: strings stay Arrow-backed (pandas ``str``), no
  Python object per value as with ``.df()``; booleans become pandas ``boolean``, decimals
  floats, and integers numpy ``int64`` (``float64`` when null): GX compares numpy numbers
  vectorised but calls a Python function per value for nullable ``Int64``;
- GX gets only the columns its rules read; key columns (long strings at a million rows) stay in
  the fetched frame, where failing-row samples are looked up;
- a rule's ``where`` scope is evaluated once per distinct scope in pandas and the rule reads a
  null-masked copy of its columns (GX skips nulls) instead of a GX row condition, which parses a
  pandas query and re-filters the frame for every metric. Counts and percentages are those of
  the scope (the runner reports the scope's row count as the element count).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from orchestration.quality.spec import Condition, Rule, SuiteSpec

# rule kwargs that name checked columns
COLUMN_KWARGS: tuple[str, ...] = ("column", "column_A", "column_B")


@dataclass(frozen=True)
class PreparedBatch:
    """What GX validates (``frame``, ``spec`` with scope-free rules) and what it came from.

    ``source`` is the fetched frame (key columns included); ``scope_rows`` maps a rewritten
    rule's (name, asset) to the number of rows in its original ``where`` scope.
    """

    source: pd.DataFrame
    frame: pd.DataFrame
    spec: SuiteSpec
    scope_rows: Mapping[tuple[str, tuple[str, ...]], int]


def fetch(connection: Any, sql: str) -> pd.DataFrame:
    """The result of ``sql`` as a pandas frame, converted from Arrow (see module docstring)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = connection.sql(sql).to_arrow_table()
    for index, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type):
            table = table.set_column(index, field.name, pc.cast(table[index], pa.float64()))
    return table.to_pandas(
        types_mapper=_pandas_type, date_as_object=False, split_blocks=True, self_destruct=True
    )


def _pandas_type(arrow_type: Any) -> Any:
    import pyarrow as pa

    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default ``str``
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    return None


def rule_columns(rule: Rule) -> list[str]:
    """Columns a rule reads (checked columns and the columns of its scope)."""
    columns = [str(rule.kwargs[k]) for k in COLUMN_KWARGS if rule.kwargs.get(k)]
    columns += [str(c) for c in rule.kwargs.get("column_list") or []]
    columns += [column for column, _, _ in rule.where]
    return columns


def prepare(frame: pd.DataFrame, spec: SuiteSpec) -> PreparedBatch:
    """Project ``frame`` to the columns the rules read; turn rule scopes into null masks.

    A column a rule names but the frame lacks is left out: GX then reports that rule as not
    evaluable, naming the column.
    """
    masks: dict[str, pd.Series] = {}  # repr of a scope (values may be lists) → its mask
    masked: dict[str, pd.Series] = {}
    rules: list[Rule] = []
    scope_rows: dict[tuple[str, tuple[str, ...]], int] = {}
    for rule in spec.rules:
        if not rule.where or not set(rule_columns(rule)) <= set(frame.columns):
            rules.append(rule)
            continue
        scope = repr(rule.where)
        if scope not in masks:
            masks[scope] = scope_mask(frame, rule.where)
        mask = masks[scope]
        kwargs = dict(rule.kwargs)
        for key in ("column", "column_A", "column_B", "column_list"):
            if key not in kwargs:
                continue
            names = kwargs[key] if key == "column_list" else [kwargs[key]]
            scoped = [scoped_name(str(name), rule.where) for name in names]
            for name, scoped_column in zip(names, scoped, strict=True):
                if scoped_column not in masked:
                    masked[scoped_column] = frame[name].where(mask)
            kwargs[key] = scoped if key == "column_list" else scoped[0]
        rules.append(replace(rule, kwargs=kwargs, where=()))
        scope_rows[(rule.name, spec.asset_of(rule))] = int(mask.sum())
    needed = list(dict.fromkeys(c for rule in rules for c in rule_columns(rule)))
    columns = {c: frame[c] for c in needed if c in frame.columns}
    columns.update((c, masked[c]) for c in needed if c in masked)
    gx_frame = pd.DataFrame(columns, index=frame.index) if columns else frame.iloc[:, :0]
    return PreparedBatch(frame, gx_frame, replace(spec, rules=tuple(rules)), scope_rows)


def scoped_name(column: str, where: tuple[Condition, ...]) -> str:
    """Name of ``column`` masked to a scope, e.g. ``column_name [raw_table == crm__x]``."""
    parts = []
    for name, operator, value in where:
        if operator in ("null", "not_null"):
            parts.append(f"{name} {operator.replace('_', ' ')}")
        elif operator in ("in", "not_in"):
            parts.append(f"{name} {operator.replace('_', ' ')} ({len(value)} values)")
        else:
            parts.append(f"{name} {operator} {value}")
    return f"{column} [{' and '.join(parts)}]"


def scope_mask(frame: pd.DataFrame, where: tuple[Condition, ...]) -> pd.Series:
    """Boolean mask of the rows meeting every ``(column, operator, value)`` condition."""
    mask = pd.Series(True, index=frame.index)
    for name, operator, value in where:
        column = frame[name]
        condition = _CONDITIONS[operator](column, value)
        mask &= condition.fillna(False).astype(bool)
    return mask


_CONDITIONS: dict[str, Any] = {
    "==": lambda c, v: c == v,
    "!=": lambda c, v: c != v,
    "<": lambda c, v: c < v,
    "<=": lambda c, v: c <= v,
    ">": lambda c, v: c > v,
    ">=": lambda c, v: c >= v,
    "in": lambda c, v: c.isin(list(v)),
    "not_in": lambda c, v: ~c.isin(list(v)),
    "null": lambda c, v: c.isna(),
    "not_null": lambda c, v: c.notna(),
}
