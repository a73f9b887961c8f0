"""The admin API under ``/_sandbox/``: loopback callers only, no auth, never governed.

Tests, the demo and the benchmarks arrange the account through it: data in (SuiteQL field names,
timestamps ISO-8601 UTC; contacts' and customers' default billing ``address``; sales-rep employees),
customers found by email, deletions (logged in SuiteQL's ``deletedrecord`` as NetSuite logs them), custom
fields, locks, runtime knobs, and counters out. README.md lists the routes.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request

from sandbox.netsuite import seed
from sandbox.netsuite.context import Sandbox, base_url, get_sandbox
from sandbox.netsuite.schema import (
    ADDRESS_FIELDS,
    ADDRESS_TABLES,
    COUNTRIES,
    CUSTOMER_STATUSES,
    EMPLOYEE,
    LISTS,
    STAGE_BY_SEARCHSTAGE,
    STAGES,
    FieldSpec,
)
from sandbox.server import require_loopback

router = APIRouter(prefix="/_sandbox", dependencies=[Depends(require_loopback)])


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def _bad(message: str) -> HTTPException:
    return HTTPException(status_code=400, detail=message)


@router.get("/health")
async def health(request: Request) -> dict[str, Any]:
    sandbox = get_sandbox(request)
    counts = await sandbox.store.run(sandbox.store.counts)
    return {
        "status": "ok",
        "account_id": sandbox.settings.account_id,
        "contacts": counts["contact"],
        "customers": counts["customer"],
    }


@router.get("/connection")
async def connection(request: Request, auth: str = "tba") -> dict[str, Any]:
    """A ready-made Airflow connection (``AIRFLOW_CONN_...`` JSON) for the NetSuite hook."""
    sandbox = get_sandbox(request)
    settings = sandbox.settings
    extra: dict[str, Any] = {"account_id": settings.account_id}
    if auth == "tba":
        extra.update(
            auth_method="tba",
            consumer_key=settings.consumer_key,
            consumer_secret=settings.consumer_secret,
            token_id=settings.token_id,
            token_secret=settings.token_secret,
        )
    elif auth == "m2m":
        keys = sandbox.auth.keys
        extra.update(
            auth_method="m2m",
            client_id=settings.client_id,
            certificate_id=settings.certificate_id,
            private_key=keys.private_key_pem,
            algorithm=keys.default_algorithm,
        )
    else:
        raise _bad("auth must be 'tba' or 'm2m'")
    # the whole account budget: the sandbox has no other integration competing for it
    extra.update(
        timezone=settings.timezone, max_concurrency=sandbox.runtime.concurrency_limit, timeout=60, verify=True
    )
    return {"conn_type": "netsuite", "host": base_url(request), "extra": extra}


def _to_epoch(sandbox: Sandbox, value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    try:
        return sandbox.clock.parse_iso(str(value))
    except ValueError as exc:
        raise _bad(f"{name}: {value!r} is not an ISO-8601 timestamp") from exc


# keys an admin row may carry besides its table's fields
_ROW_EXTRAS = {"customer": {"stage", "address"}, "contact": {"address"}}
ADDRESS = "_address"  # where admin_rows leaves a row's validated ``address`` (not a column)


def admin_rows(sandbox: Sandbox, table: str, rows: Any) -> list[dict[str, object]]:
    """Validate and convert admin rows (SuiteQL names) into stored values.

    A row's ``address`` (contacts, customers) comes back under :data:`ADDRESS`: a dict of
    :data:`ADDRESS_FIELDS`, or None to remove the default billing address; absent if not sent.
    """
    if not isinstance(rows, list):
        raise _bad("send a JSON array of records")
    fields = sandbox.schema.fields(table)
    now = int(time.time())
    out = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise _bad(f"record {index} is not an object")
        row = {key.lower(): value for key, value in row.items()}
        extra = set(row) - set(fields) - _ROW_EXTRAS.get(table, set())
        if extra:
            raise _bad(f"record {index}: unknown fields {sorted(extra)} for {table}")
        if not isinstance(row.get("id"), int) or isinstance(row.get("id"), bool):
            raise _bad(f"record {index}: 'id' must be an integer")
        stored: dict[str, object] = {}
        for name, spec in fields.items():
            value = row.get(name)
            if spec.generated or value is None:
                continue
            if spec.temporal:
                stored[name] = _to_epoch(sandbox, value, name)
            elif spec.type == "checkbox":
                stored[name] = "T" if value in (True, "T", "t", "true") else "F"
            elif spec.type in ("id", "integer", "ref"):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise _bad(f"record {index}: {name} must be an integer")
                stored[name] = value
            elif spec.type == "list":
                stored[name] = _list_value(spec, value, index)
            else:
                stored[name] = value if isinstance(value, str) else str(value)
        for name, spec in fields.items():
            if spec.default is not None:
                stored.setdefault(name, spec.default)
        if "lastmodifieddate" in fields:
            stored.setdefault("lastmodifieddate", now)
            stored.setdefault("datecreated", stored["lastmodifieddate"])
        if table == "customer":
            _customer_stage(row, stored, index)
        if table == EMPLOYEE and row.get("issalesrep") is None:
            stored["issalesrep"] = "T"  # the employees arranged here are sales reps unless told otherwise
        if not stored.get("entityid"):
            name = f"{row.get('firstname') or ''} {row.get('lastname') or ''}".strip()
            stored["entityid"] = name or row.get("email") or str(row["id"])
        if "address" in row:
            stored[ADDRESS] = _address(row["address"], index)
        out.append(stored)
    return out


def _address(value: object, index: int) -> dict[str, object] | None:
    """``{"addr1", "addr2", "city", "state", "zip", "country", ...}`` -> stored values; None stays None."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _bad(f"record {index}: address must be an object or null")
    unknown = set(value) - set(ADDRESS_FIELDS)
    if unknown:
        raise _bad(
            f"record {index}: unknown address fields {sorted(unknown)}; known: {', '.join(ADDRESS_FIELDS)}"
        )
    out: dict[str, object] = {}
    for name in ADDRESS_FIELDS:
        item = value.get(name)
        if item is not None and (isinstance(item, bool) or not isinstance(item, str | int)):
            raise _bad(f"record {index}: address {name} must be a string")
        out[name] = None if item is None or str(item) == "" else str(item)
    country = out["country"]
    if country is not None:
        if str(country).upper() not in COUNTRIES:
            raise _bad(
                f"record {index}: address country must be a code like 'US' (one of {', '.join(COUNTRIES)})"
            )
        out["country"] = str(country).upper()
    return out


def _list_value(spec: FieldSpec, value: object, index: int) -> int:
    """A list field's id, as an integer or a string of digits (``2`` or ``"2"``); it must be on the list."""
    options = LISTS[spec.ref or spec.name]
    number = int(value) if isinstance(value, str) and value.strip().isdigit() else value
    if isinstance(number, bool) or not isinstance(number, int) or number not in options:
        listed = ", ".join(f"{key} {name}" for key, name in options.items())
        raise _bad(f"record {index}: {spec.name} must be one of {listed}")
    return number


def _customer_stage(row: dict[str, Any], stored: dict[str, object], index: int) -> None:
    """``searchstage`` and ``entitystatus`` from ``stage`` and/or ``entitystatus``.

    ``stage`` alone gives the stage's default status (STAGES); ``entitystatus`` alone, its own stage; both:
    the status if it belongs to the stage, else the stage's default (``stage`` wins, as it always has, so a
    row read back, its stage changed and posted again moves the customer). Neither: ``searchstage``.
    """
    status = stored.get("entitystatus")
    if status is not None and status not in CUSTOMER_STATUSES:
        known = ", ".join(f"{i} {s.display}" for i, s in sorted(CUSTOMER_STATUSES.items()))
        raise _bad(f"record {index}: entitystatus must be one of {known}")
    given = row.get("stage")
    if given:
        stage = str(given).upper()
    elif isinstance(status, int):
        stage = CUSTOMER_STATUSES[status].stage
    else:
        stage = STAGE_BY_SEARCHSTAGE.get(str(row.get("searchstage")), "")
    if stage not in STAGES:
        raise _bad(f"record {index}: stage must be one of {', '.join(STAGES)}")
    if not isinstance(status, int) or CUSTOMER_STATUSES[status].stage != stage:
        status = STAGES[stage][1]
    stored["searchstage"], stored["entitystatus"] = STAGES[stage][0], status
    if stored.get("isperson") != "T" and not row.get("companyname"):
        raise _bad(f"record {index}: companyname is required (unless isperson is true)")
    if row.get("companyname"):
        stored.setdefault("entityid", row["companyname"])


async def _upsert(request: Request, table: str, rows: Any) -> dict[str, int]:
    sandbox = get_sandbox(request)
    converted = admin_rows(sandbox, table, rows)
    store = sandbox.store

    def write() -> int:
        count = store.upsert(table, converted)
        for row in converted:
            if ADDRESS in row:
                when = row.get("lastmodifieddate")
                address = row[ADDRESS]
                store.set_default_address(
                    table,
                    _int(row["id"]),
                    address if isinstance(address, dict) else None,
                    _int(when) if when is not None else int(time.time()),
                )
        if table == "customer":  # the row was replaced: its default address columns follow the book again
            store.sync_customer_defaults([_int(row["id"]) for row in converted])
        return count

    count = await store.run(write)
    return {"upserted": count}


@router.post("/contacts")
async def post_contacts(request: Request, rows: Any = Body(...)) -> dict[str, int]:  # noqa: B008
    return await _upsert(request, "contact", rows)


@router.post("/customers")
async def post_customers(request: Request, rows: Any = Body(...)) -> dict[str, int]:  # noqa: B008
    return await _upsert(request, "customer", rows)


@router.post("/employees")
async def post_employees(request: Request, rows: Any = Body(...)) -> dict[str, int]:  # noqa: B008
    """``[{"id", "firstname", "lastname", "email", ...}]`` (SuiteQL names): sales reps unless
    ``issalesrep`` is false; insert or replace."""
    return await _upsert(request, EMPLOYEE, rows)


@router.get("/employees")
async def get_employees(request: Request) -> list[dict[str, Any]]:
    sandbox = get_sandbox(request)
    names = list(sandbox.schema.fields(EMPLOYEE))
    rows = await sandbox.store.run(
        sandbox.store.query, f"SELECT {', '.join(names)} FROM {EMPLOYEE} ORDER BY id"
    )
    return [dict(zip(names, row, strict=True)) for row in rows]


def _present(sandbox: Sandbox, table: str, record_id: int) -> dict[str, Any] | None:
    """The stored row as the admin API shows it (on the store thread)."""
    row = sandbox.store.get_row(table, record_id)
    if row is None:
        return None
    for name, spec in sandbox.schema.fields(table).items():
        if spec.temporal:
            row[name] = sandbox.clock.iso_utc(row.get(name))
    if table == "customer":
        row["stage"] = STAGE_BY_SEARCHSTAGE.get(row.get("searchstage") or "")
    if table in ADDRESS_TABLES:
        row["address"] = sandbox.store.default_address(table, record_id)
    row["locked"] = sandbox.store.is_locked(table, record_id)
    return row


async def _raw_row(request: Request, table: str, record_id: int) -> dict[str, Any]:
    sandbox = get_sandbox(request)
    row = await sandbox.store.run(_present, sandbox, table, record_id)
    if row is None:
        raise HTTPException(status_code=404, detail=f"no {table} with id {record_id}")
    return row


@router.get("/customers")
async def find_customers(request: Request, email: str | None = None) -> list[dict[str, Any]]:
    """Customers holding ``email`` (any case, blanks around ignored), in id order, each as
    ``GET customers/{id}`` shows it; ``[]`` if none."""
    if email is None or not email.strip():
        raise _bad("send ?email=<address>")
    sandbox = get_sandbox(request)

    def read() -> list[dict[str, Any]]:
        rows = (_present(sandbox, "customer", i) for i in sandbox.store.customers_by_email(email))
        return [row for row in rows if row is not None]

    return await sandbox.store.run(read)


@router.get("/contacts/{record_id}")
async def get_contact(request: Request, record_id: int) -> dict[str, Any]:
    return await _raw_row(request, "contact", record_id)


@router.get("/customers/{record_id}")
async def get_customer(request: Request, record_id: int) -> dict[str, Any]:
    return await _raw_row(request, "customer", record_id)


def _ids(value: object, what: str) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        raise _bad(f"{what} must be a list of integer ids")
    return list(dict.fromkeys(value))  # once each, in the order given


async def _delete(request: Request, by_table: dict[str, list[int]], deleteddate: object = None) -> int:
    """Delete all of them or none: an unknown id is a 404 naming every unknown one, and nothing changes."""
    sandbox = get_sandbox(request)
    epoch = _to_epoch(sandbox, deleteddate, "deleteddate")
    now = int(time.time()) if epoch is None else epoch

    def delete() -> tuple[int, dict[str, list[int]]]:
        store = sandbox.store
        missing = {t: m for t, ids in by_table.items() if (m := store.missing_ids(t, ids))}
        if missing:
            return 0, missing
        return store.delete_records(by_table, now), {}

    deleted, missing = await sandbox.store.run(delete)
    if missing:
        unknown = "; ".join(
            f"no {table} with id {', '.join(map(str, ids))}" for table, ids in missing.items()
        )
        raise HTTPException(status_code=404, detail=unknown)
    sandbox.stats.deleted_records += deleted
    return deleted


@router.delete("/contacts/{record_id}")
async def delete_contact(request: Request, record_id: int) -> dict[str, int]:
    return {"deleted": await _delete(request, {"contact": [record_id]})}


@router.delete("/customers/{record_id}")
async def delete_customer(request: Request, record_id: int) -> dict[str, int]:
    """The customer goes; its contacts stay, with ``company`` emptied and lastmodifieddate unchanged."""
    return {"deleted": await _delete(request, {"customer": [record_id]})}


@router.post("/deletions")
async def post_deletions(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, int]:  # noqa: B008
    """``{"contacts": [ids], "customers": [ids], "deleteddate": ISO?}``: many deletions, all or none.

    ``deleteddate`` (default now) lets a test place deletions before or after a client's watermark.
    """
    extra = set(body) - {"contacts", "customers", "deleteddate"}
    if extra:
        raise _bad(f"unknown keys {sorted(extra)}; send contacts, customers, deleteddate")
    by_table = {
        "contact": _ids(body.get("contacts", []), "contacts"),
        "customer": _ids(body.get("customers", []), "customers"),
    }
    return {"deleted": await _delete(request, by_table, body.get("deleteddate"))}


@router.post("/fields")
async def post_field(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
    """``{"record_type": "contact", "id": "custentity_x", "type": "integer"}``: idempotent."""
    sandbox = get_sandbox(request)
    table = str(body.get("record_type", "contact"))
    try:
        spec, created = sandbox.schema.add_custom(
            table, str(body.get("id", "")), str(body.get("type", "text"))
        )
    except ValueError as exc:
        raise _bad(str(exc)) from exc
    if created:
        await sandbox.store.run(sandbox.store.add_column, table, spec.name)
    return {"record_type": table, "id": spec.name, "type": spec.type, "created": created}


@router.post("/locks")
async def post_locks(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
    """``{"record_type": "contact", "ids": [1, 2], "locked": true}``: PATCHes of locked records fail."""
    sandbox = get_sandbox(request)
    table = str(body.get("record_type", "contact"))
    ids = body.get("ids")
    if (
        not sandbox.schema.is_record_type(table)
        or not isinstance(ids, list)
        or not all(isinstance(i, int) for i in ids)
    ):
        raise _bad("send {'record_type': 'contact'|'customer', 'ids': [int, ...], 'locked': bool}")
    locked = bool(body.get("locked", True))
    await sandbox.store.run(sandbox.store.set_locked, table, ids, locked)
    return {"record_type": table, "ids": ids, "locked": locked}


@router.get("/config")
async def get_config(request: Request) -> dict[str, Any]:
    return get_sandbox(request).runtime.as_dict()


@router.post("/config")
async def post_config(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
    runtime = get_sandbox(request).runtime
    try:
        runtime.update(body)
    except (TypeError, ValueError) as exc:
        raise _bad(str(exc)) from exc
    return runtime.as_dict()


@router.get("/stats")
async def stats(request: Request) -> dict[str, Any]:
    return get_sandbox(request).stats.snapshot()


@router.get("/mutations")
async def mutations(request: Request, since: int = 0) -> dict[str, Any]:
    """Contacts changed by the mutator after sequence number ``since`` (the last 100,000 are kept)."""
    return get_sandbox(request).mutator.since(since)


@router.post("/mutate")
async def mutate(request: Request, body: dict[str, Any] = Body(default={})) -> dict[str, Any]:  # noqa: B008
    """Change ``count`` random contacts now (the mutator's work, on demand, for deterministic tests)."""
    count = body.get("count", 1)
    if not isinstance(count, int) or count < 0:
        raise _bad("count must be a non-negative integer")
    ids = await get_sandbox(request).mutator.mutate(count)
    return {"ids": ids}


@router.post("/reset")
async def reset(request: Request, body: dict[str, Any] = Body(default={})) -> dict[str, Any]:  # noqa: B008
    """Zero the stats; with ``{"reseed": true, "contacts": N, "seed": S}`` also regenerate all data.

    Regenerating empties ``deletedrecord`` with the rest; a plain reset keeps every record, deleted ones
    included (the log stays consistent with the data: a deleted record is still gone).
    """
    sandbox = get_sandbox(request)
    sandbox.stats.reset()
    if body.get("reseed"):
        contacts = int(body.get("contacts", sandbox.settings.contacts))
        seed_value = int(body.get("seed", sandbox.settings.seed))
        data = await sandbox.store.run(seed.generate, contacts, seed_value)
        await sandbox.store.run(sandbox.store.load, data)
    counts = await sandbox.store.run(sandbox.store.counts)
    return {"reset": True, "contacts": counts["contact"], "customers": counts["customer"]}
