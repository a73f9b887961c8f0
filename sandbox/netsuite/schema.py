"""The record types the sandbox knows, their fields, and how each is named in SuiteQL and in the record API.

One registry serves the SQLite DDL, the SuiteQL column check, the record API's camelCase names and the
admin API's validation, so a custom field defined at runtime shows up everywhere at once. Besides the
record types (``contact``, ``customer``) it holds SuiteQL-only tables (``deletedrecord``): queryable, but
with no record API, no admin rows and no custom fields.
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
STATUS_NAMES = {status: name for _, status, name in STAGES.values()}

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
LISTS: dict[str, dict[int, str]] = {"globalsubscriptionstatus": SUBSCRIPTION_STATUSES}

RECORD_TYPES = ("contact", "customer")
DELETED_RECORD = "deletedrecord"
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
        _f("companyname", "text", "companyName"),
        _f("searchstage", "text", "searchStage", writable=False),
        _f("entitystatus", "ref", "entityStatus", writable=False, ref="customerstatus"),
        _f("email", "text", "email"),
        _f("phone", "text", "phone"),
        _f("isinactive", "checkbox", "isInactive"),
        _subscription_status(),
        _f("datecreated", "datetime", "dateCreated", writable=False),
        _f("lastmodifieddate", "datetime", "lastModifiedDate", writable=False),
        _f("custentity_acton_lead_score", "integer", "custentity_acton_lead_score", custom=True),
    ]
    return {
        "contact": {f.name: f for f in contact},
        "customer": {f.name: f for f in customer},
        DELETED_RECORD: {f.name: f for f in _deleted_record_fields()},
    }


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


class Schema:
    """Fields per SuiteQL table, standard ones plus custom ones added at runtime (record types only)."""

    def __init__(self) -> None:
        self.tables = _base_fields()  # every SuiteQL table: the record types and the SuiteQL-only ones
        self.version = 0  # bumped when a field is added; keys the SuiteQL translation cache

    def record_types(self) -> list[str]:
        """Tables that are records: record API, admin rows, locks, custom fields (not ``deletedrecord``)."""
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
        Custom datetime fields (added by ALTER TABLE, which cannot add stored columns) have none.
        """
        spec = self.field(table, name)
        if spec is None or not spec.temporal or spec.custom or spec.generated:
            return None
        return f"_off_{spec.name}"
