"""The record types the sandbox knows, their fields, and how each is named in SuiteQL and in the record API.

One registry serves the SQLite DDL, the SuiteQL column check, the record API's camelCase names and the
admin API's validation, so a custom field defined at runtime shows up everywhere at once. Besides the
record types (``contact``, ``customer``) it holds SuiteQL-only tables: ``deletedrecord``, the address
books (``contactaddressbook`` / ``customeraddressbook``, each joined to its ``...entityaddress`` table by
``addressbookaddress = nkey``), ``employee`` (sales reps) and ``customerstatus``: queryable, but with no
record API and no custom fields (the admin API arranges employees and addresses).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SQL_TYPES = {
    "id": "INTEGER",
    "integer": "INTEGER",
    "float": "REAL",
    "text": "TEXT",
    "checkbox": "TEXT",
    "datetime": "INTEGER",
    "date": "INTEGER",
    "ref": "INTEGER",
    "list": "INTEGER",
}
CUSTOM_FIELD_TYPES = ("integer", "float", "text", "checkbox", "date", "datetime")
CUSTOM_FIELD_ID = re.compile(r"^custentity_[a-z0-9_]{1,60}$")
TEMPORAL = frozenset({"datetime", "date"})

# admin stage -> (customer.searchstage, entitystatus id, entitystatus name as the record API shows it)
STAGES: dict[str, tuple[str, int, str]] = {
    "CUSTOMER": ("Customer", 13, "CUSTOMER-Closed Won"),
    "PROSPECT": ("Prospect", 8, "PROSPECT-In Discussion"),
    "LEAD": ("Lead", 6, "LEAD-Unqualified"),
}
STAGE_BY_SEARCHSTAGE = {searchstage: stage for stage, (searchstage, _, _) in STAGES.items()}


@dataclass(frozen=True)
class CustomerStatus:
    """A row of SuiteQL's ``customerstatus``: ``name`` is the status's own title, ``stage`` upper case."""

    name: str
    stage: str
    probability: float
    isinactive: bool = False

    @property
    def display(self) -> str:
        """How the record API's refName and BUILTIN.DF show it: ``LEAD-Unqualified``."""
        return f"{self.stage}-{self.name}"


# customer.entitystatus -> customerstatus. 6/8/13 are STAGES' defaults (NetSuite's standard ids); the other
# ids and titles are the sandbox's choice (an account defines its own). 17 is inactive: a customer may still
# hold it, a new record may not choose it.
CUSTOMER_STATUSES: dict[int, CustomerStatus] = {
    6: CustomerStatus("Unqualified", "LEAD", 10.0),
    7: CustomerStatus("Qualified", "LEAD", 20.0),
    17: CustomerStatus("Recycled", "LEAD", 5.0, isinactive=True),
    8: CustomerStatus("In Discussion", "PROSPECT", 30.0),
    9: CustomerStatus("Identified Decision Makers", "PROSPECT", 40.0),
    10: CustomerStatus("Proposal", "PROSPECT", 60.0),
    11: CustomerStatus("In Negotiation", "PROSPECT", 80.0),
    13: CustomerStatus("Closed Won", "CUSTOMER", 100.0),
    15: CustomerStatus("Renewal", "CUSTOMER", 100.0),
    16: CustomerStatus("Lost Customer", "CUSTOMER", 0.0),
}
STATUS_NAMES = {status: row.display for status, row in CUSTOMER_STATUSES.items()}
assert all(STATUS_NAMES[status] == name for _, status, name in STAGES.values())

# subsidiary: one, as on an account's root subsidiary (OneWorld calls it "Parent Company")
SUBSIDIARIES: dict[int, str] = {1: "Parent Company"}

# address country codes -> the names BUILTIN.DF(country) shows (the seed's countries and a few more)
COUNTRIES: dict[str, str] = {
    "US": "United States",
    "CA": "Canada",
    "MX": "Mexico",
    "BR": "Brazil",
    "GB": "United Kingdom",
    "IE": "Ireland",
    "DE": "Germany",
    "FR": "France",
    "ES": "Spain",
    "IT": "Italy",
    "NL": "Netherlands",
    "SE": "Sweden",
    "PL": "Poland",
    "CH": "Switzerland",
    "IN": "India",
    "JP": "Japan",
    "CN": "China",
    "SG": "Singapore",
    "AU": "Australia",
    "NZ": "New Zealand",
    "ZA": "South Africa",
}

# globalsubscriptionstatus (API_FACTS "NetSuite subscription status"): id -> name as the record API shows it
SUBSCRIPTION_STATUSES: dict[int, str] = {
    1: "Soft Opt-In",
    2: "Soft Opt-Out",
    3: "Confirmed Opt-In",
    4: "Confirmed Opt-Out",
}
SOFT_OPT_IN = 1
CONFIRMED_STATUSES = frozenset({3, 4})  # only the recipient sets these, never a PATCH or an import
CONFIRMED_OPT_OUT = 4  # final: "no one in your company can resubscribe them"
# fixed lists a "list" field points to: id -> refName (a reference with no record behind it)
LISTS: dict[str, dict[int, str]] = {
    "globalsubscriptionstatus": SUBSCRIPTION_STATUSES,
    "subsidiary": SUBSIDIARIES,
}

RECORD_TYPES = ("contact", "customer")
DELETED_RECORD = "deletedrecord"
EMPLOYEE = "employee"
CUSTOMER_STATUS = "customerstatus"
# record type -> (its address book, the address table the book's addressbookaddress points to by nkey)
ADDRESS_TABLES: dict[str, tuple[str, str]] = {
    t: (f"{t}addressbook", f"{t}addressbookentityaddress") for t in RECORD_TYPES
}
# the address fields the admin API takes and shows (``address: {...}``); addrtext is built from them
ADDRESS_FIELDS = (
    "addressee",
    "attention",
    "addr1",
    "addr2",
    "addr3",
    "city",
    "state",
    "zip",
    "country",
    "addrphone",
)
# NetSuite's internal record-type ids, as DeletedRecord.recordtypeid shows them (UNCONFIRMED, see README)
RECORD_TYPE_IDS = {"contact": -6, "customer": -2}


@dataclass(frozen=True)
class FieldSpec:
    """One field. ``record_name`` is its record-API name (None: SuiteQL only); datetimes are UTC epochs."""

    name: str
    type: str
    record_name: str | None
    writable: bool = True
    ref: str | None = None  # record type a "ref" field points to
    generated: str | None = None  # SQL expression of a virtual column
    custom: bool = False
    default: int | None = None  # value of a NOT NULL column when a row leaves it out (admin rows, seed)
    display: str | None = None  # BUILTIN.DF shows a text code by this name: "country" (COUNTRIES)

    @property
    def temporal(self) -> bool:
        return self.type in TEMPORAL


def _f(name: str, type_: str, record_name: str | None = None, **kw: object) -> FieldSpec:
    return FieldSpec(name, type_, record_name, **kw)  # type: ignore[arg-type]


def _base_fields() -> dict[str, dict[str, FieldSpec]]:
    contact = [
        _f("id", "id", "id", writable=False),
        _f("entityid", "text", "entityId"),
        _f("firstname", "text", "firstName"),
        _f("middlename", "text", "middleName"),
        _f("lastname", "text", "lastName"),
        _f("email", "text", "email"),
        _f("phone", "text", "phone"),
        _f("mobilephone", "text", "mobilePhone"),
        _f("officephone", "text", "officePhone"),
        _f("homephone", "text", "homePhone"),
        _f("title", "text", "title"),
        _f("entitytitle", "text", None, writable=False, generated="entityid"),
        _f("company", "ref", "company", ref="customer"),
        _f("isinactive", "checkbox", "isInactive"),
        _subscription_status(),
        _f("datecreated", "datetime", "dateCreated", writable=False),
        _f("lastmodifieddate", "datetime", "lastModifiedDate", writable=False),
        _f("custentity_acton_score", "integer", "custentity_acton_score", custom=True),
    ]
    customer = [
        _f("id", "id", "id", writable=False),
        _f("entityid", "text", "entityId"),
        _f("isperson", "checkbox", "isPerson"),  # 'T': an individual, named by firstname/lastname
        _f("companyname", "text", "companyName"),
        _f("firstname", "text", "firstName"),
        _f("lastname", "text", "lastName"),
        _f("searchstage", "text", "searchStage", writable=False),
        _f("entitystatus", "ref", "entityStatus", writable=False, ref=CUSTOMER_STATUS),
        _f("salesrep", "ref", "salesRep", ref=EMPLOYEE),
        _f("subsidiary", "list", "subsidiary", ref="subsidiary", default=1),
        _f("email", "text", "email"),
        _f("phone", "text", "phone"),
        # the nkey of the default billing / shipping address (customeraddressbookentityaddress), kept in
        # step with customeraddressbook's defaultbilling / defaultshipping; SuiteQL only
        _f("defaultbillingaddress", "integer", writable=False),
        _f("defaultshippingaddress", "integer", writable=False),
        _f("isinactive", "checkbox", "isInactive"),
        _subscription_status(),
        _f("datecreated", "datetime", "dateCreated", writable=False),
        _f("lastmodifieddate", "datetime", "lastModifiedDate", writable=False),
        _f("custentity_acton_lead_score", "integer", "custentity_acton_lead_score", custom=True),
        # an entity custom field applies to the types it is set up for: this account applies the
        # contact score field to customers too (individuals' scores land there)
        _f("custentity_acton_score", "integer", "custentity_acton_score", custom=True),
    ]
    tables: dict[str, dict[str, FieldSpec]] = {
        "contact": {f.name: f for f in contact},
        "customer": {f.name: f for f in customer},
        DELETED_RECORD: {f.name: f for f in _deleted_record_fields()},
    }
    for owner, (book, address) in ADDRESS_TABLES.items():
        tables[book] = {f.name: f for f in _address_book_fields(owner)}
        tables[address] = {f.name: f for f in _address_fields()}
    tables[EMPLOYEE] = {f.name: f for f in _employee_fields()}
    tables[CUSTOMER_STATUS] = {f.name: f for f in _customer_status_fields()}
    return tables


def _subscription_status() -> FieldSpec:
    """Every entity has one (Soft Opt-In unless said otherwise); PATCH obeys NetSuite's rules (records.py)."""
    return _f(
        "globalsubscriptionstatus",
        "list",
        "globalSubscriptionStatus",
        ref="globalsubscriptionstatus",
        default=SOFT_OPT_IN,
    )


def _deleted_record_fields() -> list[FieldSpec]:
    """DeletedRecord's columns as tap-netsuite-rest's DeletedRecordsStream reads them; SuiteQL only.

    No ``id``: NetSuite's table has none, so clients page it by ``deleteddate, recordid``.
    """
    return [
        _f("name", "text"),
        _f("recordid", "integer"),
        _f("recordtypeid", "integer"),
        _f("scriptid", "text"),
        _f("context", "text"),
        _f("deletedby", "integer"),
        _f("deleteddate", "datetime"),
        _f("type", "text"),
        _f("iscustomlist", "checkbox"),
        _f("iscustomrecord", "checkbox"),
        _f("iscustomtransaction", "checkbox"),
    ]


def _address_book_fields(owner: str) -> list[FieldSpec]:
    """``contactaddressbook`` / ``customeraddressbook``: one line per address of an entity.

    ``entity`` is the contact's / customer's id, ``addressbookaddress`` the address's ``nkey``. At most
    one line per entity has ``defaultbilling = 'T'`` (and one ``defaultshipping = 'T'``).
    """
    return [
        _f("id", "id"),
        _f("entity", "ref", ref=owner),
        _f("addressbookaddress", "integer"),
        _f("defaultbilling", "checkbox"),
        _f("defaultshipping", "checkbox"),
        _f("label", "text"),
    ]


def _address_fields() -> list[FieldSpec]:
    """``...addressbookentityaddress``: the address itself, keyed by ``nkey``; ``country`` a code ('US')."""
    return [
        _f("nkey", "id"),
        _f("addressee", "text"),
        _f("attention", "text"),
        _f("addr1", "text"),
        _f("addr2", "text"),
        _f("addr3", "text"),
        _f("city", "text"),
        _f("state", "text"),
        _f("zip", "text"),
        _f("country", "text", display="country"),
        _f("addrphone", "text"),
        _f("addrtext", "text"),  # the address as one text, lines joined by newlines
        _f("lastmodifieddate", "datetime"),
    ]


def _employee_fields() -> list[FieldSpec]:
    """``employee``: who ``customer.salesrep`` names. Arranged through ``POST /_sandbox/employees``."""
    return [
        _f("id", "id"),
        _f("entityid", "text"),
        _f("firstname", "text"),
        _f("middlename", "text"),
        _f("lastname", "text"),
        _f("email", "text"),
        _f("issalesrep", "checkbox"),
        _f("isinactive", "checkbox"),
    ]


def _customer_status_fields() -> list[FieldSpec]:
    """``customerstatus``: :data:`CUSTOMER_STATUSES`, fixed."""
    return [
        _f("id", "id"),
        _f("name", "text"),
        _f("stage", "text"),
        _f("probability", "float"),
        _f("isinactive", "checkbox"),
    ]


def customer_status_rows() -> list[tuple[int, str, str, float, str]]:
    """``customerstatus`` rows in column order."""
    return [
        (status, row.name, row.stage, row.probability, "T" if row.isinactive else "F")
        for status, row in sorted(CUSTOMER_STATUSES.items())
    ]


def format_address(values: dict[str, object]) -> str | None:
    """``addrtext`` as NetSuite composes it: addressee, attention, street lines, "city state zip", country
    name; empty parts left out (None if nothing is left)."""

    def part(name: str) -> str:
        value = values.get(name)
        return str(value).strip() if value is not None else ""

    city_line = " ".join(p for p in (part("city"), part("state"), part("zip")) if p)
    country = part("country")
    lines = [part("addressee"), part("attention"), part("addr1"), part("addr2"), part("addr3"), city_line]
    lines.append(COUNTRIES.get(country.upper(), country))
    text = "\n".join(line for line in lines if line)
    return text or None


class Schema:
    """Fields per SuiteQL table, standard ones plus custom ones added at runtime (record types only)."""

    def __init__(self) -> None:
        self.tables = _base_fields()  # every SuiteQL table: the record types and the SuiteQL-only ones
        self.version = 0  # bumped when a field is added; keys the SuiteQL translation cache

    def record_types(self) -> list[str]:
        """Tables that are records: record API, locks, custom fields (not the SuiteQL-only tables)."""
        return list(RECORD_TYPES)

    def is_record_type(self, table: str) -> bool:
        return table in RECORD_TYPES

    def fields(self, table: str) -> dict[str, FieldSpec]:
        return self.tables[table]

    def field(self, table: str, name: str) -> FieldSpec | None:
        return self.tables.get(table, {}).get(name.lower())

    def by_record_name(self, table: str) -> dict[str, FieldSpec]:
        return {f.record_name: f for f in self.tables[table].values() if f.record_name}

    def stored(self, table: str) -> list[FieldSpec]:
        """Fields with a real column (not virtual), in table order: the INSERT column list."""
        return [f for f in self.tables[table].values() if not f.generated]

    def add_custom(self, table: str, name: str, type_: str) -> tuple[FieldSpec, bool]:
        """Define ``custentity_*`` on ``table``; returns (spec, created). Type clash: ValueError."""
        if not self.is_record_type(table):
            raise ValueError(f"unknown record type {table!r}; known: {', '.join(self.record_types())}")
        name = name.lower()
        if not CUSTOM_FIELD_ID.match(name):
            raise ValueError("a custom entity field id looks like custentity_[a-z0-9_]+")
        if type_ not in CUSTOM_FIELD_TYPES:
            raise ValueError(f"type must be one of {', '.join(CUSTOM_FIELD_TYPES)}")
        existing = self.tables[table].get(name)
        if existing:
            if existing.type != type_:
                raise ValueError(f"{name} already exists on {table} with type {existing.type}")
            return existing, False
        spec = FieldSpec(name, type_, name, custom=True)
        self.tables[table][name] = spec
        self.version += 1
        return spec, True

    def ddl(self, table: str) -> str:
        columns = []
        for spec in self.tables[table].values():
            if spec.type == "id":
                columns.append(f"{spec.name} INTEGER PRIMARY KEY")
            elif spec.generated:
                columns.append(
                    f"{spec.name} {SQL_TYPES[spec.type]} GENERATED ALWAYS AS ({spec.generated}) VIRTUAL"
                )
            elif spec.type == "checkbox":
                columns.append(f"{spec.name} TEXT NOT NULL DEFAULT 'F'")
            elif spec.default is not None:
                columns.append(f"{spec.name} {SQL_TYPES[spec.type]} NOT NULL DEFAULT {int(spec.default)}")
            else:
                columns.append(f"{spec.name} {SQL_TYPES[spec.type]}")
            if offset := self.offset_column(table, spec.name):
                columns.append(
                    f"{offset} INTEGER GENERATED ALWAYS AS (ns_utc_offset_or_null({spec.name})) STORED"
                )
        return f"CREATE TABLE {table} ({', '.join(columns)})"

    def offset_column(self, table: str, name: str) -> str | None:
        """Hidden column holding the account's UTC offset at a standard datetime field's value, or None.

        Stored and kept current by SQLite (a generated column), so SuiteQL's TO_CHAR can render local time
        with SQLite's strftime instead of a Python call per row. Not a field: SuiteQL cannot name it.
        Custom datetime fields (added by ALTER TABLE, which cannot add stored columns) have none, nor have
        the address tables (their many rows would load slower for a rarely formatted date).
        """
        spec = self.field(table, name)
        if spec is None or not spec.temporal or spec.custom or spec.generated:
            return None
        if not self.is_record_type(table) and table != DELETED_RECORD:
            return None
        return f"_off_{spec.name}"
