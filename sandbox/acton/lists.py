"""The lists API under ``/api/1``: list lists, download, create and bulk-merge by upload, one-record writes.

Uploads are checked synchronously (list, file, headings, merge spec: Act-On's 400s) and then merged by an
asynchronous job whose id the client polls at ``/api/1/list/{jobid}/status``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import FileResponse, StreamingResponse

from sandbox.acton.auth import require_token
from sandbox.acton.csvfiles import open_rows, read_headings, to_csv_text
from sandbox.acton.emails import email_problem
from sandbox.acton.errors import (
    INVALID_MERGE_DESTINATION,
    MERGE_COLUMN_MISSING,
    ActOnError,
    BadParameterError,
)
from sandbox.acton.merge import MODES, MergeResult, Reject, column_order, merge_rows
from sandbox.acton.state import Sandbox
from sandbox.acton.store import ContactList, check_headings, find_email_heading, now_ms
from sandbox.acton.uploads import Upload, read_upload

MAX_PAGE = 1000
CONTACT_ID = "_contact_id_"
router = APIRouter(prefix="/api/1", dependencies=[Depends(require_token)])


def _sandbox(request: Request) -> Sandbox:
    return request.app.state.sandbox


def _page(count: int, offset: int) -> None:
    if not 0 <= count <= MAX_PAGE or offset < 0:
        raise BadParameterError(f"count must be 0..{MAX_PAGE} and offset >= 0")


@router.get("/list")
def list_lists(request: Request, listingtype: str = "", count: int = MAX_PAGE, offset: int = 0) -> dict:
    """Paged, in creation order; only CONTACT_LIST lists exist in the sandbox. No lookup by name."""
    if not listingtype:
        raise BadParameterError("listingtype is required, e.g. CONTACT_LIST")
    _page(count, offset)
    lists = _sandbox(request).store.all() if listingtype.upper() == "CONTACT_LIST" else []
    page = [contact_list.summary() for contact_list in lists[offset : offset + count]]
    return {"offset": offset, "count": len(page), "totalCount": len(lists), "result": page}


@router.get("/list/rejectedUploadRecords")
def rejected_records(request: Request, filename: str = "") -> FileResponse:
    """The rows a job rejected: the original row plus a ``Reason`` column."""
    path = _sandbox(request).jobs.rejected_path(filename)
    return FileResponse(path, media_type="text/csv", filename=filename)


@router.get("/list/{jobid}/status")
def job_status(request: Request, jobid: str) -> dict:
    return _sandbox(request).jobs.status(jobid)


@router.get("/list/{listid}")
def download(
    request: Request,
    listid: str,
    count: int = MAX_PAGE,
    offset: int = 0,
    fields: str = "",
    modafter: int | None = None,
    responseformat: str = "JSON",
) -> Any:
    """JSON pages of at most 1000 rows, or the whole list as CSV; ``_contact_id_`` is always first."""
    target = _sandbox(request).store.get(listid)
    fmt = responseformat.upper()
    if fmt not in {"JSON", "CSV"}:
        raise BadParameterError("responseformat must be JSON or CSV")
    if fmt == "JSON":
        _page(count, offset)
    with target.lock:
        names = [f for f in fields.split(";") if f.strip()] if fields else list(target.headings)
        columns = [target.column(name.strip()) for name in names]
        headers = [CONTACT_ID, *(target.headings[c] for c in columns)]
        positions = _positions(target, modafter)
        window = positions[offset : offset + count] if fmt == "JSON" else positions
        data = [[target.record_id(p), *(target.rows[p][c] for c in columns)] for p in window]
    if fmt == "CSV":
        return StreamingResponse(
            _csv_chunks(headers, data),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{listid}.csv"'},
        )
    email_column = headers.index(target.email_heading) if target.email_heading in headers else -1
    return {
        "listId": listid,
        "offset": offset,
        "count": len(data),
        "totalCount": len(positions),
        "emailColumn": email_column,
        "headers": headers,
        "data": data,
    }


def _positions(target: ContactList, modafter: int | None) -> Sequence[int]:
    """Row positions to download: all, or those modified after ``modafter`` (unix ms)."""
    return range(len(target.rows)) if modafter is None else target.modified_after(modafter)


def _csv_chunks(headers: list[str], data: list[list[str]], size: int = 20_000) -> Iterator[str]:
    yield to_csv_text(headers, [])
    for start in range(0, len(data), size):
        yield to_csv_text([], data[start : start + size]).removeprefix("\r\n")


@router.post("/list")
async def create_list(request: Request) -> dict:
    """Create a list from an upload; the list (and its id) appear when the job has run."""
    sandbox = _sandbox(request)
    upload = await read_upload(request)
    try:
        name = (upload.fields.get("listname") or "").strip()
        if not name:
            raise BadParameterError("listname is required")
        fmt = upload.format
        if not fmt.headings:
            raise BadParameterError(
                "headings=Y is required to create a list: the first row names the columns"
            )
        headings = read_headings(upload.path, fmt)
        check_headings(headings)
        email_heading = find_email_heading(headings, _declared_email(upload, headings))
    except Exception:
        upload.discard()
        raise
    folder = (upload.fields.get("foldername") or "").strip()

    def work(reject: Reject) -> MergeResult:
        target = sandbox.store.create(name, headings, folder, email_heading)
        return _merge_file(target, upload, "UPSERT", put_empty=True, order=None, reject=reject)

    job = sandbox.jobs.submit("create", "", work, headings, upload.discard)
    return {"status": "success", "message": "Upload completed", "jobId": job.id}


def _declared_email(upload: Upload, headings: list[str]) -> str | None:
    """The heading ``uploadspecs`` marks ``columnType: EMAIL`` (by ``columnHeading`` or ``columnIndex``)."""
    specs = upload.json_field("uploadspecs")
    for spec in specs if isinstance(specs, list) else []:
        if isinstance(spec, dict) and str(spec.get("columnType", "")).upper() == "EMAIL":
            if "columnHeading" in spec:
                return str(spec["columnHeading"])
            index = int(spec.get("columnIndex", -1))
            if 0 <= index < len(headings):
                return headings[index]
    return None


@router.put("/list/{listid}")
async def merge_into_list(request: Request, listid: str) -> dict:
    """Bulk merge: the file must carry exactly the list's headings; the merge key is its email heading."""
    sandbox = _sandbox(request)
    target = sandbox.store.get(listid)
    upload = await read_upload(request)
    try:
        mode, put_empty, file_headings = _merge_plan(target, upload)
        order = column_order(target.headings, file_headings)
    except Exception:
        upload.discard()
        raise

    def work(reject: Reject) -> MergeResult:
        return _merge_file(target, upload, mode, put_empty, order, reject)

    job = sandbox.jobs.submit("merge", listid, work, file_headings, upload.discard)
    return {"status": "success", "message": "Upload completed", "jobId": job.id}


def _merge_plan(target: ContactList, upload: Upload) -> tuple[str, bool, list[str]]:
    """Mode, putEmptyValues and the file's headings, checked now so mistakes are 400s, not failed jobs."""
    specs = upload.json_field("mergespecs")
    if not isinstance(specs, list) or len(specs) != 1 or not isinstance(specs[0], dict):
        raise ActOnError(INVALID_MERGE_DESTINATION, "mergespecs must be a JSON list with one merge spec")
    spec = specs[0]
    if str(spec.get("dstListId", "")) != target.id:
        raise ActOnError(INVALID_MERGE_DESTINATION, f"Invalid merge destination: {spec.get('dstListId')}")
    mode = str(spec.get("mergeMode", "UPSERT")).upper()
    if mode not in MODES:
        raise BadParameterError(f"Invalid mergeMode {mode}; one of {', '.join(MODES)}")
    if spec.get("columnMap"):
        raise BadParameterError("columnMap is not supported: the file's headings must equal the list's")
    fmt = upload.format
    file_headings = read_headings(upload.path, fmt) if fmt.headings else list(target.headings)
    key = str(spec.get("mergeKeyHeading") or target.email_heading)
    if key not in file_headings:
        raise ActOnError(MERGE_COLUMN_MISSING, f"Merge column missing from the file: {key}")
    if key != target.email_heading:
        raise ActOnError(
            MERGE_COLUMN_MISSING,
            f"The merge key must be the list's email column {target.email_heading!r}, not {key!r}",
        )
    return mode, upload.flag("putEmptyValues"), file_headings


def _merge_file(
    target: ContactList, upload: Upload, mode: str, put_empty: bool, order: list[int] | None, reject: Reject
) -> MergeResult:
    with open_rows(upload.path, upload.format) as rows:
        if upload.format.headings:
            next(rows, None)
        return merge_rows(target, rows, mode, put_empty, reject, order)


@router.put("/list/{listid}/record")
def upsert_record(
    request: Request, listid: str, email: str, record: Annotated[dict[str, Any], Body()]
) -> dict:
    """Update the first record with ``email``, or add one; keys of the body are column headings."""
    target = _sandbox(request).store.get(listid)
    _check_email(email)
    with target.lock:
        values = target.values_from(record)
        position = target.find(email)
        if position is None:
            position = target.insert([*values, (target.email_index, email.strip())])
            message = "Record added"
        else:
            target.update(position, values, True, now_ms())
            message = "Record updated"
        record_id = target.record_id(position)
    return {"status": "success", "message": message, "id": record_id, "contact_id": record_id}


@router.post("/list/{listid}/record")
def insert_record(request: Request, listid: str, record: Annotated[dict[str, Any], Body()]) -> dict:
    """Add a record, even if its email is already in the list (as APPEND does)."""
    target = _sandbox(request).store.get(listid)
    email = str(record.get(target.email_heading) or "").strip()
    _check_email(email)
    with target.lock:
        position = target.insert([*target.values_from(record), (target.email_index, email)])
        record_id = target.record_id(position)
    return {"status": "success", "message": "Record added", "id": record_id, "contact_id": record_id}


def _check_email(email: str) -> None:
    problem = email_problem(email.strip())
    if problem:
        raise BadParameterError(problem)
