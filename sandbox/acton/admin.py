"""The admin API under ``/_sandbox/``: loopback only, no auth, outside the rate limit and the quota.

Tests and the demo use it to set up lists, play the List Maintenance Program (scores), play recipients who
unsubscribe, bounce or complain (consent lists), inject faults, and read back what clients did (stats),
without spending the client's Act-On budget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from sandbox.acton.consent import HARDBOUNCE, OPTOUT, SPAMCOMPLAINT
from sandbox.acton.emails import email_problem
from sandbox.acton.errors import BadParameterError
from sandbox.acton.scores import evolve_scores, set_scores
from sandbox.acton.settings import RUNTIME_SETTINGS, update_settings
from sandbox.acton.state import Sandbox
from sandbox.acton.store import now_ms
from sandbox.server import require_loopback

router = APIRouter(prefix="/_sandbox", dependencies=[Depends(require_loopback)])
HOOK_CALLS_PER_SECOND = 4  # what the ready-made connection tells the hook: one call/s below the limit
#: Admin path of each consent list, and the origin its entries get when a recipient acts.
CONSENT_ROUTES = {
    "optouts": (OPTOUT, "Recipient: unsubscribe link"),
    "hardbounces": (HARDBOUNCE, "Recipient: hard bounce"),
    "spamcomplaints": (SPAMCOMPLAINT, "Recipient: spam complaint"),
}


def _sandbox(request: Request) -> Sandbox:
    return request.app.state.sandbox


class NewList(BaseModel):
    name: str
    headings: list[str]
    folder: str = ""
    email_heading: str | None = None
    score_field: str | None = None
    records: list[dict[str, Any]] = Field(default_factory=list)


class Scores(BaseModel):
    scores: dict[str, float | int | str]
    list_id: str | None = None
    field: str | None = None


class Evolve(BaseModel):
    list_id: str | None = None
    field: str | None = None
    fraction: float = 0.1
    seed: int | None = None


class ConsentAdds(BaseModel):
    emails: list[str]
    timestamp: int | None = None  # epoch ms; default now
    origin: str | None = None


class Reset(BaseModel):
    data: bool = False


@router.get("/health")
def health() -> dict:
    return {"status": "ok"}


@router.get("/connection")
def connection(request: Request) -> dict:
    """An Airflow connection (``AIRFLOW_CONN_...`` JSON) for the Act-On hook, pointing at this sandbox."""
    settings = _sandbox(request).settings
    return {
        "conn_type": "acton",
        "host": str(request.base_url).rstrip("/"),
        "login": settings.username,
        "password": settings.password,
        "extra": {
            "client_id": settings.client_id,
            "client_secret": settings.client_secret,
            "calls_per_second": HOOK_CALLS_PER_SECOND,
            "timeout": 60,
            "verify": True,
        },
    }


@router.get("/lists")
def lists(request: Request) -> list[dict]:
    return [
        {
            **contact_list.summary(),
            "headings": contact_list.headings,
            "count": len(contact_list),
            "email_heading": contact_list.email_heading,
            "score_field": contact_list.score_field,
        }
        for contact_list in _sandbox(request).store.all()
    ]


@router.post("/lists")
def create_list(request: Request, body: NewList) -> dict:
    """Create a list directly (no job, no budget spent), with optional records ``{heading: value}``."""
    store = _sandbox(request).store
    contact_list = store.create(body.name, body.headings, body.folder, body.email_heading, body.score_field)
    with contact_list.lock:
        for record in body.records:
            contact_list.insert(contact_list.values_from(record))
    return {**contact_list.summary(), "headings": contact_list.headings, "count": len(contact_list)}


@router.get("/lists/{list_id}/records")
def records(request: Request, list_id: str) -> list[dict]:
    """Every record with every column, ``_contact_id_`` included."""
    contact_list = _sandbox(request).store.get(list_id)
    with contact_list.lock:
        return [
            {"_contact_id_": contact_list.record_id(p), **dict(zip(contact_list.headings, row, strict=True))}
            for p, row in enumerate(contact_list.rows)
        ]


@router.post("/scores")
def scores(request: Request, body: Scores) -> dict:
    return set_scores(_sandbox(request).store, body.scores, body.list_id, body.field)


@router.post("/scores/evolve")
def evolve(request: Request, body: Evolve) -> dict:
    return evolve_scores(_sandbox(request).store, body.list_id, body.field, body.fraction, body.seed)


def _consent_adder(kind: str, default_origin: str) -> Callable[[Request, ConsentAdds], dict]:
    def add(request: Request, body: ConsentAdds) -> dict:
        """As if these recipients acted now (or at ``timestamp``, ms); listed addresses keep their entry."""
        bad = {email: problem for email in body.emails if (problem := email_problem(email.strip()))}
        if bad:
            raise BadParameterError(f"Invalid email addresses: {bad}")
        consent_list = _sandbox(request).consent[kind]
        stamp = now_ms() if body.timestamp is None else body.timestamp
        added = sum(consent_list.add(email, stamp, body.origin or default_origin) for email in body.emails)
        return {"added": added, "unchanged": len(body.emails) - added, "total": len(consent_list.all())}

    return add


def _consent_reader(kind: str) -> Callable[[Request], list[dict]]:
    def read(request: Request) -> list[dict]:
        """Every entry in creation order, ``{"email", "timestamp", "origin"}``."""
        return [entry.as_dict() for entry in _sandbox(request).consent[kind].all()]

    return read


for _path, (_kind, _origin) in CONSENT_ROUTES.items():
    router.add_api_route(f"/{_path}", _consent_adder(_kind, _origin), methods=["POST"], name=f"add_{_path}")
    router.add_api_route(f"/{_path}", _consent_reader(_kind), methods=["GET"], name=f"read_{_path}")


@router.get("/config")
def get_config(request: Request) -> dict:
    sandbox = _sandbox(request)
    settings = asdict(sandbox.settings)
    return {**{k: settings[k] for k in sorted(RUNTIME_SETTINGS)}, **sandbox.faults.current()}


@router.post("/config")
def set_config(request: Request, body: dict[str, Any]) -> dict:
    """Change limits, latency, TTL, job duration and faults at run time; unknown keys are a 400."""
    sandbox = _sandbox(request)
    unknown = set(body) - RUNTIME_SETTINGS - set(sandbox.faults.current())
    if unknown:
        raise BadParameterError(f"Unknown config keys: {', '.join(sorted(unknown))}")
    update_settings(sandbox.settings, body)
    sandbox.faults.configure(body)
    return get_config(request)


@router.get("/stats")
def stats(request: Request) -> dict:
    sandbox = _sandbox(request)
    return {
        **sandbox.stats.snapshot(),
        "quota_used": sandbox.limiter.used_today,
        "max_calls_in_1s": sandbox.limiter.max_in_window,
    }


@router.post("/reset")
def reset(request: Request, body: Reset | None = None) -> dict:
    """Forget stats, limits, logins and faults; ``{"data": true}`` also wipes lists and tokens."""
    sandbox = _sandbox(request)
    sandbox.reset(data=bool(body and body.data))
    if body and body.data:
        sandbox.seed()
    return {"status": "ok"}
