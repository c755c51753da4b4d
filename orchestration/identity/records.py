"""The identity input contract: columns, validation and the normalised working table.

`intermediate.int_identity_records` (or any file with the same columns) holds one row per
source identity record. Optional column ``national_id`` (a personal identity number, social
security number...) is used only as a probabilistic comparison, never as a deterministic key.
Invalid e-mails and phones are treated as absent (never used as match keys) and counted.
"""

from __future__ import annotations

from typing import Any

import duckdb

from orchestration.cli import UserError

RECORD_COLUMNS: tuple[str, ...] = (
    "source_system",
    "source_record_id",
    "email",
    "phone_e164",
    "given_names",
    "surname",
    "preferred_given_name",
    "birth_date",
    "street",
    "postal_code",
    "city",
    "country",
    "observed_at",
)
OPTIONAL_RECORD_COLUMNS: tuple[str, ...] = ("national_id",)
LINK_COLUMNS: tuple[str, ...] = (
    "left_source_system",
    "left_source_record_id",
    "right_source_system",
    "right_source_record_id",
    "link_rule",
)
PREVIOUS_MAP_COLUMNS: tuple[str, ...] = ("source_system", "source_record_id", "customer_key")

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
NAME_SIMILARITY = 0.85  # Jaro-Winkler of first names that counts as "same given name"
PHONE_PATTERN = r"^\+[1-9][0-9]{6,14}$"
_MAX_ROWS_NAMED = 5


def _folded(column: str) -> str:
    """SQL: trimmed, lower-case, without diacritics (å→a, ö→o, and ø→o, æ→ae as systems
    without those letters write them), empty → null (matching only)."""
    return (f"nullif(strip_accents(replace(replace(lower(trim(cast({column} as varchar))), "
            f"'ø', 'o'), 'æ', 'ae')), '')")


def _names_apart(column: str) -> str:
    """SQL: given names typed together ("HåkanÅke") split at the inner capital letter."""
    return f"regexp_replace(cast({column} as varchar), '(\\p{{Ll}})(\\p{{Lu}})', '\\1 \\2', 'g')"


def compatible_names_sql(left: str, right: str) -> str:
    """SQL: the given names of records ``left`` and ``right`` (aliases) can be one person's.

    True when a given-name token of one is a token of the other or one typo away from it
    (Damerau-Levenshtein 1, tokens of three letters or more: "Frredrik" ~ "Fredrik",
    "Saa" ~ "Åsa"), when the first names are similar (Jaro-Winkler >= NAME_SIMILARITY), or
    when given name and surname are swapped. Null names are the caller's concern.
    """
    return f"""(
        len(list_filter({left}.given_tokens, lambda x: len(list_filter({right}.given_tokens,
            lambda y: x = y or (greatest(length(x), length(y)) >= 3
                                and damerau_levenshtein(x, y) <= 1))) > 0)) > 0
        or jaro_winkler_similarity({left}.first_name, {right}.first_name) >= {NAME_SIMILARITY}
        or {left}.first_name = {right}.surname or {left}.surname = {right}.first_name
    )"""


class IdentityInputError(UserError):
    """Input that breaks the identity contract; the message names the table and the problem."""


def require_columns(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...],
                    what: str) -> list[str]:
    """The table's column names; raises naming every required column that is missing."""
    present = [row[0] for row in con.execute(f"describe {table}").fetchall()]
    missing = [c for c in columns if c not in present]
    if missing:
        raise IdentityInputError(
            f"{what} is missing required column(s): {', '.join(missing)} "
            f"(required: {', '.join(columns)})"
        )
    return present


def _rows_where(con: duckdb.DuckDBPyConnection, table: str, condition: str) -> list[int]:
    """1-based row numbers (input order) where condition holds, at most a few."""
    rows = con.execute(
        f"select _row from (select row_number() over () as _row, * from {table}) "
        f"where {condition} order by _row limit {_MAX_ROWS_NAMED}"
    ).fetchall()
    return [r[0] for r in rows]


def _check_ids(con: duckdb.DuckDBPyConnection, table: str, what: str, pairs: list[tuple[str, str]]
               ) -> None:
    for system_col, id_col in pairs:
        condition = f"{system_col} is null or {id_col} is null"
        bad = _rows_where(con, table, condition)
        if bad:
            (count,) = con.execute(f"select count(*) from {table} where {condition}").fetchall()[0]
            raise IdentityInputError(
                f"{what}: {count} row(s) with null {system_col} or {id_col} "
                f"(rows {', '.join(map(str, bad))}{', ...' if count > len(bad) else ''})"
            )


def normalise_records(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, Any]:
    """Validate `source` and create the working table ``records``; returns counts.

    ``records`` has ``record_index`` 0..n-1 in (source_system, source_record_id) order, so
    everything derived from it is independent of input row order.
    """
    present = require_columns(con, source, RECORD_COLUMNS, "identity records")
    _check_ids(con, source, "identity records", [("source_system", "source_record_id")])
    duplicates = con.execute(
        f"select count(*) from (select 1 from {source} group by source_system, "
        f"cast(source_record_id as varchar) having count(*) > 1)"
    ).fetchall()[0][0]
    if duplicates:
        rows = con.execute(
            f"select _row from (select row_number() over () as _row, count(*) over (partition by "
            f"source_system, cast(source_record_id as varchar)) as _n from {source}) "
            f"where _n > 1 order by _row limit {_MAX_ROWS_NAMED}"
        ).fetchall()
        raise IdentityInputError(
            f"identity records: {duplicates} (source_system, source_record_id) value(s) occur "
            f"more than once (rows {', '.join(str(r[0]) for r in rows)}, ...); the contract is "
            f"one row per source identity record"
        )
    national_id = (
        "nullif(regexp_replace(trim(cast(national_id as varchar)), '[\\s-]', '', 'g'), '')"
        if "national_id" in present
        else "cast(null as varchar)"
    )
    con.execute(
        f"""
        create or replace temp table records as
        with source as (
            select
                cast(source_system as varchar) as source_system,
                cast(source_record_id as varchar) as source_record_id,
                nullif(lower(trim(cast(email as varchar))), '') as email_raw,
                nullif(trim(cast(phone_e164 as varchar)), '') as phone_raw,
                {_folded(_names_apart('given_names'))} as given_names,
                {_folded('preferred_given_name')} as preferred,
                {_folded('surname')} as surname,
                nullif(trim(cast(birth_date as varchar)), '') as birth_date_raw,
                {_folded('street')} as street,
                nullif(upper(regexp_replace(cast(postal_code as varchar), '\\s', '', 'g')), '')
                    as postal_code,
                {_folded('city')} as city,
                nullif(upper(trim(cast(country as varchar))), '') as country,
                {national_id} as national_id
            from {source}
        ),
        parsed as (
            select
                *,
                coalesce(
                    try_cast(birth_date_raw as date),
                    cast(try_strptime(birth_date_raw, '%Y%m%d') as date)
                ) as birth_date,
                regexp_split_to_array(
                    trim(coalesce(given_names, '') || ' ' || coalesce(preferred, '')), '[\\s-]+'
                ) as token_list
            from source
        ),
        final as (
            select
                cast(row_number() over (order by source_system, source_record_id) - 1
                    as bigint) as record_index,
                source_system,
                source_record_id,
                case when regexp_full_match(email_raw, '{EMAIL_PATTERN}') then email_raw end
                    as email,
                case when regexp_full_match(phone_raw, '{PHONE_PATTERN}') then phone_raw end
                    as phone_e164,
                email_raw is not null
                    and not regexp_full_match(email_raw, '{EMAIL_PATTERN}') as is_email_invalid,
                phone_raw is not null
                    and not regexp_full_match(phone_raw, '{PHONE_PATTERN}') as is_phone_invalid,
                birth_date_raw is not null and birth_date is null as is_birth_date_invalid,
                coalesce(preferred, nullif(split_part(given_names, ' ', 1), '')) as first_name,
                list_filter(token_list, lambda t: t <> '') as given_tokens,
                surname,
                birth_date,
                street,
                postal_code,
                city,
                country,
                national_id
            from parsed
        )
        select * from final
        """
    )
    (records, invalid_emails, invalid_phones, invalid_dates) = con.execute(
        "select count(*), count(*) filter (is_email_invalid), count(*) filter (is_phone_invalid),"
        " count(*) filter (is_birth_date_invalid) from records"
    ).fetchall()[0]
    return {
        "records_in": records,
        "invalid_emails_ignored": invalid_emails,
        "invalid_phones_ignored": invalid_phones,
        "invalid_birth_dates_ignored": invalid_dates,
    }


def normalise_links(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, Any]:
    """Validate the links table and create ``links`` (left_index, right_index, link_rule)."""
    require_columns(con, source, LINK_COLUMNS, "identity links")
    _check_ids(
        con,
        source,
        "identity links",
        [("left_source_system", "left_source_record_id"),
         ("right_source_system", "right_source_record_id")],
    )
    con.execute(
        f"""
        create or replace temp table links as
        select l.record_index as left_index, r.record_index as right_index,
               cast(s.link_rule as varchar) as link_rule
        from {source} as s
        left join records as l
            on l.source_system = cast(s.left_source_system as varchar)
            and l.source_record_id = cast(s.left_source_record_id as varchar)
        left join records as r
            on r.source_system = cast(s.right_source_system as varchar)
            and r.source_record_id = cast(s.right_source_record_id as varchar)
        """
    )
    total, unresolved = con.execute(
        "select count(*), count(*) filter (left_index is null or right_index is null) from links"
    ).fetchall()[0]
    con.execute("delete from links where left_index is null or right_index is null")
    return {"links_in": total, "links_unresolved": unresolved}


def normalise_previous(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Validate a previous identity map and create ``previous`` (record_index, customer_key)."""
    require_columns(con, source, PREVIOUS_MAP_COLUMNS, "previous identity map")
    con.execute(
        f"""
        create or replace temp table previous as
        select r.record_index, cast(p.customer_key as varchar) as customer_key
        from {source} as p
        inner join records as r
            on r.source_system = cast(p.source_system as varchar)
            and r.source_record_id = cast(p.source_record_id as varchar)
        where p.customer_key is not null
        """
    )
