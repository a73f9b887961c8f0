"""NetSuiteLeads: the LEAD status resolved (or refused) before anything is written, the lead's body, and the
create protocol: look before creating again, so an address never gets two records.

NetSuite is faked at the transport (``responses``): SuiteQL answers ``customerstatus`` and the
records-by-email lookup from a tiny in-memory account, and the record API creates into it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import responses

from netsuite_acton.client.retries import RetryPolicy
from netsuite_acton.hooks.netsuite import NetSuiteError, NetSuiteHook
from netsuite_acton.sources.netsuite_leads import (
    CREATED,
    EXISTS,
    LOST_CLAIM,
    RECOVERED,
    REFUSED,
    UNKNOWN,
    LeadStatusError,
    NetSuiteLeads,
    lead_body,
)
from tests.support.fake_netsuite import BASE, SUITEQL, make_hook, nserror

CREATE = f"{BASE}/services/rest/record/v1/customer"
STATUSES = [
    {"id": "6", "name": "Unqualified", "stage": "LEAD", "isinactive": "F"},
    {"id": "7", "name": "Qualified", "stage": "LEAD", "isinactive": "F"},
    {"id": "8", "name": "In Discussion", "stage": "PROSPECT", "isinactive": "F"},
    {"id": "13", "name": "Closed Won", "stage": "CUSTOMER", "isinactive": "F"},
    {"id": "17", "name": "Recycled", "stage": "LEAD", "isinactive": "T"},
    {"id": "20", "name": "Lost", "stage": "LEAD", "isinactive": "F"},
    {"id": "21", "name": "Lost", "stage": "CUSTOMER", "isinactive": "F"},
]
IN_LIST = re.compile(r"IN \((.*)\)", re.S)
FROM = re.compile(r"\bFROM (\w+)")
BODY = {"isPerson": True, "firstName": "Ada", "lastName": "Lovelace", "email": "ada@x.com"}


@dataclass
class Account:
    """Records by type (id, email), and what happens to the next POSTs: each entry is an answer kind."""

    records: dict[str, list[dict[str, str]]] = field(default_factory=lambda: {"contact": [], "customer": []})
    script: list[str] = field(default_factory=list)
    next_id: int = 900
    posts: int = 0
    lookups: int = 0

    def suiteql(self, request: requests.PreparedRequest) -> tuple[int, dict, str]:
        query = json.loads(request.body)["q"]
        if "customerstatus" in query:
            return 200, {}, json.dumps({"items": STATUSES, "hasMore": False})
        self.lookups += 1
        wanted = {v.strip().strip("'") for v in IN_LIST.search(query).group(1).split(",")}
        table = FROM.search(query).group(1)
        hits = [r for r in self.records[table] if r["email"].strip().lower() in wanted]
        return 200, {}, json.dumps({"items": hits, "hasMore": False})

    def create(self, request: requests.PreparedRequest) -> Any:
        self.posts += 1
        kind = self.script.pop(0) if self.script else "ok"
        if kind == "429":
            return 429, {}, json.dumps(nserror(429, "CONCURRENCY_LIMIT_EXCEEDED", "Request blocked."))
        if kind == "400":
            return 400, {}, json.dumps(nserror(400, "USER_ERROR", "Please enter value(s) for: First Name."))
        if kind == "timeout":  # the request never commits: NetSuite did nothing
            raise requests.ReadTimeout("read timed out")
        self.next_id += 1
        body = json.loads(request.body)
        self.records["customer"].append({"id": str(self.next_id), "email": body["email"]})
        if kind == "lost":  # committed, answer lost
            return 502, {"Content-Type": "text/html"}, "<html>Bad Gateway</html>"
        return 204, {"Location": f"{CREATE}/{self.next_id}"}, ""


@pytest.fixture
def account(fake: responses.RequestsMock) -> Account:
    state = Account()
    fake.add_callback(responses.POST, SUITEQL, callback=state.suiteql)
    fake.add_callback(responses.POST, CREATE, callback=state.create)
    return state


def _leads(sleeps: list[float] | None = None, max_posts: int = 4) -> NetSuiteLeads:
    hook = make_hook()
    hook.retry_policy = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.1)
    return NetSuiteLeads(
        hook, max_posts=max_posts, sleep=sleeps.append if sleeps is not None else lambda _s: None
    )


# -- status --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("wanted", "expected"),
    [(6, "6"), ("7", "7"), ("unqualified", "6"), ("LEAD-Qualified", "7"), (" Lost ", "20")],
)
def test_resolve_status_by_id_or_name(account: Account, wanted: Any, expected: str) -> None:
    assert _leads().resolve_status(wanted).id == expected


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        (8, "status 8 'In Discussion' is of stage PROSPECT, not LEAD"),
        ("Closed Won", "is of stage CUSTOMER, not LEAD"),
        (17, "status 17 'Recycled' is inactive"),
        ("Hot", "NetSuite has no such customer status"),
        (99, "NetSuite has no such customer status"),
    ],
)
def test_a_status_that_is_not_an_active_lead_one_is_refused(
    account: Account, wanted: Any, message: str
) -> None:
    with pytest.raises(LeadStatusError) as info:
        _leads().resolve_status(wanted)
    text = str(info.value)
    assert text.startswith(f"reverse.create_leads.entity_status {wanted!r}")
    assert message in text
    assert "6 'Unqualified', 7 'Qualified'" in text, "the message names the statuses that would do"
    assert account.posts == 0


# -- body ----------------------------------------------------------------------------------------------
def test_lead_body_sends_what_is_there_and_soft_opt_out_when_opted_out() -> None:
    row = {"email": "ada@x.com", "first_name": "Ada", "last_name": "Lovelace", "phone": None, "company": "AE"}
    assert lead_body(row, "6") == {
        "isPerson": True,
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": "ada@x.com",
        "companyName": "AE",
        "entityStatus": {"id": "6"},
    }
    opted = lead_body({**row, "phone": "+14155550100", "company": float("nan"), "opted_out": True}, "7", 3)
    assert opted["phone"] == "+14155550100"
    assert "companyName" not in opted
    assert opted["subsidiary"] == {"id": "3"}
    assert opted["globalSubscriptionStatus"] == {"id": "2"}


# -- create protocol -----------------------------------------------------------------------------------
def test_a_plain_create_is_one_post_and_no_lookup(account: Account) -> None:
    outcome = _leads().create_lead("ada@x.com", BODY)
    assert (outcome.outcome, outcome.customer_id, outcome.posts, outcome.ok) == (CREATED, "901", 1, True)
    assert (account.posts, account.lookups) == (1, 0)


def test_a_lost_answer_is_found_by_email_not_created_again(account: Account) -> None:
    account.script = ["lost"]
    sleeps: list[float] = []
    outcome = _leads(sleeps).create_lead("ada@x.com", BODY)
    assert (outcome.outcome, outcome.customer_id, outcome.posts) == (RECOVERED, "901", 1)
    assert account.posts == 1
    assert len(account.records["customer"]) == 1
    assert account.lookups == 2  # contacts and customers
    assert len(sleeps) == 1, "it waits before looking"


def test_an_ambiguous_failure_that_created_nothing_is_posted_again(account: Account) -> None:
    account.script = ["timeout"]
    outcome = _leads().create_lead("ada@x.com", BODY)
    assert (outcome.outcome, outcome.customer_id, outcome.posts) == (CREATED, "901", 2)
    assert len(account.records["customer"]) == 1


def test_a_throttled_create_is_resent_without_a_lookup(account: Account) -> None:
    account.script = ["429"]
    outcome = _leads().create_lead("ada@x.com", BODY)
    assert (outcome.outcome, outcome.posts) == (CREATED, 1)
    assert (account.posts, account.lookups) == (2, 0)


def test_a_refusal_is_an_outcome_with_the_code(account: Account) -> None:
    account.script = ["400"]
    outcome = _leads().create_lead("ada@x.com", {**BODY, "firstName": None})
    assert (outcome.outcome, outcome.status, outcome.error_code, outcome.ok) == (
        REFUSED,
        400,
        "USER_ERROR",
        False,
    )
    assert "First Name" in outcome.detail
    assert account.records["customer"] == []


def test_still_ambiguous_after_every_post_is_unknown(account: Account) -> None:
    account.script = ["timeout"] * 3
    outcome = _leads(max_posts=3).create_lead("ada@x.com", BODY)
    assert (outcome.outcome, outcome.customer_id, outcome.posts, outcome.error_code) == (
        UNKNOWN,
        None,
        3,
        "AMBIGUOUS",
    )
    assert account.lookups == 6, "it looked after every ambiguous POST, the last one included"


def test_look_first_finds_what_an_earlier_attempt_created(account: Account) -> None:
    account.records["customer"].append({"id": "55", "email": " ADA@x.com"})
    account.records["customer"].append({"id": "54", "email": "ada@x.com"})
    outcome = _leads().create_lead("ada@x.com", BODY, look_first=True)
    assert (outcome.outcome, outcome.customer_id, outcome.posts) == (RECOVERED, "54", 0)
    assert account.posts == 0


def test_a_contact_holding_the_address_means_no_lead(account: Account) -> None:
    account.records["contact"].append({"id": "3", "email": "ada@x.com"})
    assert _leads().create_lead("ada@x.com", BODY, look_first=True).outcome == EXISTS
    assert account.posts == 0


def test_no_post_once_the_claim_is_lost(account: Account) -> None:
    account.script = ["timeout"]
    answers = iter([True, False])
    outcome = _leads().create_lead("ada@x.com", BODY, still_ours=lambda: next(answers))
    assert (outcome.outcome, outcome.posts) == (LOST_CLAIM, 1)
    assert account.posts == 1


def test_persistent_throttling_propagates(account: Account) -> None:
    account.script = ["429"] * 10
    with pytest.raises(NetSuiteError) as info:
        _leads().create_lead("ada@x.com", BODY)
    assert info.value.status == 429
    assert account.records["customer"] == []


def test_default_hook_is_the_airflow_connection() -> None:
    assert isinstance(NetSuiteLeads().hook, NetSuiteHook)
