"""The seed generator: deterministic, messy at the documented rates, fast."""

from __future__ import annotations

import hashlib
import json
import re
import time

import pytest

from sandbox.netsuite.schema import CUSTOMER_STATUSES
from sandbox.netsuite.seed import RATES, generate
from sandbox.netsuite.timefmt import AccountClock


@pytest.fixture(scope="module")
def data():
    return generate(20_000, seed=3)


def test_deterministic() -> None:
    assert generate(500, seed=1) == generate(500, seed=1)
    assert generate(500, seed=1).contacts["email"] != generate(500, seed=2).contacts["email"]


def test_shape_and_ids(data) -> None:
    contacts, customers = data.contacts, data.customers
    assert len(contacts["id"]) == 20_000
    assert len(customers["id"]) == 2_000
    ids = contacts["id"] + customers["id"]
    assert len(set(ids)) == len(ids)  # one entity id space
    assert contacts["id"] == sorted(contacts["id"])
    assert contacts["id"][-1] - contacts["id"][0] > 20_000
    assert set(contacts["company"]) - {None} <= set(customers["id"])
    assert set(customers["searchstage"]) == {"Customer", "Prospect", "Lead"}
    assert all(m >= c for m, c in zip(contacts["lastmodifieddate"], contacts["datecreated"], strict=True))


def share(values, predicate) -> float:
    return sum(1 for v in values if predicate(v)) / len(values)


def test_messiness_rates(data) -> None:
    c = data.contacts
    emails = c["email"]
    assert share(c["company"], lambda v: v is None) == pytest.approx(RATES["unaffiliated"], abs=0.02)
    assert share(emails, lambda v: v is None) == pytest.approx(RATES["email_missing"], abs=0.01)
    assert share(emails, lambda v: v is not None and v != v.strip()) == pytest.approx(
        RATES["email_padded"], abs=0.01
    )
    assert share(emails, lambda v: v is not None and v.strip() != v.strip().lower()) > 0.05
    invalid = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$", re.IGNORECASE)
    assert (
        share(emails, lambda v: v is not None and not invalid.match(v.strip()))
        >= RATES["email_invalid"] * 0.8
    )
    present = [e for e in emails if e]
    assert 0.01 < 1 - len(set(present)) / len(present) < 0.05  # duplicates
    assert share(c["isinactive"], lambda v: v == "T") == pytest.approx(RATES["inactive"], abs=0.01)
    names = c["firstname"] + c["lastname"]
    assert share(names, lambda v: v is not None and not v.isascii()) > 0.04
    assert any(v and v[0] in "=+-@" for v in c["firstname"])
    assert any(v and ("\n" in v or "," in v or '"' in v) for v in c["lastname"])
    formats = {re.sub(r"\d", "9", p) for p in c["phone"] if p}
    assert len(formats) >= 8


def test_million_generates_quickly_enough_scaled() -> None:
    started = time.perf_counter()
    generate(100_000, seed=9)
    assert time.perf_counter() - started < 8  # ~10x this for a million: well under a minute


def test_clock_round_trip() -> None:
    clock = AccountClock("America/Los_Angeles", "DD/MM/YYYY")
    epoch = clock.parse_local("2024-01-23 08:00:00", "%Y-%m-%d %H:%M:%S")
    assert clock.iso_utc(epoch) == "2024-01-23T16:00:00Z"
    assert clock.display_date(epoch) == "23/01/2024"
    assert clock.parse_pref_date("23/01/2024").isoformat() == "2024-01-23"


def test_subscription_statuses(data) -> None:
    for records in (data.contacts, data.customers):
        statuses = records["globalsubscriptionstatus"]
        assert set(statuses) == {1, 2, 4}  # the seed never confirms an opt-in
        assert share(statuses, lambda v: v == 2) == pytest.approx(RATES["soft_opt_out"], abs=0.01)
        assert share(statuses, lambda v: v == 4) == pytest.approx(RATES["confirmed_opt_out"], abs=0.004)
    assert (
        generate(500, seed=1).contacts["globalsubscriptionstatus"]
        != generate(500, seed=2).contacts["globalsubscriptionstatus"]
    )


def test_statuses_left_every_other_seeded_value_as_it_was() -> None:
    """The statuses have a generator of their own: tests naming seeded ids and values still hold."""
    data = generate(500, seed=1)

    def without_status(columns: dict[str, list[object]]) -> dict[str, list[object]]:
        return {name: values for name, values in columns.items() if name != "globalsubscriptionstatus"}

    text = json.dumps(
        [without_status(data.contacts), without_status(data.customers)], sort_keys=True, ensure_ascii=False
    )
    # the fingerprint of generate(500, seed=1) before globalsubscriptionstatus was added
    assert hashlib.sha256(text.encode()).hexdigest() == (
        "750fb81a2c0abc58765c2fbd8653c67060890bf36527ca1e443b4e1546eda55e"
    )


OLD_CONTACT_COLUMNS = {
    "id", "entityid", "firstname", "middlename", "lastname", "email", "phone", "mobilephone", "officephone",
    "homephone", "title", "company", "isinactive", "globalsubscriptionstatus", "datecreated",
    "lastmodifieddate", "custentity_acton_score",
}  # fmt: skip
OLD_CUSTOMER_COLUMNS = {
    "id", "entityid", "companyname", "searchstage", "entitystatus", "email", "phone", "isinactive",
    "datecreated", "lastmodifieddate", "custentity_acton_lead_score", "globalsubscriptionstatus",
}  # fmt: skip


def test_people_and_addresses_left_the_old_columns_alone() -> None:
    """Addresses, reps and individuals sit beside the old columns, which keep their fingerprint (above)."""
    data = generate(500, seed=1)
    assert set(data.contacts) == OLD_CONTACT_COLUMNS
    assert set(data.customers) == OLD_CUSTOMER_COLUMNS
    assert len(data.customers["id"]) == 50
    assert set(data.customer_links) == {"salesrep", "defaultbillingaddress", "defaultshippingaddress"}
    assert all(len(values) == 50 for values in data.customer_links.values())
    assert len(data.individuals["id"]) == 10  # 2% of the contacts, as extra customer rows


def test_people_and_addresses_are_deterministic() -> None:
    first, again, other = generate(800, seed=4), generate(800, seed=4), generate(800, seed=5)
    for part in ("customer_links", "individuals", "tables"):
        assert getattr(first, part) == getattr(again, part), part
    assert first.tables["contactaddressbookentityaddress"] != other.tables["contactaddressbookentityaddress"]
    assert first.individuals["email"] != other.individuals["email"]


def test_address_and_rep_rates(data) -> None:
    contacts, customers = data.contacts, data.customers
    book = data.tables["contactaddressbook"]
    billing = {e for e, flag in zip(book["entity"], book["defaultbilling"], strict=True) if flag == "T"}
    assert len(billing) / len(contacts["id"]) == pytest.approx(RATES["contact_address"], abs=0.02)
    assert billing <= set(contacts["id"])
    owners = [e for e, flag in zip(book["entity"], book["defaultbilling"], strict=True) if flag == "T"]
    assert len(owners) == len(set(owners))  # one default billing line each
    addresses = data.tables["contactaddressbookentityaddress"]
    assert sorted(book["addressbookaddress"]) == sorted(addresses["nkey"])
    assert share(addresses["country"], lambda v: v == "US") == pytest.approx(0.75, abs=0.03)
    assert share(addresses["addr2"], lambda v: v is not None) == pytest.approx(0.25, abs=0.03)
    assert share(addresses["zip"], lambda v: v is None) > 0.005  # messy: some zips missing
    all_nkeys = addresses["nkey"] + data.tables["customeraddressbookentityaddress"]["nkey"]
    assert len(all_nkeys) == len(set(all_nkeys))  # one key space for both address tables
    links = data.customer_links
    assert share(links["defaultbillingaddress"], lambda v: v is not None) == pytest.approx(
        RATES["customer_address"], abs=0.03
    )
    assert share(links["salesrep"], lambda v: v is not None) == pytest.approx(
        RATES["customer_salesrep"], abs=0.03
    )
    employees = data.tables["employee"]
    reps = {i for i, rep in zip(employees["id"], employees["issalesrep"], strict=True) if rep == "T"}
    assert set(links["salesrep"]) - {None} <= reps
    assert max(employees["id"]) < min(contacts["id"] + customers["id"])  # ids below the seeded entities


def test_individuals(data) -> None:
    people, customers, contacts = data.individuals, data.customers, data.contacts
    assert len(people["id"]) == 400  # 2% of 20,000
    assert min(people["id"]) > max(contacts["id"] + customers["id"])
    assert people["id"] == sorted(people["id"])
    assert set(people["isperson"]) == {"T"}
    assert "companyname" not in people
    stages = people["searchstage"]
    assert share(stages, lambda v: v == "Lead") == pytest.approx(RATES["individual_lead"], abs=0.06)
    assert set(stages) == {"Lead", "Prospect", "Customer"}
    for stage, status in zip(stages, people["entitystatus"], strict=True):
        assert CUSTOMER_STATUSES[status].stage.title() == stage
        assert not CUSTOMER_STATUSES[status].isinactive
    shared = set(people["email"]) & set(contacts["email"])
    assert shared  # some leads are people the account already has as contacts
    assert all(f and la for f, la in zip(people["firstname"], people["lastname"], strict=True))


def test_tiny_and_empty_seeds() -> None:
    empty = generate(0, seed=1)
    assert empty.contacts["id"] == []
    assert empty.individuals["id"] == []
    assert empty.tables["contactaddressbook"]["id"] == []
    assert len(empty.tables["employee"]["id"]) == 5  # reps exist before any customer does
    tiny = generate(3, seed=1)
    assert len(tiny.contacts["id"]) == 3
