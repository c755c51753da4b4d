"""The source catalog: every source system, every entity it exports, and the declared columns.

This is the one contract between the simulated source systems (which write landing files), the
extract (which loads them into `raw.<source>__<entity>`), the dbt sources and the quality suites.

Landing layout: ``<landing>/<source>/<entity>/<YYYY-MM-DD>.<ext>`` — one file per daily batch
(days without rows have no file). A batch file may hold rows whose event time lies before the
batch date (late-arriving events) and rows repeated from earlier batches (duplicated events).

Column types are DuckDB types. ``timestamp`` columns in text formats (CSV, JSON lines) carry mixed
ISO-8601 notations: with ``Z``, with a numeric offset (``+01:00`` or ``+0100``), or naive, which
means local time in the source's ``timezone``. The extract turns them into UTC ``timestamptz``.
Parquet sources carry native UTC timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FileFormat = Literal["csv", "jsonl", "parquet"]

FILE_EXTENSIONS: dict[str, str] = {"csv": "csv", "jsonl": "jsonl", "parquet": "parquet"}


@dataclass(frozen=True)
class Column:
    """One declared column of a source entity."""

    name: str
    type: str  # DuckDB type: varchar, bigint, integer, decimal(12,2), date, timestamp, boolean
    required: bool = False  # the column must exist in every file; values may still be null
    description: str = ""


@dataclass(frozen=True)
class Entity:
    """One export of one source system: a stream of daily batch files with one schema."""

    source: str
    name: str
    file_format: FileFormat
    columns: tuple[Column, ...]
    primary_key: str
    description: str
    event_time_column: str | None = None  # the business time of a row (for freshness, late data)
    csv_delimiter: str = ","
    timezone: str = "Europe/Stockholm"  # how naive timestamps in this source are meant

    @property
    def raw_table(self) -> str:
        """Table name in the DuckDB `raw` schema, e.g. ``crm__customers``."""
        return f"{self.source}__{self.name}"

    @property
    def extension(self) -> str:
        return FILE_EXTENSIONS[self.file_format]

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.raw_table} has no column {name!r}")


@dataclass(frozen=True)
class IdentitySource:
    """Where a source system keeps identity records: the entity and its record-id column.

    Ground truth (`_truth/person_of_record`) has one row per distinct value of ``id_column``
    in ``entity`` for each of these, with ``source_system`` = the source name.
    """

    source: str
    entity: str
    id_column: str


@dataclass(frozen=True)
class Source:
    name: str
    description: str
    entities: tuple[Entity, ...] = field(default_factory=tuple)


def _c(name: str, type_: str, required: bool = False, description: str = "") -> Column:
    return Column(name=name, type=type_, required=required, description=description)


_ADDRESS = (
    _c("street", "varchar", description="street address as the system holds it"),
    _c("postal_code", "varchar", description="postal code, country format, possibly noisy"),
    _c("city", "varchar"),
    _c("country", "varchar", description="ISO 3166-1 alpha-2: SE, NO, DK, FI (sometimes a name)"),
)

SOURCES: tuple[Source, ...] = (
    Source(
        "crm",
        "CRM: customer master keyed by customer number, and the campaign calendar",
        (
            Entity(
                "crm",
                "customers",
                "csv",
                (
                    _c("customer_number", "varchar", True, "CRM customer number"),
                    _c("given_names", "varchar", True, "all given names, space-separated"),
                    _c("preferred_name", "varchar", description="tilltalsnamn when recorded"),
                    _c("surname", "varchar", True),
                    _c("birth_date", "date"),
                    _c("email", "varchar"),
                    _c("phone", "varchar", description="as typed, any national/international form"),
                    *_ADDRESS,
                    _c("customer_type", "varchar", description="private, test or internal"),
                    _c("created_at", "timestamp", True),
                    _c("updated_at", "timestamp", True),
                ),
                primary_key="customer_number",
                description="one row per created or changed customer (change data capture)",
                event_time_column="updated_at",
                csv_delimiter=";",
            ),
            Entity(
                "crm",
                "campaigns",
                "csv",
                (
                    _c("campaign_id", "varchar", True),
                    _c("campaign_name", "varchar", True),
                    _c("channel", "varchar", True, "email, sms, postal, push, telemarketing, "
                       "paid_search, paid_social, display"),
                    _c("objective", "varchar", description="acquisition, retention, winback, ..."),
                    _c("offer_id", "varchar"),
                    _c("start_date", "date", True),
                    _c("end_date", "date"),
                    _c("created_at", "timestamp", True),
                ),
                primary_key="campaign_id",
                description="marketing campaign calendar across owned and paid channels",
                event_time_column="created_at",
                csv_delimiter=";",
            ),
        ),
    ),
    Source(
        "webshop",
        "Web shop: customer accounts, orders, order lines, returns and the product catalogue",
        (
            Entity(
                "webshop",
                "accounts",
                "csv",
                (
                    _c("account_id", "varchar", True),
                    _c("customer_number", "varchar", description="CRM number when linked"),
                    _c("email", "varchar", True),
                    _c("email_verified", "boolean"),
                    _c("first_name", "varchar"),
                    _c("last_name", "varchar"),
                    _c("phone", "varchar"),
                    *_ADDRESS,
                    _c("created_at", "timestamp", True),
                    _c("updated_at", "timestamp", True),
                ),
                primary_key="account_id",
                description="one row per created or changed web-shop account",
                event_time_column="updated_at",
            ),
            Entity(
                "webshop",
                "orders",
                "parquet",
                (
                    _c("order_id", "varchar", True),
                    _c("account_id", "varchar", True),
                    _c("status", "varchar", True, "placed, shipped, delivered, cancelled"),
                    _c("currency", "varchar", True, "SEK, NOK, DKK, EUR"),
                    _c("order_total", "decimal(12,2)", True, "in the order currency, incl. VAT"),
                    _c("shipping_country", "varchar"),
                    _c("ordered_at", "timestamp", True),
                    _c("updated_at", "timestamp", True),
                ),
                primary_key="order_id",
                description="one row per order version; status changes arrive as new versions",
                event_time_column="updated_at",
            ),
            Entity(
                "webshop",
                "order_lines",
                "parquet",
                (
                    _c("order_line_id", "varchar", True),
                    _c("order_id", "varchar", True),
                    _c("product_id", "varchar", True),
                    _c("quantity", "integer", True),
                    _c("unit_price", "decimal(12,2)", True, "in the order currency"),
                    _c("ordered_at", "timestamp", True),
                ),
                primary_key="order_line_id",
                description="order lines, written with the order's first version",
                event_time_column="ordered_at",
            ),
            Entity(
                "webshop",
                "returns",
                "parquet",
                (
                    _c("return_id", "varchar", True),
                    _c("order_id", "varchar", True),
                    _c("order_line_id", "varchar", True),
                    _c("quantity", "integer", True),
                    _c("refund_amount", "decimal(12,2)", True, "in the order currency"),
                    _c("reason", "varchar"),
                    _c("returned_at", "timestamp", True),
                ),
                primary_key="return_id",
                description="returned order lines",
                event_time_column="returned_at",
            ),
            Entity(
                "webshop",
                "products",
                "csv",
                (
                    _c("product_id", "varchar", True),
                    _c("product_name", "varchar", True),
                    _c("category", "varchar", True),
                    _c("list_price_sek", "decimal(12,2)", True),
                    _c("launched_on", "date"),
                ),
                primary_key="product_id",
                description="product catalogue (first batch, changes later)",
            ),
        ),
    ),
    Source(
        "esp",
        "E-mail service provider: subscriber list and e-mail events (knows e-mail only)",
        (
            Entity(
                "esp",
                "subscribers",
                "jsonl",
                (
                    _c("subscriber_id", "varchar", True),
                    _c("email", "varchar", True),
                    _c("first_name", "varchar"),
                    _c("subscribed_at", "timestamp", True),
                ),
                primary_key="subscriber_id",
                description="e-mail list members",
                event_time_column="subscribed_at",
            ),
            Entity(
                "esp",
                "email_events",
                "jsonl",
                (
                    _c("event_id", "varchar", True),
                    _c("subscriber_id", "varchar", True),
                    _c("email", "varchar", True),
                    _c("event_type", "varchar", True, "sent, delivered, opened, clicked, "
                       "bounced_hard, bounced_soft, unsubscribed"),
                    _c("campaign_id", "varchar"),
                    _c("message_id", "varchar"),
                    _c("occurred_at", "timestamp", True),
                ),
                primary_key="event_id",
                description="delivery and engagement events per message",
                event_time_column="occurred_at",
                timezone="UTC",
            ),
        ),
    ),
    Source(
        "sms",
        "SMS platform: message events keyed by the mobile number (knows the phone only)",
        (
            Entity(
                "sms",
                "events",
                "csv",
                (
                    _c("event_id", "varchar", True),
                    _c("msisdn", "varchar", True, "mobile number as the platform stores it"),
                    _c("event_type", "varchar", True, "sent, delivered, clicked, opted_out"),
                    _c("campaign_id", "varchar"),
                    _c("occurred_at", "timestamp", True),
                ),
                primary_key="event_id",
                description="SMS send and engagement events",
                event_time_column="occurred_at",
            ),
        ),
    ),
    Source(
        "callcenter",
        "Call center: inbound service calls and outbound telemarketing, caller as typed by agent",
        (
            Entity(
                "callcenter",
                "contacts",
                "csv",
                (
                    _c("contact_id", "varchar", True),
                    _c("phone", "varchar", description="caller id / dialled number, any form"),
                    _c("caller_name", "varchar", description="name as the agent typed it"),
                    _c("direction", "varchar", True, "inbound or outbound"),
                    _c("reason", "varchar", True, "complaint, question, order_status, return, "
                       "telemarketing"),
                    _c("campaign_id", "varchar", description="set for outbound telemarketing"),
                    _c("outcome", "varchar", description="resolved, escalated, no_answer, sale"),
                    _c("duration_seconds", "integer"),
                    _c("started_at", "timestamp", True),
                ),
                primary_key="contact_id",
                description="one row per call",
                event_time_column="started_at",
            ),
        ),
    ),
    Source(
        "app",
        "Loyalty app: app users (with e-mail) and their in-app and push events",
        (
            Entity(
                "app",
                "users",
                "jsonl",
                (
                    _c("app_user_id", "varchar", True),
                    _c("email", "varchar"),
                    _c("given_name", "varchar"),
                    _c("push_enabled", "boolean"),
                    _c("created_at", "timestamp", True),
                ),
                primary_key="app_user_id",
                description="app registrations and profile changes",
                event_time_column="created_at",
                timezone="UTC",
            ),
            Entity(
                "app",
                "events",
                "jsonl",
                (
                    _c("event_id", "varchar", True),
                    _c("app_user_id", "varchar", True),
                    _c("event_type", "varchar", True, "app_open, product_view, add_to_cart, "
                       "push_received, push_opened"),
                    _c("campaign_id", "varchar"),
                    _c("occurred_at", "timestamp", True),
                ),
                primary_key="event_id",
                description="app usage and push events",
                event_time_column="occurred_at",
                timezone="UTC",
            ),
        ),
    ),
    Source(
        "web",
        "Web analytics: cookie-level events with UTM parameters; logins reveal the account",
        (
            Entity(
                "web",
                "events",
                "jsonl",
                (
                    _c("event_id", "varchar", True),
                    _c("cookie_id", "varchar", True),
                    _c("event_type", "varchar", True, "page_view, login, add_to_cart, checkout"),
                    _c("page_path", "varchar"),
                    _c("utm_source", "varchar"),
                    _c("utm_medium", "varchar", description="email, sms, cpc, paid_social, "
                       "display, push, (none)"),
                    _c("utm_campaign", "varchar", description="campaign id"),
                    _c("referrer_host", "varchar"),
                    _c("account_id", "varchar", description="web-shop account on login events"),
                    _c("occurred_at", "timestamp", True),
                ),
                primary_key="event_id",
                description="page views and interactions per cookie",
                event_time_column="occurred_at",
            ),
        ),
    ),
    Source(
        "postal",
        "Postal vendor: recipient address list and letters sent",
        (
            Entity(
                "postal",
                "recipients",
                "csv",
                (
                    _c("recipient_id", "varchar", True),
                    _c("full_name", "varchar", True, "as printed on the envelope"),
                    *_ADDRESS,
                    _c("updated_at", "timestamp", True),
                ),
                primary_key="recipient_id",
                description="address records held by the postal vendor",
                event_time_column="updated_at",
            ),
            Entity(
                "postal",
                "mailings",
                "csv",
                (
                    _c("mailing_id", "varchar", True),
                    _c("recipient_id", "varchar", True),
                    _c("campaign_id", "varchar", True),
                    _c("delivery_status", "varchar", True, "delivered or undeliverable"),
                    _c("sent_at", "timestamp", True),
                ),
                primary_key="mailing_id",
                description="one row per letter",
                event_time_column="sent_at",
            ),
        ),
    ),
    Source(
        "survey",
        "Survey tool: NPS answers",
        (
            Entity(
                "survey",
                "responses",
                "csv",
                (
                    _c("response_id", "varchar", True),
                    _c("survey_id", "varchar", True),
                    _c("respondent_email", "varchar"),
                    _c("respondent_name", "varchar"),
                    _c("nps_score", "integer", True, "0..10"),
                    _c("answered_at", "timestamp", True),
                ),
                primary_key="response_id",
                description="one row per NPS answer",
                event_time_column="answered_at",
            ),
        ),
    ),
    Source(
        "consent",
        "Consent and preference center: opt-ins, opt-outs and erasure requests",
        (
            Entity(
                "consent",
                "events",
                "jsonl",
                (
                    _c("consent_event_id", "varchar", True),
                    _c("subject_type", "varchar", True, "customer_number, email, phone or "
                       "app_user_id"),
                    _c("subject_value", "varchar", True),
                    _c("channel", "varchar", True, "email, sms, postal, phone, push"),
                    _c("action", "varchar", True, "opt_in or opt_out"),
                    _c("collected_via", "varchar", description="webshop, crm, preference_center, "
                       "app, esp, sms"),
                    _c("recorded_at", "timestamp", True),
                ),
                primary_key="consent_event_id",
                description="consent changes per channel",
                event_time_column="recorded_at",
            ),
            Entity(
                "consent",
                "erasure_requests",
                "jsonl",
                (
                    _c("request_id", "varchar", True),
                    _c("customer_number", "varchar"),
                    _c("email", "varchar"),
                    _c("phone", "varchar"),
                    _c("requested_at", "timestamp", True),
                ),
                primary_key="request_id",
                description="GDPR erasure (right to be forgotten) requests",
                event_time_column="requested_at",
            ),
        ),
    ),
    Source(
        "ads",
        "Ad platforms: daily spend, impressions and clicks per paid campaign",
        (
            Entity(
                "ads",
                "daily_spend",
                "csv",
                (
                    _c("report_date", "date", True),
                    _c("platform", "varchar", True, "search_ads, social_ads, display_network"),
                    _c("campaign_id", "varchar", True),
                    _c("channel", "varchar", True, "paid_search, paid_social, display"),
                    _c("impressions", "bigint", True),
                    _c("clicks", "bigint", True),
                    _c("spend", "decimal(12,2)", True),
                    _c("currency", "varchar", True),
                ),
                primary_key="report_date, platform, campaign_id",
                description="daily delivery and spend per paid campaign",
                event_time_column="report_date",
            ),
        ),
    ),
)

ENTITIES: tuple[Entity, ...] = tuple(e for s in SOURCES for e in s.entities)

IDENTITY_SOURCES: tuple[IdentitySource, ...] = (
    IdentitySource("crm", "customers", "customer_number"),
    IdentitySource("webshop", "accounts", "account_id"),
    IdentitySource("esp", "subscribers", "subscriber_id"),
    IdentitySource("sms", "events", "msisdn"),
    IdentitySource("app", "users", "app_user_id"),
    IdentitySource("web", "events", "cookie_id"),
    IdentitySource("callcenter", "contacts", "contact_id"),
    IdentitySource("postal", "recipients", "recipient_id"),
    IdentitySource("survey", "responses", "response_id"),
)

CHANNELS: tuple[str, ...] = (
    "email",
    "sms",
    "postal",
    "push",
    "telemarketing",
    "paid_search",
    "paid_social",
    "display",
)
"""Marketing channels that carry campaigns (touches with a campaign id)."""

CONSENT_CHANNELS: tuple[str, ...] = ("email", "sms", "postal", "phone", "push")


def get_entity(raw_table: str) -> Entity:
    """Look up an entity by its raw table name (``<source>__<entity>``)."""
    for entity in ENTITIES:
        if entity.raw_table == raw_table:
            return entity
    raise KeyError(f"unknown source entity {raw_table!r}")
