"""Created-lead claims: one writer wins, a live claim is left alone, a dead one is taken over (look first)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from netsuite_acton.state import StateStore
from netsuite_acton.state.leads import (
    ALREADY_CREATED,
    CLAIMED,
    CREATED,
    FAILED,
    HELD,
    NEW,
    TAKEN_OVER,
    CreatedLeads,
)

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def leads(store: StateStore) -> CreatedLeads:
    return CreatedLeads(store.engine)


def _row(leads: CreatedLeads, email: str) -> dict:
    (row,) = leads.rows([email])
    return row


def test_the_first_claim_wins_and_a_live_one_is_left_alone(leads: CreatedLeads) -> None:
    first = leads.claim("a@x.com", "run-1", HOUR, at=T0)
    assert (first.kind, first.attempt, first.owned, first.must_look_up) == (NEW, 1, True, False)
    other = leads.claim("a@x.com", "run-2", HOUR, at=T0 + timedelta(minutes=59))
    assert (other.kind, other.owned) == (HELD, False)
    row = _row(leads, "a@x.com")
    assert (row["status"], row["claimed_by"], row["claimed_at"], row["attempts"]) == (CLAIMED, "run-1", T0, 1)
    assert row["customer_id"] is None
    assert leads.owns("a@x.com", "run-1", 1)
    assert not leads.owns("a@x.com", "run-2", 1)


def test_created_is_final_and_known_by_address(leads: CreatedLeads) -> None:
    claim = leads.claim("a@x.com", "run-1", HOUR, at=T0)
    assert leads.record_created("a@x.com", "647", "run-1") is None
    again = leads.claim("a@x.com", "run-2", HOUR, at=T0 + 10 * HOUR)
    assert (again.kind, again.customer_id) == (ALREADY_CREATED, "647")
    assert leads.created(["a@x.com", "b@x.com"]) == {"a@x.com": "647"}
    row = _row(leads, "a@x.com")
    assert (row["status"], row["customer_id"], row["last_error"]) == (CREATED, "647", None)
    assert row["created_at"] is not None
    assert not leads.owns("a@x.com", "run-1", claim.attempt)
    # a second id for the same address is reported, and the first one kept
    assert leads.record_created("a@x.com", "648", "run-3") == "647"
    assert leads.record_created("a@x.com", "647", "run-3") is None
    assert leads.created(["a@x.com"]) == {"a@x.com": "647"}


def test_a_stale_claim_is_taken_over_once_and_the_taker_must_look_first(leads: CreatedLeads) -> None:
    leads.claim("a@x.com", "run-1", HOUR, at=T0)
    late = T0 + HOUR
    taken = leads.claim("a@x.com", "run-2", HOUR, at=late)
    assert (taken.kind, taken.attempt, taken.must_look_up, taken.previous_status) == (
        TAKEN_OVER,
        2,
        True,
        CLAIMED,
    )
    assert leads.claim("a@x.com", "run-3", HOUR, at=late).kind == HELD
    assert not leads.owns("a@x.com", "run-1", 1), "the old holder must see it lost the claim"
    assert leads.record_failed("a@x.com", "late", "run-1", 1) is False
    assert _row(leads, "a@x.com")["status"] == CLAIMED


def test_failed_and_own_claims_are_taken_over_at_once(leads: CreatedLeads) -> None:
    leads.claim("a@x.com", "run-1", HOUR, at=T0)
    assert leads.record_failed("a@x.com", "USER_ERROR: Please enter value(s) for: First Name.", "run-1", 1)
    row = _row(leads, "a@x.com")
    assert (row["status"], row["last_error"]) == (
        FAILED,
        "USER_ERROR: Please enter value(s) for: First Name.",
    )
    retry = leads.claim("a@x.com", "run-2", HOUR, at=T0 + timedelta(minutes=1))
    assert (retry.kind, retry.attempt, retry.previous_status) == (TAKEN_OVER, 2, FAILED)

    leads.claim("b@x.com", "run-5", HOUR, at=T0)
    # the same run again (a task retry): its earlier attempt is dead, whatever the clock says
    rerun = leads.claim("b@x.com", "run-5", HOUR, at=T0 + timedelta(seconds=1))
    assert (rerun.kind, rerun.attempt) == (TAKEN_OVER, 2)
    assert not leads.owns("b@x.com", "run-5", 1)
    assert leads.owns("b@x.com", "run-5", 2)


def test_release_ends_only_the_claim_it_owns_and_the_next_taker_looks_first(leads: CreatedLeads) -> None:
    claim = leads.claim("a@x.com", "run-1", HOUR, at=T0)
    assert not leads.release("a@x.com", "run-2", claim.attempt)
    assert leads.release("a@x.com", "run-1", claim.attempt)
    (row,) = leads.rows(["a@x.com"])
    assert (row["status"], row["customer_id"]) == ("exists", None)
    assert leads.created(["a@x.com"]) == {}
    # a run that planned the address before the contact appeared takes it over, and must look first
    taken = leads.claim("a@x.com", "run-2", HOUR)
    assert (taken.kind, taken.must_look_up) == ("taken_over", True)


def test_record_created_without_a_claim_remembers_it(leads: CreatedLeads) -> None:
    assert leads.record_created("solo@x.com", "9", "run-1") is None
    assert leads.created(["solo@x.com"]) == {"solo@x.com": "9"}


def test_many_writers_at_once_one_owner_per_address(leads: CreatedLeads) -> None:
    emails = [f"p{i}@x.com" for i in range(20)]
    owners: dict[str, list[str]] = {email: [] for email in emails}
    lock = threading.Lock()
    start = threading.Barrier(4)

    def writer(run_id: str) -> None:
        start.wait()
        for email in emails:
            if leads.claim(email, run_id, HOUR).owned:
                with lock:
                    owners[email].append(run_id)

    threads = [threading.Thread(target=writer, args=(f"run-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(len(runs) == 1 for runs in owners.values()), owners
