"""Sample keys of failing rows, cheaply.

GX's SUMMARY result with ``unexpected_index_column_names`` builds the index list of EVERY failing
row before truncating it (tens of seconds for half a million failures), so suites run in BASIC
format (counts and up to ``SAMPLE_KEY_COUNT`` failing values) and the keys are found here:

- single-column rules (scoped ones read a null-masked column, see ``batch.py``): rows whose
  value is one of the reported failing values (for these rules failure depends on the value
  alone, uniqueness included), keys read from the fetched batch;
- column-pair and compound-key rules: the failing rows are found in pandas as GX finds them;
- any other failed rule: the rule alone is validated again in SUMMARY format on a batch that
  also holds the key columns (aggregate rules have no failing rows to sample).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from orchestration.quality import config
from orchestration.quality.spec import Rule, SuiteSpec

# column-map expectations whose verdict on a row depends only on that row's value
VALUE_DETERMINED = frozenset(
    {
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
        "expect_column_values_to_be_between",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_unique",
    }
)


def keys_by_value(
    values: pd.DataFrame, keys: pd.DataFrame, rule: Rule, expectation_type: str,
    result: dict[str, Any], key_columns: tuple[str, ...],
) -> list[str] | None:
    """Keys of rows carrying the reported failing values, or None when not applicable.

    ``values`` is the frame GX validated, ``keys`` the fetched batch with the key columns (same
    index).
    """
    column = rule.kwargs.get("column")
    if rule.where or expectation_type not in VALUE_DETERMINED or column not in values:
        return None
    failing = result.get("partial_unexpected_list")
    if expectation_type == "expect_column_values_to_not_be_null":
        mask = values[column].isna()
    elif failing:
        mask = values[column].isin([v for v in failing if v is not None and v == v])
    else:
        return None
    rows = keys.loc[mask.to_numpy(dtype=bool), list(key_columns)].head(config.SAMPLE_KEY_COUNT)
    return format_keys(rows.itertuples(index=False, name=None))


# expectations on a whole column or table: no failing rows to sample
AGGREGATE = frozenset(
    {
        "expect_column_distinct_values_to_contain_set",
        "expect_column_distinct_values_to_be_in_set",
        "expect_column_distinct_values_to_equal_set",
        "expect_table_row_count_to_be_between",
        "expect_table_columns_to_match_set",
    }
)


def keys_by_rows(
    values: pd.DataFrame, keys: pd.DataFrame, rule: Rule, expectation_type: str,
    key_columns: tuple[str, ...],
) -> list[str] | None:
    """Keys of the first failing rows of a column-pair or compound-key rule, found in pandas as
    GX finds them (its SUMMARY format lists the index of EVERY failing row); None when the rule
    is of another kind. Aggregate rules have no failing rows: an empty sample."""
    kwargs = dict(rule.kwargs)
    if expectation_type in AGGREGATE:
        return []
    if rule.where:
        return None
    if expectation_type == "expect_column_pair_values_to_be_equal":
        if not {kwargs["column_A"], kwargs["column_B"]} <= set(values.columns):
            return None
        a, b = values[kwargs["column_A"]], values[kwargs["column_B"]]
        ignore = kwargs.get("ignore_row_if", "both_values_are_missing")
        considered = {
            "both_values_are_missing": a.notna() | b.notna(),
            "either_value_is_missing": a.notna() & b.notna(),
        }.get(ignore, pd.Series(True, index=values.index))
        equal = (a == b).astype("boolean").fillna(False)
        failing = considered & ~equal
    elif expectation_type == "expect_compound_columns_to_be_unique":
        columns = list(kwargs["column_list"])
        if not set(columns) <= set(values.columns):
            return None
        present = values[columns].notna()
        ignore = kwargs.get("ignore_row_if", "all_values_are_missing")
        considered = {
            "all_values_are_missing": present.any(axis=1),
            "any_value_is_missing": present.all(axis=1),
        }.get(ignore, pd.Series(True, index=values.index))
        # an ignored row cannot equal a considered one, so duplicates over all rows suffice
        failing = considered & values[columns].duplicated(keep=False)
    else:
        return None
    mask = failing.to_numpy(dtype=bool)
    rows = keys.loc[mask, list(key_columns)].head(config.SAMPLE_KEY_COUNT)
    return format_keys(rows.itertuples(index=False, name=None))


def format_keys(rows: Any) -> list[str]:
    keys: list[str] = []
    for row in rows:
        key = "|".join(key_text(value) for value in row)
        if key not in keys:
            keys.append(key)
    return keys[: config.SAMPLE_KEY_COUNT]


def key_text(value: Any) -> str:
    """A key value as text; missing values (None, NaN, NaT) as ``null``."""
    if value is None or (isinstance(value, float) and value != value):
        return "null"
    text = str(value)
    return "null" if text in ("nan", "NaT", "<NA>", "None") else text


def keys_by_revalidation(
    batch: Any, spec: SuiteSpec, rules: list[Rule]
) -> dict[tuple[str, tuple[str, ...]], list[str]]:
    """Validate only ``rules`` again in SUMMARY format; (rule, asset) → sample keys."""
    from orchestration.quality.gx_context import gx
    from orchestration.quality.suite_builder import build_expectation

    suite = gx().ExpectationSuite(
        name=f"{spec.name}__samples",
        expectations=[build_expectation(rule, spec) for rule in rules],
    )
    result = batch.validate(
        suite,
        result_format={
            "result_format": "SUMMARY",
            "unexpected_index_column_names": list(spec.key_columns),
            "partial_unexpected_count": config.SAMPLE_KEY_COUNT,
        },
    )
    samples: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for validation_result, rule in zip(result.results, rules, strict=True):
        entries = (validation_result.result or {}).get("partial_unexpected_index_list") or []
        samples[(rule.name, spec.asset_of(rule))] = format_keys(
            tuple(entry.get(column) for column in spec.key_columns)
            for entry in entries
            if isinstance(entry, dict)
        )
    return samples
