"""The canonical tables every source maps onto and every card reads.

This module is engine-free: it only describes columns. Loaders (``bridgewatch.ingest``) turn
files into these tables; cards read them by name. ``docs/model.md`` is generated from (and
tested against) the descriptions here, so the code and the documentation cannot drift.

Every loaded table also carries ``workspace_id`` (added by the loader) and ``source_file`` /
``source_row`` (where the row came from, so evidence can point back at the input).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class ColumnType(StrEnum):
    """Logical column types; engines map them onto their own."""

    STRING = "string"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"
    DATE = "date"
    MONEY = "money"
    RATE = "rate"

    @property
    def sql(self) -> str:
        return _SQL_TYPES[self]


RATE_SCALE = 12
"""Decimal places an FX rate is read to (``DECIMAL(19,12)``)."""

_SQL_TYPES = {
    ColumnType.STRING: "VARCHAR",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.TIMESTAMP: "TIMESTAMP",
    ColumnType.DATE: "DATE",
    ColumnType.MONEY: "DECIMAL(18,4)",
    ColumnType.RATE: f"DECIMAL(19,{RATE_SCALE})",
}


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    type: ColumnType
    doc: str
    required: bool = False
    """A value must be present on every row (an empty value is a bad row)."""
    allowed: tuple[str, ...] = ()
    """For enumerated string columns: the only values accepted (compared lower-case)."""
    default: str | None = None
    """Value used when the column is absent from the file or the cell is empty."""


@dataclass(frozen=True)
class Table:
    """A canonical table: its name, why it exists, and its columns."""

    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    """Columns that identify a row; duplicates on the key are reported."""
    keyless_when_empty: tuple[str, ...] = ()
    """Key columns a row may leave empty, and then has no key: it is merged only with a row alike in every field
    from another file (the n-th such row of one file with the n-th of the other: the same event in two
    overlapping exports), never with one of its own file (two attempts logged alike are two attempts)."""
    optional: bool = False
    """A workspace may omit the file entirely (the table is then empty)."""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def keyless_sql(self, column_sql: Callable[[str], str] = lambda name: f'"{name}"') -> str | None:
        """SQL true for a row without a key (a :attr:`keyless_when_empty` column empty or blank); None when
        every row has one. ``column_sql`` gives the SQL of a column by name."""
        if not self.keyless_when_empty:
            return None
        return " OR ".join(f"NULLIF(trim(CAST({column_sql(k)} AS VARCHAR)), '') IS NULL"
                           for k in self.keyless_when_empty)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


S, B, T, M, R, D = (ColumnType.STRING, ColumnType.BOOLEAN, ColumnType.TIMESTAMP,
                    ColumnType.MONEY, ColumnType.RATE, ColumnType.DATE)

PLATFORMS = ("shopify", "bigcommerce", "adobe_commerce")
ERP_SYSTEMS = ("sage_intacct", "d365_fo", "business_central")
ERP_STATUSES = ("active", "on_hold", "inactive", "merged", "retired", "blocked")
PRESENT_ERP_STATUSES = ("active", "on_hold")
SYNC_OUTCOMES = ("succeeded", "failed", "skipped", "pending")
SYNC_OPERATIONS = ("create", "update", "promote", "delete", "other")
ID_KINDS = ("customer", "company", "location")
"""What a commerce id names: a customer (person or login), a B2B company or one of a company's locations (Shopify's
``CompanyLocation``: its id identifies the company, as any location's key does)."""

COMMERCE_CUSTOMERS = Table(
    "commerce_customers",
    "People (or accounts) known to a commerce platform. One row per platform customer id.",
    (
        Column("platform", S, "Commerce platform the customer lives on.", True, PLATFORMS),
        Column("customer_id", S, "The platform's id for the customer, kept as a string (leading zeros matter).",
               True),
        Column("email", S, "Login / contact email as the platform holds it (normalised for matching: trim, lower)."),
        Column("name", S, "Display name of the person (informational)."),
        Column("is_b2b", B, "The platform flags this customer as a B2B buyer (company contact, trade group).",
               default="false"),
        Column("company_id", S, "The B2B company this customer buys for (see `companies`); empty for DTC. "
               "A customer with a company is counted as that company's account."),
        Column("company_name", S, "Free-text company name on the customer (informational, never a match key)."),
        Column("vat_number", S, "VAT / tax registration number held on the customer."),
        Column("account_ref", S, "ERP account reference held on the customer (e.g. a custom field)."),
        Column("external_id", S, "The id the ERP stores for this customer; defaults to `customer_id` for matching."),
        Column("country", S, "ISO 3166-1 alpha-2 country of the customer (billing / default address)."),
        Column("tags", S, "Comma-separated platform tags (used by entity rules of kind `tag`)."),
        Column("created_at", T, "When the customer was created on the platform (UTC)."),
        Column("created_on", D, "The creation date when the source gives a date without a time of day "
               "(BigCommerce CSV *Date Joined*); `created_at` is then empty, so no cause is decided on a "
               "guessed midnight."),
        Column("merged_into", S, "Set when the platform merged this customer into another; the surviving id."),
    ),
    key=("platform", "customer_id"),
)

COMPANIES = Table(
    "companies",
    "B2B companies (Shopify Company, BigCommerce B2B Edition company, Adobe Commerce company). "
    "A company is the account the ERP should hold, whichever contact places the order.",
    (
        Column("platform", S, "Commerce platform.", True, PLATFORMS),
        Column("company_id", S, "The platform's id for the company.", True),
        Column("name", S, "Company or legal name."),
        Column("email", S, "Company (or main contact) email."),
        Column("vat_number", S, "Company VAT / tax registration number."),
        Column("account_ref", S, "ERP account reference / external id held on the company "
               "(Shopify `externalId`, BigCommerce `uuid`, Adobe `reseller_id`)."),
        Column("country", S, "ISO 3166-1 alpha-2 country of the company's main address."),
        Column("created_at", T, "When the company was created on the platform (UTC)."),
        Column("merged_into", S, "Set when the platform merged this company into another; the surviving id."),
    ),
    key=("platform", "company_id"),
    optional=True,
)

COMPANY_LOCATIONS = Table(
    "company_locations",
    "Locations (branches, ship-to / bill-to sites) of a B2B company; each may carry its own VAT id and "
    "external id. Any location's key identifies the company.",
    (
        Column("platform", S, "Commerce platform.", True, PLATFORMS),
        Column("company_id", S, "The company this location belongs to.", True),
        Column("location_id", S, "The platform's id for the location.", True),
        Column("name", S, "Location name."),
        Column("vat_number", S, "Tax registration id of the location (Shopify `taxSettings.taxRegistrationId`)."),
        Column("account_ref", S, "External id of the location."),
        Column("country", S, "ISO 3166-1 alpha-2 country of the location."),
    ),
    key=("platform", "company_id", "location_id"),
    optional=True,
)

ORDERS = Table(
    "orders",
    "Commerce orders. Only active orders inside the window make a customer count; every other order is "
    "excluded with a reason in the run's accounting.",
    (
        Column("platform", S, "Commerce platform.", True, PLATFORMS),
        Column("order_id", S, "The platform's order id.", True),
        Column("customer_id", S, "The ordering customer; empty for a guest order."),
        Column("company_id", S, "The purchasing B2B company when the platform records one on the order."),
        Column("email", S, "Order email (the only identity of a guest)."),
        Column("status", S, "The platform's own status text, kept for evidence."),
        Column("cancelled", B, "The order is cancelled.", default="false"),
        Column("quote", B, "The record is a quote / draft order / negotiable quote, not an order.",
               default="false"),
        Column("inactive", B, "Another platform state that is not a live sale (refunded, declined, "
               "incomplete checkout, voided, test).", default="false"),
        Column("created_at", T, "When the order was placed (UTC).", True),
        Column("currency", S, "ISO 4217 currency of `total`.", True),
        Column("total", M, "Order total in `currency` (tax included).", True),
        Column("ship_to_country", S, "ISO 3166-1 alpha-2 ship-to country (entity rules of kind `country`)."),
        Column("tags", S, "Comma-separated order tags (entity rules of kind `tag`)."),
    ),
    key=("platform", "order_id"),
)

ERP_CUSTOMERS = Table(
    "erp_customers",
    "The ERP customer master: one row per customer record per legal entity. An empty `legal_entity` is a "
    "top-level (shared) record, present in every entity.",
    (
        Column("system", S, "ERP the record lives in.", True, ERP_SYSTEMS),
        Column("legal_entity", S, "Owning legal entity (Intacct `MEGAENTITYID`, F&O `dataAreaId`, BC company); "
               "empty = top level, visible in all entities."),
        Column("customer_account", S, "The ERP's customer id / account number.", True),
        Column("name", S, "Customer name."),
        Column("vat_number", S, "VAT / tax registration number on the record."),
        Column("email", S, "Primary contact email."),
        Column("status", S, "Record status; only `active` and `on_hold` records make a customer present.",
               default="active", allowed=ERP_STATUSES),
        Column("merged_into", S, "For merged records: the surviving account."),
        Column("external_id", S, "The commerce-side id stored on the ERP record (integration key): a bare id "
               "(`42`) or a Shopify GID (`gid://shopify/Customer/42`, `gid://shopify/Company/42`, "
               "`gid://shopify/CompanyLocation/42`), which names its platform and kind."),
        Column("external_id_platform", S, "The commerce platform whose id `external_id` holds (a reader sets it "
               "from its source's `external_id_platform` option); empty = not said.", allowed=PLATFORMS),
        Column("external_id_kind", S, "Whether `external_id` holds a customer, company or company "
               "location id (the source's `external_id_kind` option); empty = not said.", allowed=ID_KINDS),
        Column("country", S, "ISO 3166-1 alpha-2 country of the record (used to read bare VAT numbers)."),
        Column("created_at", T, "When the record was created. Records created after the as-of time are "
               "ignored, so a re-run describes the same moment."),
        Column("modified_at", T, "When the record last changed."),
    ),
    key=("system", "legal_entity", "customer_account"),
)

SYNC_EVENTS = Table(
    "sync_events",
    "The integration's log: each attempt to create or update an ERP customer for a commerce customer or "
    "company (Sage Network / connector log, Power Automate flow runs, BC connector log).",
    (
        Column("source", S, "Which log the event came from (e.g. `sage_network`, `power_automate`)."),
        Column("event_id", S, "The log's own id for the event, when it has one."),
        Column("platform", S, "Platform of the referenced commerce record; empty = any platform.",
               allowed=PLATFORMS),
        Column("customer_ref", S, "The commerce customer id or company id the event is about.", True),
        Column("occurred_at", T, "When the attempt ran (UTC).", True),
        Column("operation", S, "What was attempted.", default="create", allowed=SYNC_OPERATIONS),
        Column("outcome", S, "Result of the attempt.", True, SYNC_OUTCOMES),
        Column("rejection_reason", S, "The ERP's rejection message for a failed attempt."),
        Column("legal_entity", S, "Entity the attempt targeted, when logged."),
        Column("erp_account", S, "ERP account the attempt created or addressed, when logged."),
    ),
    key=("source", "event_id"),
    keyless_when_empty=("event_id",),
    optional=True,
)

STAGING_RECORDS = Table(
    "staging_records",
    "Records in a staging layer between commerce and the ERP master (Dataverse accounts/contacts under "
    "dual-write). A match here for a customer absent from the master means 'present but not promoted'.",
    (
        Column("system", S, "Staging system.", default="dataverse"),
        Column("record_id", S, "The staging record's id (Dataverse `accountid` / `contactid`).", True),
        Column("record_type", S, "`account` or `contact`.", default="account"),
        Column("legal_entity", S, "Company the record is mapped to (`_msdyn_company_value`); names a configured "
                                  "entity without regard to case, else is kept as written (a company that is not one "
                                  "of the workspace's entities)."),
        Column("account_ref", S, "Account number on the record (under dual-write, its F&O customer account)."),
        Column("email", S, "Email on the record."),
        Column("vat_number", S, "Tax id on the record."),
        Column("external_id", S, "Commerce-side id stored on the record (read as `erp_customers.external_id`)."),
        Column("external_id_platform", S, "The commerce platform whose id `external_id` holds (the source's "
               "`external_id_platform` option); empty = not said.", allowed=PLATFORMS),
        Column("external_id_kind", S, "Customer, company or company location id (the source's `external_id_kind` "
               "option); "
               "empty = not said.", allowed=ID_KINDS),
        Column("state", S, "`active` or `inactive` (`statecode`).", default="active",
               allowed=("active", "inactive")),
        Column("merged", B, "The record was merged into another (`merged`).", default="false"),
        Column("master_id", S, "For merged records: the surviving record (`_masterid_value`)."),
        Column("promoted", B, "The source says the record reached the ERP master (informational; the card "
               "decides promotion by looking in the master)."),
        Column("created_at", T, "When the staging record was created."),
    ),
    key=("system", "record_id"),
    optional=True,
)

FX_RATES = Table(
    "fx_rates",
    "Exchange rates into the workspace's reporting currency. An order converts at the latest rate dated on "
    "or before the order's date in `workspace.timezone` (the day the ERP books it: 23:30 in New York is that day, "
    "though 04:30 UTC the next); the reporting currency itself converts at 1.",
    (
        Column("currency", S, "ISO 4217 currency converted from.", True),
        Column("rate_date", D, "Date the rate applies from.", True),
        Column("rate", R, "Units of reporting currency per one unit of `currency` (greater than 0; read to 12 "
               "decimals, so a rate such as IDR's 0.0000612345 keeps its digits; at most 9,999,999).", True),
    ),
    key=("currency", "rate_date"),
    optional=True,
)

TABLES: tuple[Table, ...] = (
    COMMERCE_CUSTOMERS, COMPANIES, COMPANY_LOCATIONS, ORDERS,
    ERP_CUSTOMERS, SYNC_EVENTS, STAGING_RECORDS, FX_RATES,
)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

LINEAGE_COLUMNS = (
    Column("workspace_id", S, "Workspace the row belongs to (added by the loader).", True),
    Column("source_file", S, "File the row was read from (added by the loader)."),
    Column("source_row", ColumnType.STRING,
           "Row number in that file, header not counted (added by the loader; an integer)."),
)


def table_name(table: str) -> str:
    """Name a canonical table is registered under on an engine."""
    return f"bw_{table}"
