"""One list's records by id or email under ``/api/1``: delete one, delete up to 100, look one up by email.

Record ids are ``<listId>:<n>`` as the download's ``_contact_id_`` column gives them. A deleted record is
gone from downloads at once and its id is never given out again: a later merge of the same address appends
a new record with a new id. Bulk deletes answer 200 even when ids fail (``fail_count`` and ``failedList``
say which and why), as Act-On does, so a client must read the body, not only the status.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from sandbox.acton.auth import require_token
from sandbox.acton.errors import CONTACT_NOT_FOUND, INVALID_CONTACT, ActOnError, BadParameterError
from sandbox.acton.state import Sandbox
from sandbox.acton.store import ContactList

MAX_BULK_DELETE = 100
CONTACT_ID = "contactID"
MALFORMED = "Invalid contact id"
router = APIRouter(prefix="/api/1", dependencies=[Depends(require_token)])


def _sandbox(request: Request) -> Sandbox:
    return request.app.state.sandbox


def locate(target: ContactList, record_id: str) -> tuple[int | None, str]:
    """``(position, "")`` for a live record of ``target``, else ``(None, reason)``. Hold ``target.lock``."""
    list_part, colon, number = record_id.strip().partition(":")
    if not colon or not list_part or not (number.isascii() and number.isdigit()):
        return None, MALFORMED
    if list_part != target.id:
        return None, f"{MALFORMED}: not a record of list {target.id}"
    position = target.position_of(int(number))
    if position is None:
        return None, f"{MALFORMED}: no such record (unknown or already deleted)"
    return position, ""


@router.get("/list/lookup/{listid}")
def lookup(request: Request, listid: str, email: str = "") -> dict:
    """The first record with ``email`` (trimmed, case-insensitive) as one flat object keyed by heading,
    ``contactID`` first. Not found → 400 errorCode 10162 (Act-On's status for it is unconfirmed)."""
    sandbox = _sandbox(request)
    target = sandbox.store.get(listid)
    if not email.strip():
        raise BadParameterError("email is required")
    sandbox.stats.add("lookups", list_id=listid)
    with target.lock:
        position = target.find(email)
        if position is not None:
            record_id = target.record_id(position)
            return {CONTACT_ID: record_id, **dict(zip(target.headings, target.rows[position], strict=True))}
    sandbox.stats.add("lookups_not_found", list_id=listid)
    raise ActOnError(CONTACT_NOT_FOUND, "Contact not found")


@router.delete("/list/{listid}/record/{recordid}")
def delete_record(request: Request, listid: str, recordid: str) -> dict:
    """Delete one record; an id that is malformed, of another list, unknown or already deleted → 10008."""
    sandbox = _sandbox(request)
    target = sandbox.store.get(listid)
    sandbox.stats.add("record_delete_calls", list_id=listid)
    with target.lock:
        position, _ = locate(target, recordid)
        if position is not None:
            target.remove([position])
    if position is None:
        sandbox.stats.add("record_delete_failures", list_id=listid)
        raise ActOnError(INVALID_CONTACT, "Invalid contact")
    sandbox.stats.add("records_deleted", list_id=listid)
    return {"status": "success", "message": "Record deleted"}


@router.delete("/list/{listid}/record")
def delete_records(request: Request, listid: str) -> dict:
    """Delete up to 100 records named in ``contactids`` (comma-separated); 200 whatever failed.

    An id repeated in one call is deleted once; its repeat fails as already deleted.
    """
    sandbox = _sandbox(request)
    target = sandbox.store.get(listid)
    ids = [i.strip() for raw in request.query_params.getlist("contactids") for i in raw.split(",")]
    ids = [i for i in ids if i]
    if not ids:
        raise BadParameterError("contactids is required: comma-separated record ids, e.g. l-0001:1,l-0001:2")
    if len(ids) > MAX_BULK_DELETE:
        raise BadParameterError(
            f"Too many contactids: {len(ids)}; at most {MAX_BULK_DELETE} record ids per call"
        )
    sandbox.stats.add("record_delete_calls", list_id=listid)
    failed: list[dict[str, str]] = []
    doomed: set[int] = set()
    with target.lock:
        for record_id in ids:
            position, reason = locate(target, record_id)
            if position in doomed:
                reason = f"{MALFORMED}: no such record (unknown or already deleted)"
            if position is None or reason:
                failed.append({"id": record_id, "reason": reason})
            else:
                doomed.add(position)
        deleted = target.remove(doomed)
    sandbox.stats.add("records_deleted", deleted, list_id=listid)
    sandbox.stats.add("record_delete_failures", len(failed), list_id=listid)
    return {"success_count": deleted, "fail_count": len(failed), "failedList": failed}
