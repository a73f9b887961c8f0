"""Which addresses must leave which Act-On list, and why: the forward sync as a mirror, not an append.

An address leaves a list the sync put it in only on positive evidence about the contact that put it there
(deleted, made inactive, a new email, a new company stage, unlinked) or, in a full refresh, because
NetSuite no longer has that contact. A contact whose new version was quarantined is held, never removed:
a bad extract must not empty a list. An address is kept in a list while any current contact routes it
there, so two contacts sharing an address never remove it from each other's list.

Pure pandas: the operator gathers the facts (from the run folder and the state store) and acts on the plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

import pandas as pd

from netsuite_acton.errors import PermanentSyncError
from netsuite_acton.sync.frames import empty_frame

#: Why an address leaves a list (the run report counts removals per list and reason).
STAGE_CHANGE: Final = "stage_change"  # the contact's company moved to a stage routed elsewhere
UNLINKED: Final = "unlinked"  # the contact no longer has a company: it moved to the unaffiliated list
COMPANY_DELETED: Final = "company_deleted"  # its company was deleted in NetSuite
INACTIVE: Final = "inactive"  # the contact was made inactive (and inactive contacts are not synced)
DELETED: Final = "deleted"  # the contact was deleted in NetSuite
EMAIL_CHANGED: Final = "email_changed"  # the contact has a new address: the old one leaves
NOT_ROUTED: Final = "not_routed"  # its stage is no longer routed to any list
MOVED: Final = "moved"  # another contact with the same address routes it to another list now
NOT_IN_NETSUITE: Final = "not_in_netsuite"  # full refresh: NetSuite has no such contact any more
OPTED_OUT: Final = "opted_out"  # a NetSuite record with this address is opted out (status 2 or 4)
REASONS: Final = (
    OPTED_OUT,
    STAGE_CHANGE,
    UNLINKED,
    COMPANY_DELETED,
    INACTIVE,
    DELETED,
    EMAIL_CHANGED,
    NOT_ROUTED,
    MOVED,
    NOT_IN_NETSUITE,
)
#: Why an address that might have to leave is kept for now (counted, never silent).
HELD_QUARANTINED: Final = "held:quarantined"
HELD_NO_EVIDENCE: Final = "held:no_evidence"

#: Columns of a removal plan (and of the rows the remove step acts on).
PLAN_COLUMNS: Final = ("email", "list_name", "netsuite_id", "reason")
#: Columns of the per-contact facts the planner reads (index: netsuite_id).
FACT_COLUMNS: Final = ("email", "skipped_inactive", "has_company", "quarantined")


class MassRemovalError(PermanentSyncError, RuntimeError):
    """A run would remove more of a list than the safety valve allows; nothing was removed."""


@dataclass
class RemovalPlan:
    """Rows to remove (``PLAN_COLUMNS``) and what was held back, per reason."""

    rows: pd.DataFrame
    held: dict[str, int] = field(default_factory=dict)
    cleared: list[tuple[str, str]] = field(default_factory=list)  #: (list, email) owed no longer

    def counts(self) -> dict[str, int]:
        """``"<list>:<reason>" -> n``, for the run report (no addresses)."""
        if self.rows.empty:
            return {}
        grouped = self.rows.groupby(["list_name", "reason"]).size()
        return {f"{name}:{reason}": int(n) for (name, reason), n in grouped.items()}

    def per_list(self) -> dict[str, int]:
        """Removals per list: what the safety valve judges."""
        return {str(k): int(v) for k, v in self.rows["list_name"].value_counts().items()}


def empty_plan() -> pd.DataFrame:
    return empty_frame(PLAN_COLUMNS)


@dataclass(frozen=True)
class RunFacts:
    """What this run learned about contacts, for judging each membership.

    :param contacts: per extracted contact id (index, str): its current ``email`` (normalised),
        ``skipped_inactive`` (inactive and not synced), ``has_company``, ``quarantined`` (its new version
        was refused by validation or cleaning).
    :param desired: address -> every list a current contact with that address routes it to (duplicates
        included: an address stays in a list while any contact routes it there).
    :param deleted_contacts: contact ids NetSuite reports deleted.
    :param deleted_companies: company ids NetSuite reports deleted.
    :param old_companies: contact id -> the company the sync last saw it at.
    :param full_refresh: every contact was extracted, so an unseen contact no longer exists.
    :param opted_out: addresses a NetSuite record read in this run holds with an opt-out status: they
        leave every list, whoever routes them.
    """

    contacts: pd.DataFrame
    desired: Mapping[str, frozenset[str]]
    deleted_contacts: frozenset[str] = frozenset()
    deleted_companies: frozenset[str] = frozenset()
    old_companies: Mapping[str, str | None] = field(default_factory=dict)
    full_refresh: bool = False
    opted_out: frozenset[str] = frozenset()


def plan_removals(members: pd.DataFrame, facts: RunFacts) -> RemovalPlan:
    """The removals owed for ``members`` (rows of email, list_name, netsuite_id, pending_reason).

    A member whose earlier removal failed (``pending_reason``) is removed again unless the run routes the
    address to that list once more; then the debt is void (``cleared``).
    """
    plan = RemovalPlan(empty_plan())
    rows: list[tuple[str, str, str, str]] = []
    columns = ["email", "list_name", "netsuite_id", "pending_reason"]
    for email, list_name, netsuite_id, pending in members.reindex(columns=columns).itertuples(index=False):
        routes = facts.desired.get(email, frozenset())
        owed = isinstance(pending, str) and bool(pending)
        if email in facts.opted_out:
            rows.append((email, list_name, str(netsuite_id), OPTED_OUT))
            continue
        if list_name in routes:
            if owed:
                plan.cleared.append((list_name, email))
            continue
        reason = _reason(email, str(netsuite_id), bool(routes), facts)
        if reason.startswith("held:") and owed:
            reason = str(pending)
        if reason.startswith("held:"):
            plan.held[reason] = plan.held.get(reason, 0) + 1
        else:
            rows.append((email, list_name, str(netsuite_id), reason))
    if rows:
        frame = pd.DataFrame(rows, columns=list(PLAN_COLUMNS))
        plan.rows = frame.drop_duplicates(["email", "list_name"], ignore_index=True)
    return plan


def _reason(email: str, contact_id: str, routed_elsewhere: bool, facts: RunFacts) -> str:
    """Why ``email`` leaves the list ``contact_id`` put it in, or why it is held there for now."""
    if contact_id in facts.deleted_contacts:
        return DELETED
    contacts = facts.contacts
    if contact_id in contacts.index:
        fact = contacts.loc[contact_id]
        if bool(fact["quarantined"]):
            return HELD_QUARANTINED
        if bool(fact["skipped_inactive"]):
            return INACTIVE
        if fact["email"] != email:
            return EMAIL_CHANGED
        if not routed_elsewhere:
            return NOT_ROUTED
        if not bool(fact["has_company"]):
            old = facts.old_companies.get(contact_id)
            return COMPANY_DELETED if old is not None and old in facts.deleted_companies else UNLINKED
        return STAGE_CHANGE
    if routed_elsewhere:
        return MOVED
    return NOT_IN_NETSUITE if facts.full_refresh else HELD_NO_EVIDENCE


@dataclass(frozen=True)
class ValveBreach:
    """One list the plan would thin out more than allowed."""

    list_name: str
    removals: int
    size: int
    allowed: int


def valve_breaches(
    per_list: Mapping[str, int], sizes: Mapping[str, int], max_share: float, min_count: int
) -> list[ValveBreach]:
    """Lists whose removals exceed ``max(min_count, max_share * size)``; size: addresses synced there."""
    breaches = []
    for name, removals in sorted(per_list.items()):
        size = max(int(sizes.get(name, 0)), removals)
        allowed = max(int(min_count), int(max_share * size))
        if removals > allowed:
            breaches.append(ValveBreach(name, removals, size, allowed))
    return breaches


def breach_message(breaches: Iterable[ValveBreach], max_share: float) -> str:
    """The error an operator reads: which list, how many, and the way out."""
    parts = [
        f"{b.list_name!r}: {b.removals:,} of {b.size:,} addresses "
        f"({b.removals / b.size:.1%}; allowed {b.allowed:,})"
        for b in breaches
    ]
    return (
        f"Removal safety valve: this run would remove more than {max_share:.0%} of "
        + "; ".join(parts)
        + ". Nothing was removed or loaded. If this is expected (a real clean-up in NetSuite), trigger the "
        "DAG once with the Param allow_mass_removal on; if not, check the extract (permissions, filters)."
    )
