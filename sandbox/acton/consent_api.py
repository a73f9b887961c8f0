"""The consent lists under ``/api/1``: read opt-outs, hard bounces and spam complaints; add opt-outs.

Reads are paged in creation order with ``totalCount`` always -1 (Act-On says not to use it): a client pages
until a short page. Opt-outs are added by uploading a CSV with one column of emails and are processed at
once (no job). Re-opt-in is a controlled feature that accounts do not have by default: refused here.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from sandbox.acton.auth import require_token
from sandbox.acton.consent import HARDBOUNCE, OPTOUT, SPAMCOMPLAINT, ConsentList, instant_ms
from sandbox.acton.csvfiles import CsvFormat, open_rows
from sandbox.acton.emails import email_problem
from sandbox.acton.errors import ActOnError, BadParameterError
from sandbox.acton.state import Sandbox
from sandbox.acton.store import now_ms
from sandbox.acton.uploads import read_upload

MAX_PAGE = 1000
REJECTED_HEADINGS = ["E-mail Address", "Reason"]
MISSING = "Missing email address"
router = APIRouter(prefix="/api/1", dependencies=[Depends(require_token)])


def _sandbox(request: Request) -> Sandbox:
    return request.app.state.sandbox


def _read(
    request: Request,
    kind: str,
    count: int,
    offset: int,
    createdafter: int | None,
    createdbefore: int | None,
) -> dict:
    """One page of a consent list; ``createdafter``/``createdbefore`` are strict bounds, ms or seconds."""
    if not 1 <= count <= MAX_PAGE or offset < 0:
        raise BadParameterError(f"count must be 1..{MAX_PAGE} and offset >= 0")
    after, before = instant_ms(createdafter, "createdafter"), instant_ms(createdbefore, "createdbefore")
    entries = _sandbox(request).consent[kind].page(offset, count, after, before)
    return {
        "offset": offset,
        "count": len(entries),
        "totalCount": -1,
        "result": [entry.as_dict() for entry in entries],
    }


def _reader(kind: str) -> Callable[..., dict]:
    """The GET route of one consent list: the three share parameters, shape and paging."""

    def read(
        request: Request,
        count: int = MAX_PAGE,
        offset: int = 0,
        createdafter: int | None = None,
        createdbefore: int | None = None,
    ) -> dict:
        return _read(request, kind, count, offset, createdafter, createdbefore)

    return read


for _path, _kind in (
    ("/list/optout", OPTOUT),
    ("/list/hardbounce", HARDBOUNCE),
    ("/list/spamcomplaint", SPAMCOMPLAINT),
):
    router.add_api_route(_path, _reader(_kind), methods=["GET"], name=f"read_{_kind}")


@dataclass
class OptOutResult:
    processed: int = 0
    added: int = 0
    empty: int = 0
    rejected: int = 0
    rejected_file: str | None = None


@router.put("/list/optout")
async def add_optouts(request: Request) -> dict:
    """Opt out every address of the multipart ``file`` (one column, no heading row)."""
    sandbox = _sandbox(request)
    upload = await read_upload(request)
    name = f"rejected-optout-{sandbox.consent.next_file_number()}.csv"
    origin = f"User: {sandbox.settings.username} via Act-On API"
    try:
        result = await run_in_threadpool(
            apply_optouts, sandbox.consent[OPTOUT], upload.path, str(sandbox.jobs.folder / name), origin
        )
    finally:
        upload.discard()
    sandbox.stats.add("optouts_added", result.added)
    sandbox.stats.add("optout_records_rejected", result.empty + result.rejected)
    url = None
    if result.rejected_file:
        url = f"{request.base_url}api/1/list/rejectedUploadRecords?filename={name}"
    return {
        "status": "success",
        "message": f"{result.empty + result.rejected} invalid or empty records rejected. "
        f"{result.processed} valid records processed.",
        "emptyRecords": result.empty,
        "rejectedRecords": result.rejected,
        "rejectedRecordsUrl": url,
    }


def apply_optouts(optouts: ConsentList, path: str, rejected_path: str, origin: str) -> OptOutResult:
    """Opt out each row's address; empty and invalid rows go to ``rejected_path`` with a reason.

    Every row is data: a heading row such as ``email`` is not an address and is rejected like any other.
    A row with more than one non-empty field is rejected too (the file must hold exactly one column).
    """
    result = OptOutResult()
    stamp = now_ms()
    with (
        open(rejected_path, "w", encoding="utf-8", newline="") as handle,
        open_rows(path, CsvFormat()) as rows,
    ):
        writer = csv.writer(handle, lineterminator="\r\n")
        for row in rows:
            reason = _problem(row)
            if reason is None:
                result.processed += 1
                result.added += optouts.add(row[0], stamp, origin)
                continue
            if not result.empty + result.rejected:
                writer.writerow(REJECTED_HEADINGS)
            writer.writerow([row[0], reason if len(row) == 1 else f"{reason} (extra values: {row[1:]!r})"])
            if reason == MISSING:
                result.empty += 1
            else:
                result.rejected += 1
    if result.empty + result.rejected:
        result.rejected_file = rejected_path
    else:
        os.unlink(rejected_path)
    return result


def _problem(row: list[str]) -> str | None:
    """Why a row of an opt-out file is rejected, or ``None`` for a usable address."""
    if not any(cell.strip() for cell in row):
        return MISSING
    if len(row) > 1:
        return f"Expected 1 field (an email address), found {len(row)}"
    return email_problem(row[0].strip())


@router.put("/list/optin")
def optin(request: Request) -> dict:
    """Re-opt-in is a controlled feature in Act-On; clients must not rely on it, so the sandbox refuses."""
    raise ActOnError(
        403,
        "Opt-in is a controlled feature that is not enabled for this account; "
        "ask Act-On support to enable it",
        status=403,
    )
