"""The shape of the data this package works on, in one place so every step agrees on it.

``CONTACT_COLUMNS`` is the NetSuite hook's output contract; the rest name internal columns that the
steps add, so that no other module spells them as string literals.
"""

from __future__ import annotations

from typing import Final, Literal

#: Exactly the columns the NetSuite hook yields for each contact.
CONTACT_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "entityid",
    "firstname",
    "middlename",
    "lastname",
    "email",
    "phone",
    "mobilephone",
    "officephone",
    "title",
    "company",
    "companyname",
    "stage",
    "isinactive",
    "datecreated",
    "lastmodifieddate",
    "companymodified",
    "globalsubscriptionstatus",
    "addr1",
    "addr2",
    "city",
    "state",
    "zip",
    "country",
    "salesrep_name",
    "salesrep_email",
    "customer_status",
)

#: The standard columns a field mapping may use (everything but the flags and dates); any other column
#: the contacts query selects may be mapped too (see ``ForwardConfig.extra_columns``).
MAPPABLE_COLUMNS: Final[tuple[str, ...]] = (*CONTACT_COLUMNS[:13], *CONTACT_COLUMNS[18:])

#: NetSuite ``globalsubscriptionstatus`` values that mean "no marketing email": 2 Soft Opt-Out, 4 Confirmed
#: Opt-Out (1 and 3 are opt-ins). An address held by such a record is never put in, and leaves, every list.
OPT_OUT_STATUSES: Final[frozenset[str]] = frozenset({"2", "4"})
#: Every ``globalsubscriptionstatus`` and its name; the only one the sync ever writes is Soft Opt-Out.
SUBSCRIPTION_STATUSES: Final[dict[str, str]] = {
    "1": "Soft Opt-In",
    "2": "Soft Opt-Out",
    "3": "Confirmed Opt-In",
    "4": "Confirmed Opt-Out",
}
SOFT_OPT_OUT: Final = "2"

#: Company stages NetSuite knows (``customerstatus.stage``); a null stage means "unaffiliated".
Stage = Literal["CUSTOMER", "PROSPECT", "LEAD"]
STAGES: Final[tuple[str, ...]] = ("CUSTOMER", "PROSPECT", "LEAD")

#: Columns cleaned as phone numbers (E.164) and as personal names.
PHONE_COLUMNS: Final[tuple[str, ...]] = ("phone", "mobilephone", "officephone")
NAME_COLUMNS: Final[tuple[str, ...]] = ("firstname", "middlename", "lastname")
#: Free-text columns that may reach a CSV: the mappable ones but ids and the stage.
TEXT_COLUMNS: Final[tuple[str, ...]] = tuple(
    c for c in MAPPABLE_COLUMNS if c not in {"id", "company", "stage"}
)

#: Columns the steps add.
REASONS: Final = "reasons"  # quarantine: "; "-joined reason codes per row
LIST_NAME: Final = "list_name"  # routing: the Act-On list a row belongs to
ROW_HASH: Final = "row_hash"  # hashing: content hash of the Act-On row + list
NETSUITE_ID: Final = "netsuite_id"  # routing: the contact's NetSuite id, kept beside the Act-On row

#: Record types and columns of the reverse direction's update frames.
UPDATE_COLUMNS: Final[tuple[str, ...]] = ("record_type", "record_id", "field_id", "value")
CONTACT_RECORD: Final = "contact"
COMPANY_RECORD: Final = "customer"

#: Individuals (customer records with ``isperson = 'T'``) travel through the contact pipeline under the key
#: ``customer:<id>``: a contact and a customer may share a number, and the state store keys people by id.
#: Contacts keep their bare id, so state written before individuals were synced stays valid.
INDIVIDUAL_PREFIX: Final = f"{COMPANY_RECORD}:"


def individual_key(customer_id: str | int) -> str:
    """The person key of an individual customer record."""
    return f"{INDIVIDUAL_PREFIX}{customer_id}"


def record_of(key: str) -> tuple[str, str]:
    """(record type, record id) a person key stands for: ``"12"`` a contact, ``"customer:12"`` a customer."""
    if key.startswith(INDIVIDUAL_PREFIX):
        return COMPANY_RECORD, key[len(INDIVIDUAL_PREFIX) :]
    return CONTACT_RECORD, key
