"""Consent memory and audit trail: entries remembered once, owed until settled, changes kept per run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from netsuite_acton.state import StateStore, schema
from netsuite_acton.state import consent as consent_module

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _entry(kind: str, email: str, recorded_at: Any = T0, origin: str = "o") -> dict[str, Any]:
    return {"kind": kind, "email": email, "recorded_at": recorded_at, "origin": origin}


def _change(email: str, target: str, change: str, **extra: Any) -> dict[str, Any]:
    return {
        "direction": extra.pop("direction", "to_netsuite"),
        "email": email,
        "target": target,
        "change": change,
        "source": extra.pop("source", "optout"),
        "origin": extra.pop("origin", "Recipient: unsubscribe link"),
        "recorded_at": extra.pop("recorded_at", T0),
    }


def _rows(store: StateStore) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["kind"], row["email"]): row for row in store.consent_entries()}


def _changes(store: StateStore) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        table = schema.consent_changes
        return [
            dict(r._mapping) for r in conn.execute(sa.select(table).order_by(table.c.run_id, table.c.target))
        ]


# -- entries ----------------------------------------------------------------------------------------
def test_entries_are_inserted_once_and_keep_their_first_time_and_state(store: StateStore) -> None:
    assert store.add_consent_entries([]) == 0
    added = store.add_consent_entries(
        [_entry("optout", "a@x.com"), _entry("spamcomplaint", "a@x.com"), _entry("optout", "b@x.com")],
        run_id="r1",
    )
    assert added == 3
    store.settle_consent([("optout", "a@x.com")], run_id="r1")

    later = T0 + timedelta(days=3)
    again = store.add_consent_entries(
        [_entry("optout", "a@x.com", later, "other"), _entry("optout", "c@x.com", later)], run_id="r2"
    )
    assert again == 1
    rows = _rows(store)
    assert len(rows) == 4
    first = rows[("optout", "a@x.com")]
    assert consent_module.utc(first["recorded_at"]) == T0
    assert first["origin"] == "o"
    assert first["settled_at"] is not None, "a repeat does not make a settled entry owed again"
    assert first["run_id"] == "r1"
    assert rows[("optout", "c@x.com")]["run_id"] == "r2"
    assert rows[("optout", "c@x.com")]["attempts"] == 0


def test_new_entries_accept_pandas_timestamps(store: StateStore) -> None:
    """The commit step hands over rows read back from staging: pandas Timestamps, not datetimes."""
    stamp = pd.Timestamp("2026-02-03 04:05:06.789", tz="UTC")
    assert store.add_consent_entries([_entry("netsuite", "p@x.com", stamp)]) == 1
    (row,) = store.consent_owed()
    assert row["recorded_at"] == stamp.to_pydatetime()


def test_an_entry_without_a_time_is_remembered_without_one(store: StateStore) -> None:
    """An Act-On entry with no ``timestamp`` is kept by the hook ("0 when missing: kept") and leaves
    ``acton_entries`` with ``recorded_at`` NaT; the commit step hands it over as read back from staging."""
    assert store.add_consent_entries([_entry("optout", "notime@x.com", pd.NaT)], run_id="r1") == 1
    (row,) = store.consent_owed()
    assert (row["email"], row["recorded_at"]) == ("notime@x.com", None)


def test_consent_known_with_and_without_settled(store: StateStore) -> None:
    store.add_consent_entries(
        [_entry("optout", "a@x.com"), _entry("optout", "b@x.com"), _entry("hardbounce", "c@x.com")]
    )
    store.settle_consent([("optout", "b@x.com")])
    asked = ["a@x.com", "b@x.com", "c@x.com", "d@x.com", "a@x.com"]
    assert store.consent_known("optout", asked) == {"a@x.com", "b@x.com"}
    assert store.consent_known("optout", asked, settled=True) == {"b@x.com"}
    assert store.consent_known("hardbounce", asked) == {"c@x.com"}
    assert store.consent_known("hardbounce", asked, settled=True) == set()
    assert store.consent_known("spamcomplaint", asked) == set()
    assert store.consent_known("optout", []) == set()


def test_consent_known_reads_large_sets_in_chunks(store: StateStore) -> None:
    emails = [f"p{i:05d}@x.com" for i in range(6_000)]  # more than one chunk of the IN list
    store.add_consent_entries([_entry("optout", e) for e in emails[::2]])
    assert store.consent_known("optout", emails) == set(emails[::2])


def test_owed_entries_count_attempts_keep_the_error_and_come_back_until_settled(store: StateStore) -> None:
    store.add_consent_entries(
        [
            _entry("optout", "a@x.com", origin="first"),
            _entry("spamcomplaint", "b@x.com"),
            _entry("optout", "c@x.com"),
        ]
    )
    store.settle_consent([("optout", "c@x.com")], run_id="r1")
    assert (
        store.owe_consent([("optout", "a@x.com")], "NetSuite refused a write (RCRD_LOCKED)", run_id="r1") == 1
    )
    assert (
        store.owe_consent([("optout", "a@x.com")], "NetSuite refused a write (UNEXPECTED)", run_id="r2") == 1
    )
    store.owe_consent([("spamcomplaint", "b@x.com")], "x" * 5_000, run_id="r2")

    rows = _rows(store)
    a = rows[("optout", "a@x.com")]
    assert a["attempts"] == 2
    assert a["last_error"] == "NetSuite refused a write (UNEXPECTED)"
    assert a["run_id"] == "r2"
    assert a["settled_at"] is None
    assert len(rows[("spamcomplaint", "b@x.com")]["last_error"]) == 2_000
    assert rows[("optout", "c@x.com")]["attempts"] == 0

    owed = sorted(store.consent_owed(), key=lambda row: row["email"])
    assert [(o["kind"], o["email"], o["origin"]) for o in owed] == [
        ("optout", "a@x.com", "first"),
        ("spamcomplaint", "b@x.com", "o"),
    ]
    assert all(o["recorded_at"] == T0 for o in owed), "times come back UTC-aware"
    assert set(owed[0]) == {"kind", "email", "recorded_at", "origin"}

    assert store.settle_consent([("optout", "a@x.com"), ("spamcomplaint", "b@x.com")], run_id="r3") == 2
    assert store.consent_owed() == []
    settled = _rows(store)[("optout", "a@x.com")]
    assert settled["last_error"] is None
    assert settled["settled_at"] is not None
    assert settled["run_id"] == "r3"
    assert settled["attempts"] == 2


def test_settling_or_owing_touches_only_the_named_kind(store: StateStore) -> None:
    store.add_consent_entries([_entry("optout", "a@x.com"), _entry("spamcomplaint", "a@x.com")])
    assert store.settle_consent([("optout", "a@x.com"), ("optout", "unknown@x.com")]) == 1
    assert [(o["kind"], o["email"]) for o in store.consent_owed()] == [("spamcomplaint", "a@x.com")]
    assert store.owe_consent([("hardbounce", "a@x.com")], "nope") == 0
    assert store.settle_consent([]) == 0


# -- audit trail ------------------------------------------------------------------------------------
def test_a_rerun_of_the_same_run_rewrites_its_changes(store: StateStore) -> None:
    changes = [
        _change("a@x.com", "contact 12", "globalsubscriptionstatus: Soft Opt-In -> Soft Opt-Out"),
        _change("a@x.com", "customer 40", "globalsubscriptionstatus: Confirmed Opt-In -> Soft Opt-Out"),
    ]
    assert store.record_consent_changes(changes, run_id="run-1") == 2
    rerun = [{**changes[0], "origin": "rewritten"}, changes[1]]
    assert store.record_consent_changes(rerun, run_id="run-1") == 2
    rows = _changes(store)
    assert len(rows) == 2, "a rerun must not duplicate its audit rows"
    assert [r["origin"] for r in rows] == ["rewritten", "Recipient: unsubscribe link"]
    assert {r["run_id"] for r in rows} == {"run-1"}


def test_another_run_appends_and_never_touches_earlier_rows(store: StateStore) -> None:
    change = _change("a@x.com", "Act-On opt-out list", "added", direction="to_acton", source="netsuite")
    store.record_consent_changes([change], run_id="run-1")
    store.record_consent_changes([{**change, "origin": "second"}], run_id="run-2")
    rows = _changes(store)
    assert [(r["run_id"], r["origin"]) for r in rows] == [
        ("run-1", "Recipient: unsubscribe link"),
        ("run-2", "second"),
    ]
    assert store.record_consent_changes([], run_id="run-3") == 0
    assert len(_changes(store)) == 2


def test_consent_history_lower_cases_the_address_and_lists_oldest_first(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.add_consent_entries(
        [
            _entry("spamcomplaint", "ann@x.com", T0 + timedelta(days=2), "Recipient: spam complaint"),
            _entry("netsuite", "ann@x.com", T0, "contact 12 (Soft Opt-Out)"),
            _entry("optout", "ann@x.com", T0 + timedelta(days=1), "Recipient: unsubscribe link"),
            _entry("optout", "someone@x.com", T0),
        ]
    )
    clock = iter([T0 + timedelta(days=10), T0 + timedelta(days=4), T0 + timedelta(days=7)])
    monkeypatch.setattr(consent_module, "now", lambda: next(clock))
    store.record_consent_changes(
        [_change("ann@x.com", "customer 40", "globalsubscriptionstatus: Soft Opt-In -> Soft Opt-Out")],
        "run-c",
    )
    store.record_consent_changes(
        [_change("ann@x.com", "Act-On opt-out list", "added", direction="to_acton", source="netsuite")],
        "run-a",
    )
    store.record_consent_changes(
        [
            _change("ann@x.com", "contact 12", "custentity_hb: -> true (hard bounce)", source="hardbounce"),
            _change("someone@x.com", "contact 13", "globalsubscriptionstatus: Soft Opt-In -> Soft Opt-Out"),
        ],
        "run-b",
    )
    monkeypatch.undo()

    history = store.consent_history("  Ann@X.COM ")
    assert [(e["kind"], e["recorded_at"]) for e in history["entries"]] == [
        ("netsuite", T0),
        ("optout", T0 + timedelta(days=1)),
        ("spamcomplaint", T0 + timedelta(days=2)),
    ]
    assert [(c["run_id"], c["target"]) for c in history["changes"]] == [
        ("run-a", "Act-On opt-out list"),
        ("run-b", "contact 12"),
        ("run-c", "customer 40"),
    ]
    assert [c["changed_at"] for c in history["changes"]] == [
        T0 + timedelta(days=4),
        T0 + timedelta(days=7),
        T0 + timedelta(days=10),
    ], "times come back UTC-aware"
    assert {e["email"] for e in history["entries"]} | {c["email"] for c in history["changes"]} == {
        "ann@x.com"
    }
    assert store.consent_history("nobody@x.com") == {"entries": [], "changes": []}


# -- what the forward DAG asks ----------------------------------------------------------------------
def test_opted_out_addresses_are_those_with_an_opt_out_kind_of_entry(store: StateStore) -> None:
    store.add_consent_entries(
        [
            _entry("optout", "a@example.com"),
            _entry("spamcomplaint", "b@example.com"),
            _entry("netsuite", "c@example.com"),
            _entry("hardbounce", "d@example.com"),  # a bounce is not an opt-out
        ]
    )
    asked = ["a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com"]
    assert store.opted_out_addresses(asked) == {"a@example.com", "b@example.com", "c@example.com"}
    entries = store.opt_out_entries(["a@example.com", "d@example.com"])
    assert [(e["kind"], e["email"]) for e in entries] == [("optout", "a@example.com")]
    assert entries[0]["recorded_at"] == T0


def test_members_opted_out_are_the_memberships_of_opted_out_addresses(store: StateStore) -> None:
    store.record_members(
        [
            {"list_name": "Leads", "email": "a@example.com", "netsuite_id": "1"},
            {"list_name": "Customers", "email": "a@example.com", "netsuite_id": "1"},
            {"list_name": "Leads", "email": "keep@example.com", "netsuite_id": "2"},
            {"list_name": "Leads", "email": "bounced@example.com", "netsuite_id": "3"},
        ]
    )
    store.add_consent_entries(
        [_entry("optout", "a@example.com"), _entry("hardbounce", "bounced@example.com")]
    )
    found = sorted((m["list_name"], m["email"], m["netsuite_id"]) for m in store.members_opted_out())
    assert found == [("Customers", "a@example.com", "1"), ("Leads", "a@example.com", "1")]
