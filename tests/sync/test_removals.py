"""The removal planner: positive evidence only, shared addresses kept, owed removals retried, the valve."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from netsuite_acton.sync import removals as r

LEADS, CUSTOMERS, UNAFF = "NetSuite Leads", "NetSuite Customers", "NetSuite Unaffiliated"


def _contacts(**rows: dict[str, Any]) -> pd.DataFrame:
    """contact id -> facts, defaults: active, with a company, not quarantined."""
    defaults = {"skipped_inactive": False, "has_company": True, "quarantined": False}
    records = [{"email": f"{c.lstrip('c')}@example.com", **defaults, **values} for c, values in rows.items()]
    return pd.DataFrame(records, index=pd.Index([c.lstrip("c") for c in rows], name="netsuite_id"))


def _members(*rows: tuple[str, str, str], pending: str | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"email": e, "list_name": lst, "netsuite_id": cid, "pending_reason": pending}
            for e, lst, cid in rows
        ]
    )


def _plan(members: pd.DataFrame, **facts: Any) -> r.RemovalPlan:
    facts.setdefault("contacts", _contacts())
    facts["desired"] = {k: frozenset(v) for k, v in facts.get("desired", {}).items()}
    return r.plan_removals(members, r.RunFacts(**facts))


def _reasons(plan: r.RemovalPlan) -> dict[tuple[str, str], str]:
    return {(row.email, row.list_name): row.reason for row in plan.rows.itertuples()}


def test_a_stage_change_moves_the_address_out_of_its_old_list() -> None:
    plan = _plan(
        _members(("1@example.com", LEADS, "1")),
        contacts=_contacts(c1={}),
        desired={"1@example.com": {CUSTOMERS}},
    )
    assert _reasons(plan) == {("1@example.com", LEADS): r.STAGE_CHANGE}
    assert plan.counts() == {f"{LEADS}:stage_change": 1}


def test_an_address_still_routed_to_its_list_stays() -> None:
    plan = _plan(
        _members(("1@example.com", LEADS, "1")), contacts=_contacts(c1={}), desired={"1@example.com": {LEADS}}
    )
    assert plan.rows.empty
    assert plan.held == {}


@pytest.mark.parametrize(
    ("fact", "desired", "reason"),
    [
        ({"skipped_inactive": True}, {}, r.INACTIVE),
        ({"email": "new@example.com"}, {"new@example.com": {LEADS}}, r.EMAIL_CHANGED),
        ({"has_company": False}, {"1@example.com": {UNAFF}}, r.UNLINKED),
        ({}, {}, r.NOT_ROUTED),
    ],
)
def test_each_kind_of_evidence_names_its_reason(fact: dict, desired: dict, reason: str) -> None:
    plan = _plan(_members(("1@example.com", LEADS, "1")), contacts=_contacts(c1=fact), desired=desired)
    assert _reasons(plan) == {("1@example.com", LEADS): reason}


def test_deleted_contact_and_deleted_company() -> None:
    members = _members(("1@example.com", LEADS, "1"), ("2@example.com", LEADS, "2"))
    plan = _plan(
        members,
        contacts=_contacts(c2={"has_company": False}),
        desired={"2@example.com": {UNAFF}},
        deleted_contacts=frozenset({"1"}),
        deleted_companies=frozenset({"40"}),
        old_companies={"2": "40"},
    )
    assert _reasons(plan) == {
        ("1@example.com", LEADS): r.DELETED,
        ("2@example.com", LEADS): r.COMPANY_DELETED,
    }


def test_a_shared_address_stays_while_another_contact_routes_it_there() -> None:
    """Contact 1 went inactive, contact 2 (same address) still routes it to Leads."""
    plan = _plan(
        _members(("s@example.com", LEADS, "1")),
        contacts=_contacts(
            c1={"email": "s@example.com", "skipped_inactive": True}, c2={"email": "s@example.com"}
        ),
        desired={"s@example.com": {LEADS}},
    )
    assert plan.rows.empty


def test_no_evidence_no_removal_and_a_quarantined_contact_is_held() -> None:
    members = _members(("1@example.com", LEADS, "1"), ("9@example.com", LEADS, "9"))
    plan = _plan(members, contacts=_contacts(c1={"quarantined": True}))
    assert plan.rows.empty
    assert plan.held == {r.HELD_QUARANTINED: 1, r.HELD_NO_EVIDENCE: 1}


def test_a_full_refresh_removes_contacts_netsuite_no_longer_has() -> None:
    plan = _plan(_members(("9@example.com", LEADS, "9")), full_refresh=True)
    assert _reasons(plan) == {("9@example.com", LEADS): r.NOT_IN_NETSUITE}


def test_an_owed_removal_is_retried_or_voided() -> None:
    owed = _members(("1@example.com", LEADS, "1"), ("2@example.com", LEADS, "2"), pending=r.STAGE_CHANGE)
    plan = _plan(owed, desired={"2@example.com": {LEADS}})
    assert _reasons(plan) == {("1@example.com", LEADS): r.STAGE_CHANGE}
    assert plan.cleared == [(LEADS, "2@example.com")]


def test_the_valve_allows_the_floor_and_the_share() -> None:
    assert r.valve_breaches({LEADS: 20}, {LEADS: 100}, 0.05, 20) == []
    assert r.valve_breaches({LEADS: 50}, {LEADS: 1000}, 0.05, 20) == []
    (breach,) = r.valve_breaches({LEADS: 51}, {LEADS: 1000}, 0.05, 20)
    assert (breach.list_name, breach.removals, breach.size, breach.allowed) == (LEADS, 51, 1000, 50)
    message = r.breach_message([breach], 0.05)
    assert LEADS in message
    assert "51" in message
    assert "allow_mass_removal" in message


def test_an_opted_out_address_leaves_every_list_whoever_routes_it() -> None:
    members = _members(("o@example.com", LEADS, "1"), ("o@example.com", CUSTOMERS, "2"))
    plan = _plan(
        members, desired={"o@example.com": {LEADS, CUSTOMERS}}, opted_out=frozenset({"o@example.com"})
    )
    assert _reasons(plan) == {
        ("o@example.com", LEADS): r.OPTED_OUT,
        ("o@example.com", CUSTOMERS): r.OPTED_OUT,
    }
