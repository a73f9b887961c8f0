"""The forward DAG keeps Act-On lists a mirror of NetSuite (dag.test() against both sandboxes).

Each test adds its own companies and contacts (ids far above the seed's) through the NetSuite sandbox's
admin API, runs the DAG, changes NetSuite as a user would, and runs it again.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from netsuite_acton.hooks.acton import ActOnError, ActOnHook
from scripts.run_dag import load_dag
from tests.e2e.conftest import SyncEnv
from tests.support.task_context import run_task, task_context

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

DAG_ID = "netsuite_contacts_to_acton"
EMAIL = "E-mail Address"
LEADS, CUSTOMERS, UNAFFILIATED = "NetSuite Leads", "NetSuite Customers", "NetSuite Unaffiliated"


class World:
    """The test's own records in the NetSuite sandbox, and what the Act-On lists hold."""

    def __init__(self, sync: SyncEnv) -> None:
        self.sync = sync
        self.contacts: dict[int, dict[str, Any]] = {}

    def company(self, company_id: int, stage: str) -> None:
        self.sync.post(
            self.sync.netsuite,
            "customers",
            [{"id": company_id, "companyname": f"Mirror {company_id}", "stage": stage}],
        )

    def contact(self, contact_id: int, company: int | None, email: str | None = None, **fields: Any) -> str:
        row = {
            "id": contact_id,
            "firstname": "Mirror",
            "lastname": f"Contact {contact_id}",
            "email": email or f"mirror.{contact_id}@example.com",
            "company": company,
            "isinactive": False,
        }
        row.update(self.contacts.get(contact_id, {}))
        row.update({"company": company, **fields})
        if email:
            row["email"] = email
        self.contacts[contact_id] = row
        self.sync.post(self.sync.netsuite, "contacts", [row])
        return str(row["email"])

    def update(self, contact_id: int, **fields: Any) -> None:
        row = {**self.contacts[contact_id], **fields}
        self.contacts[contact_id] = row
        self.sync.post(self.sync.netsuite, "contacts", [row])

    def delete(self, kind: str, record_id: int) -> None:
        requests.delete(f"{self.sync.netsuite}/_sandbox/{kind}/{record_id}", timeout=30).raise_for_status()

    def emails(self, list_name: str) -> set[str]:
        if list_name not in self.sync.acton_lists():
            return set()
        return {str(r[EMAIL]).lower() for r in self.sync.acton_records(list_name)}

    def deletes(self) -> int:
        stats = requests.get(f"{self.sync.acton}/_sandbox/stats", timeout=30).json()
        return int(stats.get("record_delete_calls", 0))

    def run(self, **params: Any) -> dict[str, Any]:
        state, report = self.sync.run(DAG_ID, **params)
        assert state == "success", report
        assert report is not None
        return report


def _removed(report: dict[str, Any]) -> dict[str, int]:
    return {k.removeprefix("removed:"): v for k, v in report["counters"].items() if k.startswith("removed:")}


@pytest.fixture
def world(sync_env: SyncEnv) -> World:
    return World(sync_env)


def test_a_stage_change_moves_every_contact_and_an_unchanged_rerun_deletes_nothing(world: World) -> None:
    world.company(90_001, "LEAD")
    emails = {world.contact(900_000 + i, 90_001) for i in range(3)}
    world.run()
    assert emails <= world.emails(LEADS)

    world.company(90_001, "CUSTOMER")  # bumps the company's lastmodifieddate only, never its contacts'
    report = world.run()
    assert emails <= world.emails(CUSTOMERS)
    assert not emails & world.emails(LEADS)
    assert _removed(report) == {f"{LEADS}:stage_change": 3}

    calls = world.deletes()
    report = world.run()
    assert world.deletes() == calls, "an unchanged rerun makes no Act-On delete call"
    assert _removed(report) == {}


def test_inactive_deleted_new_email_unlinked_and_deleted_company_each_leave(world: World) -> None:
    world.company(90_010, "LEAD")
    world.company(90_011, "LEAD")
    a = {i: world.contact(900_100 + i, 90_010) for i in range(1, 5)}
    b = {i: world.contact(900_110 + i, 90_011) for i in range(1, 3)}
    world.run()
    assert set(a.values()) | set(b.values()) <= world.emails(LEADS)

    world.update(900_101, isinactive=True)
    world.delete("contacts", 900_102)
    world.update(900_103, email="mirror.renamed@example.com")
    world.update(900_104, company=None)
    world.delete("customers", 90_011)  # its contacts stay, without a company, lastmodifieddate untouched
    report = world.run()

    leads, unaffiliated = world.emails(LEADS), world.emails(UNAFFILIATED)
    assert not (set(a.values()) | set(b.values())) & leads
    assert "mirror.renamed@example.com" in leads
    assert {a[4], *b.values()} <= unaffiliated
    assert _removed(report) == {
        f"{LEADS}:inactive": 1,
        f"{LEADS}:deleted": 1,
        f"{LEADS}:email_changed": 1,
        f"{LEADS}:unlinked": 1,
        f"{LEADS}:company_deleted": 2,
    }


def test_a_shared_address_leaves_only_when_no_contact_routes_it_there(world: World) -> None:
    world.company(90_020, "LEAD")
    world.company(90_021, "LEAD")
    shared = "mirror.shared@example.com"
    world.contact(900_201, 90_020, email=shared)
    world.contact(900_202, 90_021, email=shared)
    world.run()
    assert shared in world.emails(LEADS)

    world.update(900_201, isinactive=True)
    report = world.run()
    assert shared in world.emails(LEADS), "the other contact still routes the address to Leads"
    assert _removed(report) == {}

    world.delete("contacts", 900_202)
    report = world.run()
    assert shared not in world.emails(LEADS)
    assert sum(_removed(report).values()) == 1


def test_the_safety_valve_stops_a_mass_removal_until_allowed(world: World) -> None:
    world.company(90_030, "LEAD")
    world.run()
    leads = world.sync.state.list_sizes()[LEADS]
    count = max(21, int(0.05 * leads) + 1) + 5
    emails = {world.contact(900_300 + i, 90_030) for i in range(count)}
    world.run()
    assert emails <= world.emails(LEADS)

    world.company(90_030, "PROSPECT")
    before = world.emails(LEADS), world.emails("NetSuite Prospects")
    state, report = world.sync.run(DAG_ID)
    assert state == "failed"
    assert (world.emails(LEADS), world.emails("NetSuite Prospects")) == before, "nothing written"

    dry = world.run(dry_run=True)
    assert dry["counters"][f"would_remove:{LEADS}:stage_change"] == count
    assert dry["counters"][f"valve_breach:{LEADS}"] == count
    assert world.emails(LEADS) == before[0]

    report = world.run(allow_mass_removal=True)
    assert not emails & world.emails(LEADS)
    assert emails <= world.emails("NetSuite Prospects")
    assert _removed(report) == {f"{LEADS}:stage_change": count}


def test_a_dry_run_reports_removals_and_changes_nothing(world: World) -> None:
    world.company(90_040, "LEAD")
    email = world.contact(900_401, 90_040)
    world.run()
    world.update(900_401, isinactive=True)
    calls = world.deletes()
    report = world.run(dry_run=True)
    assert report["counters"][f"would_remove:{LEADS}:inactive"] == 1
    assert email in world.emails(LEADS)
    assert world.deletes() == calls
    report = world.run()
    assert email not in world.emails(LEADS)


def test_a_full_refresh_reconciles_and_leaves_hand_added_addresses(world: World) -> None:
    world.company(90_050, "LEAD")
    email = world.contact(900_501, 90_050)
    world.run()
    lists = world.sync.acton_lists()
    hand = "added.by.hand@example.com"
    ActOnHook(method="POST").run(f"/api/1/list/{lists[LEADS]['id']}/record", json_body={EMAIL: hand})
    # NetSuite loses the contact with no DeletedRecord row the sync reads (e.g. the role lost the permission)
    world.sync.post(
        world.sync.netsuite, "deletions", {"contacts": [900_501], "deleteddate": "2001-01-01T00:00:00Z"}
    )
    report = world.run(full_refresh=True)
    assert email not in world.emails(LEADS)
    assert hand in world.emails(LEADS), "the sync removes only what it put there"
    assert _removed(report) == {f"{LEADS}:not_in_netsuite": 1}


def test_a_failed_removal_leaves_state_alone_and_a_rerun_converges(world: World) -> None:
    """The remove task fails (Act-On refuses its calls), so commit never runs; rerun, the task removes."""
    world.company(90_060, "LEAD")
    email = world.contact(900_601, 90_060)
    world.run()
    world.company(90_060, "CUSTOMER")

    dag = load_dag(DAG_ID)
    context = task_context(dag, "manual__failed_removal")
    for task_id in ["extract", "validate", "transform", "diff", "plan_removals", "load"]:
        run_task(dag, task_id, context, world.sync.staging_root)
    world.sync.post(world.sync.acton, "config", {"fail_next_calls": 3, "error_status": 400})
    with pytest.raises(ActOnError):
        run_task(dag, "remove", context, world.sync.staging_root)
    assert email in world.emails(LEADS)
    assert email in world.emails(CUSTOMERS)
    assert {m["list_name"] for m in world.sync.state.members_by_email([email])} == {LEADS}, (
        "nothing committed"
    )

    world.sync.post(world.sync.acton, "config", {"fail_next_calls": 0, "error_status": 503})
    for task_id in ["remove", "commit", "report"]:
        run_task(dag, task_id, context, world.sync.staging_root)
    assert email not in world.emails(LEADS)
    assert {m["list_name"] for m in world.sync.state.members_by_email([email])} == {CUSTOMERS}
    calls = world.deletes()
    assert _removed(world.run()) == {}
    assert world.deletes() == calls


def test_opted_out_contacts_never_enter_and_leave_every_list(world: World) -> None:
    """Issue 11's forward half: status 2 or 4 on any record with the address keeps it out of every list."""
    world.company(90_070, "LEAD")
    world.company(90_071, "CUSTOMER")
    leaving = world.contact(900_701, 90_070)
    shared = "mirror.consent@example.com"
    world.contact(900_702, 90_070, email=shared)
    never = world.contact(900_703, 90_071, globalsubscriptionstatus=4)
    report = world.run()
    assert {leaving, shared} <= world.emails(LEADS)
    assert never not in world.emails(CUSTOMERS)
    assert report["opted_out"] >= 1

    world.update(900_701, globalsubscriptionstatus=2)  # a salesperson marks Soft Opt-Out
    world.contact(900_704, 90_071, email=shared, globalsubscriptionstatus=2)  # another record, opted out
    report = world.run()
    assert leaving not in world.emails(LEADS)
    assert shared not in world.emails(LEADS) | world.emails(CUSTOMERS)
    assert _removed(report) == {f"{LEADS}:opted_out": 2}
