"""Contacts an incremental run must read again although NetSuite does not report them as changed.

Two kinds: contacts of a deleted company (NetSuite empties their company without touching their
``lastmodifieddate``) and every other contact that shares an address with a changed or deleted contact
(an address stays in a list while *any* contact routes it there, so the run must see all of them).
Both come from the state store's contact links: what the sync saw last time.
"""

from __future__ import annotations

from collections.abc import Iterable

from netsuite_acton.state import StateStore


def recheck_ids(
    state: StateStore,
    changed_ids: Iterable[str],
    changed_emails: Iterable[str],
    deleted_contacts: Iterable[str],
    deleted_companies: Iterable[str],
) -> set[str]:
    """Ids of contacts to read again, excluding those already read or deleted."""
    changed, deleted = set(changed_ids), set(deleted_contacts)
    at_deleted_companies = {link["netsuite_id"] for link in state.links_by_company(deleted_companies)}
    old = state.links_by_contact(changed | deleted)
    emails = {str(e).strip().lower() for e in changed_emails if e} | {link["email"] for link in old}
    emails |= {member["email"] for member in state.members_by_contact(changed | deleted)}
    sharing = {link["netsuite_id"] for link in state.links_for_emails(emails)}
    return (at_deleted_companies | sharing) - changed - deleted
