"""NetSuite's side of lead creation: the LEAD-stage status to create at, and a create that never doubles.

A lead is an individual customer (``isPerson``) whose ``entityStatus`` is a status of stage LEAD. REST has
no bulk create and a POST is not idempotent, so :meth:`NetSuiteLeads.create_lead` follows one protocol:
the hook re-sends a POST only when NetSuite cannot have acted on it (429, no connection); after an
ambiguous failure (a timeout, a reset after sending, a 5xx, a 204 without a readable ``Location``) it
looks the address up (the records-by-email SuiteQL the consent sync uses) and records the customer it
finds instead of creating a second one; only when nothing holds the address does it POST again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from netsuite_acton.client.retries import RetriableHTTPError
from netsuite_acton.errors import PermanentSyncError
from netsuite_acton.hooks.netsuite import NetSuiteHook
from netsuite_acton.hooks.netsuite.errors import NetSuiteAmbiguousError, NetSuiteError
from netsuite_acton.sources.netsuite_consent import NetSuiteConsent
from netsuite_acton.sync.contract import COMPANY_RECORD, CONTACT_RECORD, SOFT_OPT_OUT

STATUS_QUERY: Final = "SELECT id, name, stage, isinactive FROM customerstatus ORDER BY id"
LEAD_STAGE: Final = "LEAD"
#: Outcomes of :meth:`NetSuiteLeads.create_lead`.
CREATED: Final = "created"  #: this POST created it
RECOVERED: Final = "recovered"  #: an earlier POST (lost answer) had created it: found by email
EXISTS: Final = "exists"  #: a contact now holds the address: no lead needed
REFUSED: Final = "refused"  #: NetSuite refused the record (4xx): nothing created
UNKNOWN: Final = "unknown"  #: still ambiguous after every POST and lookup
LOST_CLAIM: Final = "lost_claim"  #: the claim was taken over before the POST: not ours to create
#: record-API field <- candidate column (missing values are not sent).
BODY_FIELDS: Final = (
    ("firstName", "first_name"),
    ("lastName", "last_name"),
    ("email", "email"),
    ("phone", "phone"),
    ("companyName", "company"),
)


class LeadStatusError(PermanentSyncError, ValueError):
    """``reverse.create_leads.entity_status`` names no active LEAD-stage customer status: fix the YAML."""


@dataclass(frozen=True)
class LeadStatus:
    """The customer status new leads get: its id and name."""

    id: str
    name: str


@dataclass(frozen=True)
class LeadOutcome:
    """What became of one address: ``outcome`` (one of the constants above), the customer id when there is
    one, NetSuite's status, code and (redacted) detail on failure, and how many POSTs were sent."""

    email: str
    outcome: str
    customer_id: str | None = None
    status: int | None = None
    error_code: str | None = None
    detail: str | None = None
    posts: int = 0

    @property
    def ok(self) -> bool:
        return self.outcome in (CREATED, RECOVERED)


def lead_body(lead: Mapping[str, Any], status_id: str, subsidiary: int | None = None) -> dict[str, Any]:
    """The record-API body of one new lead from a planned row (``sync.leads.PLAN_COLUMNS``).

    An address the consent entries hold as opted out is created at Soft Opt-Out, so consent holds.
    """
    body: dict[str, Any] = {"isPerson": True}
    for field, column in BODY_FIELDS:
        value = lead.get(column)
        if value is not None and value == value and str(value).strip():
            body[field] = str(value)
    body["entityStatus"] = {"id": str(status_id)}
    if subsidiary is not None:
        body["subsidiary"] = {"id": str(subsidiary)}
    if bool(lead.get("opted_out")):
        body["globalSubscriptionStatus"] = {"id": SOFT_OPT_OUT}
    return body


class NetSuiteLeads:
    """Resolves the lead status and creates leads, one POST per record, never two records per address."""

    def __init__(
        self,
        hook: NetSuiteHook | None = None,
        *,
        suiteql_dir: str | Path | None = None,
        max_posts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.hook = hook or NetSuiteHook()
        self.suiteql_dir = suiteql_dir
        self.max_posts = max_posts
        self._sleep = sleep

    def resolve_status(self, wanted: int | str) -> LeadStatus:
        """The active LEAD-stage status ``wanted`` names: an id, a name, or ``LEAD-name`` as NetSuite shows.

        Raises :class:`LeadStatusError`, naming the LEAD statuses that would do, before anything is written.
        """
        items = self.hook.suiteql(STATUS_QUERY, limit=1000).get("items") or []
        statuses = [
            {
                "id": str(item["id"]),
                "name": str(item.get("name") or ""),
                "stage": str(item.get("stage") or "").upper(),
                "inactive": str(item.get("isinactive") or "F").upper() in ("T", "TRUE"),
            }
            for item in items
        ]
        usable = [s for s in statuses if s["stage"] == LEAD_STAGE and not s["inactive"]]
        choices = ", ".join(f"{s['id']} {s['name']!r}" for s in usable) or "none"
        where = f"reverse.create_leads.entity_status {wanted!r}"
        text = str(wanted).strip()
        if text.isdigit():
            matches = [s for s in statuses if s["id"] == str(int(text))]
        else:
            key = text.casefold()
            matches = [
                s for s in statuses if key in (s["name"].casefold(), f"{s['stage']}-{s['name']}".casefold())
            ]
            if len(matches) > 1:
                matches = [s for s in matches if s["stage"] == LEAD_STAGE] or matches
        if not matches:
            raise LeadStatusError(
                f"{where}: NetSuite has no such customer status; active LEAD ones: {choices}"
            )
        if len(matches) > 1:
            ids = ", ".join(s["id"] for s in matches)
            raise LeadStatusError(
                f"{where}: several customer statuses have this name (ids {ids}); give the id"
            )
        (status,) = matches
        if status["stage"] != LEAD_STAGE:
            raise LeadStatusError(
                f"{where}: status {status['id']} {status['name']!r} is of stage {status['stage'] or '?'}, "
                f"not LEAD (a new lead needs a LEAD-stage status: {choices})"
            )
        if status["inactive"]:
            raise LeadStatusError(
                f"{where}: status {status['id']} {status['name']!r} is inactive (active LEAD ones: {choices})"
            )
        return LeadStatus(status["id"], status["name"])

    def holders(self, email: str) -> tuple[str | None, bool]:
        """(the lowest customer id holding the address, whether a contact holds it), any case, trimmed."""
        found = NetSuiteConsent(self.hook, suiteql_dir=self.suiteql_dir).records_by_email([email])
        customers = sorted(found.loc[found["record_type"] == COMPANY_RECORD, "id"], key=int)
        has_contact = bool((found["record_type"] == CONTACT_RECORD).any())
        return (customers[0] if customers else None), has_contact

    def create_lead(
        self,
        email: str,
        body: Mapping[str, Any],
        *,
        look_first: bool = False,
        still_ours: Callable[[], bool] = lambda: True,
    ) -> LeadOutcome:
        """Create one lead for ``email`` unless NetSuite already holds the address; never two records.

        ``look_first``: an earlier attempt (another run, a crashed task) may have created it: look first.
        ``still_ours`` is asked before every POST (the claim may have been taken over meanwhile). A refusal
        is an outcome with NetSuite's code; persistent throttling or rejected credentials propagate.
        """
        look, posts = look_first, 0
        last: NetSuiteError | None = None
        while True:
            if look:
                customer_id, has_contact = self.holders(email)
                if customer_id is not None:
                    return LeadOutcome(email, RECOVERED, customer_id, posts=posts)
                if has_contact:
                    return LeadOutcome(email, EXISTS, posts=posts)
            if posts >= self.max_posts:
                assert last is not None
                return LeadOutcome(email, UNKNOWN, None, last.status, last.code, last.detail, posts)
            if not still_ours():
                return LeadOutcome(email, LOST_CLAIM, posts=posts)
            posts += 1
            try:
                return LeadOutcome(email, CREATED, self.hook.create_record(COMPANY_RECORD, body), posts=posts)
            except NetSuiteAmbiguousError as exc:
                last, look = exc, True
                policy = self.hook.retry_policy
                self._sleep(min(policy.max_wait, policy.initial_wait * 2**posts))
            except NetSuiteError as exc:
                if isinstance(exc, RetriableHTTPError) or exc.status in (None, 401):
                    raise
                return LeadOutcome(email, REFUSED, None, exc.status, exc.code, exc.detail, posts)
