"""List membership: what the sync put where, removals owed, and the upgrade from loaded rows only."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from netsuite_acton.state import StateStore, schema

LEADS, CUSTOMERS = "NetSuite Leads", "NetSuite Customers"


def _member(email: str, list_name: str, netsuite_id: str) -> dict[str, str]:
    return {"email": email, "list_name": list_name, "netsuite_id": netsuite_id}


def test_an_address_can_sit_in_two_lists_and_leaves_one(store: StateStore) -> None:
    store.record_members([_member("a@x.com", LEADS, "1"), _member("a@x.com", CUSTOMERS, "2")], run_id="r1")
    store.record_loaded([{"email": "a@x.com", "list_name": LEADS, "row_hash": "h", "netsuite_id": "1"}])
    assert store.list_sizes() == {LEADS: 1, CUSTOMERS: 1}
    assert {m["list_name"] for m in store.members_by_email(["a@x.com"])} == {LEADS, CUSTOMERS}
    assert [m["list_name"] for m in store.members_by_contact(["2"])] == [CUSTOMERS]

    assert store.forget_members([(LEADS, "a@x.com")]) == 1
    assert [m["list_name"] for m in store.members_by_email(["a@x.com"])] == [CUSTOMERS]
    assert store.loaded_hashes(["a@x.com"]) == {}, "the hash goes with the membership it described"


def test_owed_removals_count_attempts_and_a_new_merge_voids_them(store: StateStore) -> None:
    store.record_members([_member("a@x.com", LEADS, "1"), _member("b@x.com", LEADS, "2")])
    owed = {"email": "a@x.com", "list_name": LEADS, "reason": "inactive", "last_error": "locked"}
    store.owe_removals([owed], run_id="r1")
    store.owe_removals([owed], run_id="r2")
    (pending,) = store.pending_removals()
    assert (pending["email"], pending["pending_reason"]) == ("a@x.com", "inactive")
    with store.engine.connect() as conn:
        attempts = conn.execute(
            sa.select(schema.list_members.c.attempts).where(schema.list_members.c.email == "a@x.com")
        )
        assert attempts.scalar_one() == 2
    store.record_members([_member("a@x.com", LEADS, "1")])
    assert store.pending_removals() == []
    store.owe_removals([owed])
    assert store.clear_owed([(LEADS, "a@x.com")]) == 1
    assert store.pending_removals() == []


def test_iter_members_pages_through_every_row(store: StateStore) -> None:
    store.record_members(_member(f"{i:03d}@x.com", LEADS if i % 2 else CUSTOMERS, str(i)) for i in range(25))
    batches = list(store.iter_members(batch=10))
    assert [len(b) for b in batches] == [10, 10, 5]
    assert len({(m["list_name"], m["email"]) for b in batches for m in b}) == 25


def test_links_by_contact_and_company_and_forget(store: StateStore) -> None:
    store.record_links(
        [
            {"netsuite_id": "1", "email": "a@x.com", "company_id": "40", "company_stage": "LEAD"},
            {"netsuite_id": "2", "email": "b@x.com", "company_id": "41", "company_stage": "CUSTOMER"},
        ]
    )
    assert [link["netsuite_id"] for link in store.links_by_company(["40"])] == ["1"]
    assert [link["email"] for link in store.links_by_contact(["2"])] == ["b@x.com"]
    assert store.forget_links(["1"]) == 1
    assert store.links_by_company(["40"]) == []


def test_an_older_state_store_gets_its_members_from_loaded_rows(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    schema.loaded_rows.create(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(schema.loaded_rows),
            [
                {
                    "email": "a@x.com",
                    "list_name": LEADS,
                    "row_hash": "h",
                    "netsuite_id": "1",
                    "loaded_at": datetime(2026, 1, 1, tzinfo=UTC),
                }
            ],
        )
    store = StateStore(url)
    assert store.members_by_email(["a@x.com"]) == [
        {"email": "a@x.com", "list_name": LEADS, "netsuite_id": "1", "pending_reason": None}
    ]
