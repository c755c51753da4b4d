"""dbt-duckdb plugin registering `kundresa_parse_phone`: phone numbers to E.164 with `phonenumbers`.

Enabled by the ``plugins:`` entry in ``dbt_project/profiles.yml``; dbt-duckdb calls
:meth:`Plugin.configure_connection` on the connection every model and test runs on. The SQL side
(macro ``parse_phones``) applies the UDF to distinct (phone, region) pairs only; the result cache
below makes repeated values cheap as well.

SQL signature: ``kundresa_parse_phone(raw varchar, region varchar)
-> struct(e164 varchar, is_valid boolean)``; null when ``raw`` is null or blank.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

UDF_NAME = "kundresa_parse_phone"
DEFAULT_REGION = "SE"
_CACHE_SIZE = 1 << 18


@lru_cache(maxsize=_CACHE_SIZE)
def parse_phone(raw: str | None, region: str | None) -> dict[str, Any] | None:
    """Parse a phone number as typed into E.164 and tell whether it is a valid number.

    ``region`` (ISO 3166-1 alpha-2, usually the record's country) resolves national notations
    such as ``070-123 45 67``; numbers written with ``+``/``00`` and a country code ignore it.
    A number that cannot be parsed, or is not even a possible length, has ``e164`` null.
    """
    import phonenumbers

    if raw is None or not raw.strip():
        return None
    default = (region or "").strip().upper()
    if default not in phonenumbers.SUPPORTED_REGIONS:
        default = DEFAULT_REGION
    try:
        number = phonenumbers.parse(raw, default)
    except phonenumbers.NumberParseException:
        return {"e164": None, "is_valid": False}
    if not phonenumbers.is_possible_number(number):
        return {"e164": None, "is_valid": False}
    return {
        "e164": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        "is_valid": bool(phonenumbers.is_valid_number(number)),
    }


def register_udfs(connection: Any) -> None:
    """Register the phone UDF on a DuckDB connection (dbt's, or any other that needs it)."""
    import duckdb
    from duckdb.sqltypes import BOOLEAN, VARCHAR

    result_type = duckdb.struct_type({"e164": VARCHAR, "is_valid": BOOLEAN})
    connection.create_function(
        UDF_NAME,
        parse_phone,
        [VARCHAR, VARCHAR],
        result_type,
        null_handling="special",
        side_effects=False,
    )


class Plugin(BasePlugin):
    """dbt-duckdb plugin entry point (module path in profiles.yml ``plugins: - module:``)."""

    def configure_connection(self, conn: Any) -> None:
        register_udfs(conn)
