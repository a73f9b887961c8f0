"""The record API: ``GET``/``PATCH /services/rest/record/v1/{contact|customer}/{id}``, the listing, and
``POST /services/rest/record/v1/customer`` (create one customer: a lead, prospect or customer).

Fields use record-API names (camelCase, custom fields by script id at top level); a reference is
``{"id", "refName", "links"}``; booleans and numbers are JSON types; ``lastModifiedDate`` is ISO-8601 UTC;
NULL fields are left out. PATCH changes only the fields sent (``null`` clears), answers 204 with a
``Location`` header, bumps ``lastModifiedDate``, and fails per record: an unknown field is 400
NONEXISTENT_FIELD (always, as with ``X-NetSuite-PropertyNameValidation: error``), a wrongly typed value
400 INVALID_PARAMETER, a record locked through the admin API 400 USER_ERROR, a missing (or deleted)
record 404. ``globalSubscriptionStatus`` follows NetSuite's consent rules: a PATCH may set Soft Opt-In or
Soft Opt-Out, never a confirmed status (only the recipient does), and never changes a Confirmed Opt-Out.
The listing filters with ``q`` (``lastModifiedDate AFTER "1/31/2026"``; bare dates in the account's
time zone and date format, ISO dates accepted too). A create answers 204 with the new record's
``Location``; its errors are the PATCH ones plus NetSuite's required fields (``entityStatus``;
``companyName`` for a company, ``firstName``/``lastName`` for an individual).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from sandbox.netsuite.context import Sandbox, authenticated, base_url, get_sandbox
from sandbox.netsuite.errors import NetSuiteError, json_response
from sandbox.netsuite.paging import check_offset_in_range, envelope, parse_paging
from sandbox.netsuite.schema import (
    CONFIRMED_OPT_OUT,
    CONFIRMED_STATUSES,
    CUSTOMER_STATUSES,
    EMPLOYEE,
    LISTS,
    STAGES,
    STATUS_NAMES,
    SUBSCRIPTION_STATUSES,
    FieldSpec,
)

router = APIRouter(dependencies=[Depends(authenticated)])
PREFIX = "/services/rest/record/v1"
_CONDITION = re.compile(r'^\s*(\w+)\s+([A-Z_]+)(?:\s+("(?:[^"]*)"|\S+))?\s*$', re.IGNORECASE)
_AND = re.compile(r"\s+AND\s+", re.IGNORECASE)
# a create's email must look like one (conservative model: NetSuite refuses malformed addresses on save)
_EMAIL = re.compile(r"^[^@\s,;:<>()\[\]\"]+@[^@\s,;:<>()\[\]\"]+\.[^@\s,;:<>()\[\]\".]{2,}$")
CREATABLE = ("customer",)
DATE_OPERATORS = ("AFTER", "BEFORE", "ON", "ON_OR_AFTER", "ON_OR_BEFORE")
VALUE_OPERATORS = {
    "IS": "=",
    "EQUAL": "=",
    "IS_NOT": "<>",
    "NOT_EQUAL": "<>",
    "GREATER": ">",
    "GREATER_OR_EQUAL": ">=",
    "LESS": "<",
    "LESS_OR_EQUAL": "<=",
}


def _record_type(sandbox: Sandbox, record_type: str) -> str:
    if not sandbox.schema.is_record_type(record_type):
        raise NetSuiteError(
            400,
            "INVALID_RCRD_TYPE",
            f"The record type '{record_type}' is not supported "
            f"(sandbox: {', '.join(sandbox.schema.record_types())}).",
        )
    return record_type


def _record_id(record_id: str) -> int:
    if record_id.startswith("eid:"):
        raise NetSuiteError(400, "INVALID_PARAMETER", "sandbox: external ids (eid:) are not supported.")
    if not record_id.isdigit():
        raise NetSuiteError(404, "NONEXISTENT_ID", f"The record instance '{record_id}' does not exist.")
    return int(record_id)


def _not_found(record_type: str, record_id: int) -> NetSuiteError:
    return NetSuiteError(
        404,
        "NONEXISTENT_ID",
        f"The record instance does not exist. Provide a valid record instance ID "
        f"(type {record_type}, id {record_id}).",
    )


def render_record(sandbox: Sandbox, record_type: str, row: dict[str, Any], url: str) -> dict[str, Any]:
    out: dict[str, Any] = {"links": [{"rel": "self", "href": f"{url}{PREFIX}/{record_type}/{row['id']}"}]}
    for spec in sandbox.schema.fields(record_type).values():
        value = row.get(spec.name)
        if spec.record_name is None or value is None:
            continue
        out[spec.record_name] = _render_value(sandbox, spec, value, url)
    return out


def _render_value(sandbox: Sandbox, spec: FieldSpec, value: Any, url: str) -> Any:
    if spec.type == "id":
        return str(value)
    if spec.type == "checkbox":
        return value == "T"
    if spec.type == "datetime":
        return sandbox.clock.iso_utc(value)
    if spec.type == "date":
        return sandbox.clock.to_char(value, "%Y-%m-%d")
    if spec.type == "list":  # a fixed list, no record behind it: nothing to link to
        name = LISTS[spec.ref or spec.name].get(value, str(value))
        return {"id": str(value), "refName": name, "links": []}
    if spec.type == "ref":
        if spec.ref == "customerstatus":
            name = STATUS_NAMES.get(value, str(value))
        else:
            target = sandbox.store.get_row(spec.ref or "customer", value)
            name = (target or {}).get("companyname") or (target or {}).get("entityid") or ""
        return {
            "id": str(value),
            "refName": name,
            "links": [{"rel": "self", "href": f"{url}{PREFIX}/{spec.ref}/{value}"}],
        }
    return value


@router.get(PREFIX + "/{record_type}/{record_id}")
async def get_record(request: Request, record_type: str, record_id: str) -> Response:
    sandbox = get_sandbox(request)
    table = _record_type(sandbox, record_type)
    rid = _record_id(record_id)
    url = base_url(request)

    def read() -> dict[str, Any] | None:
        row = sandbox.store.get_row(table, rid)
        return None if row is None else render_record(sandbox, table, row, url)

    record = await sandbox.store.run(read)
    if record is None:
        raise _not_found(table, rid)
    return json_response(record)


@router.patch(PREFIX + "/{record_type}/{record_id}")
async def patch_record(request: Request, record_type: str, record_id: str) -> Response:
    sandbox = get_sandbox(request)
    try:
        table = _record_type(sandbox, record_type)
        rid = _record_id(record_id)
        body = _json_object(await request.body())

        def apply() -> None:
            row = sandbox.store.get_row(table, rid)
            if row is None:
                raise _not_found(table, rid)
            values = coerce_patch(sandbox, table, body)
            check_subscription_change(row, values)
            if sandbox.store.is_locked(table, rid):
                raise NetSuiteError(
                    400,
                    "USER_ERROR",
                    "This record is locked by a workflow action or is being "
                    "edited by another process and cannot be saved. Try again later.",
                )
            sandbox.store.update_fields(table, rid, values, int(time.time()))

        await sandbox.store.run(apply)
    except NetSuiteError:
        sandbox.stats.patch_failures += 1
        raise
    sandbox.stats.patches += 1
    return Response(status_code=204, headers={"Location": f"{base_url(request)}{PREFIX}/{table}/{rid}"})


def check_subscription_change(row: dict[str, Any], values: dict[str, object]) -> None:
    """NetSuite's consent rules (API_FACTS, subscription status): "You cannot set confirmed statuses on the
    record or through an import", and once a recipient has opted out for good "no one in your company can
    resubscribe them". Refused even when the value would not change, so a client never sends them."""
    if "globalsubscriptionstatus" not in values:
        return
    wanted = values["globalsubscriptionstatus"]
    if isinstance(wanted, int) and wanted in CONFIRMED_STATUSES:
        raise NetSuiteError(
            400,
            "USER_ERROR",
            f"You cannot set confirmed statuses on the record or through an import "
            f"('{SUBSCRIPTION_STATUSES[wanted]}'); only the recipient can.",
            path="globalSubscriptionStatus",
        )
    if row.get("globalsubscriptionstatus") == CONFIRMED_OPT_OUT:
        raise NetSuiteError(
            400,
            "USER_ERROR",
            "The recipient has confirmed their opt-out: no one in your company can resubscribe them "
            "or change their subscription status.",
            path="globalSubscriptionStatus",
        )


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except ValueError as exc:
        raise NetSuiteError(400, "INVALID_CONTENT", "The request body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise NetSuiteError(400, "INVALID_CONTENT", "The request body must be a JSON object.")
    return body


def coerce_patch(sandbox: Sandbox, table: str, body: dict[str, Any]) -> dict[str, object]:
    """Record-API field values -> stored column values; the whole PATCH fails on the first bad field."""
    by_name = sandbox.schema.by_record_name(table)
    values: dict[str, object] = {}
    for key, value in body.items():
        spec = by_name.get(key)
        if spec is None:
            raise NetSuiteError(
                400,
                "NONEXISTENT_FIELD",
                f"Invalid field name: '{key}'. The field does not exist on record type '{table}'.",
                path=key,
            )
        if not spec.writable:
            raise NetSuiteError(400, "USER_ERROR", f"The field '{key}' is read-only.", path=key)
        values[spec.name] = _coerce(sandbox, spec, key, value)
    return values


def _coerce(sandbox: Sandbox, spec: FieldSpec, key: str, value: Any) -> object:
    if value is None:
        if spec.default is not None:  # a list every record has: it cannot be emptied
            raise NetSuiteError(
                400, "USER_ERROR", f"Please enter value(s) for: {spec.record_name}.", path=key
            )
        return "F" if spec.type == "checkbox" else None

    def bad(expected: str) -> NetSuiteError:
        return NetSuiteError(
            400,
            "INVALID_PARAMETER",
            f"Invalid value for the field '{key}': {value!r}. Expected {expected}.",
            path=key,
        )

    if spec.type == "text":
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise bad("a string")
        return str(value)
    if spec.type == "integer":
        if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
            raise bad("an integer")
        return int(value)
    if spec.type == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad("a number")
        return float(value)
    if spec.type == "checkbox":
        if not isinstance(value, bool):
            raise bad("true or false")
        return "T" if value else "F"
    if spec.type in ("date", "datetime"):
        try:
            return sandbox.clock.parse_iso(str(value))
        except ValueError as exc:
            raise bad("an ISO-8601 date") from exc
    if spec.type == "ref":
        ref_id = value.get("id") if isinstance(value, dict) else None
        if not str(ref_id or "").isdigit():
            raise bad('a reference like {"id": "12"}')
        target = sandbox.store.get_row(spec.ref or "customer", int(ref_id))
        if target is None or (spec.ref == EMPLOYEE and not _selectable_rep(target)):
            raise NetSuiteError(400, "USER_ERROR", f"Invalid {key} reference key {ref_id}.", path=key)
        return int(ref_id)
    if spec.type == "list":
        return _list_choice(spec, key, value, bad)
    raise bad("a supported value")


def _selectable_rep(employee: dict[str, Any]) -> bool:
    """Only an active employee marked as a sales rep can be chosen as one (the field lists no others)."""
    return employee.get("issalesrep") == "T" and employee.get("isinactive") != "T"


def _list_choice(spec: FieldSpec, key: str, value: Any, bad: Callable[[str], NetSuiteError]) -> int:
    """``{"id": "2"}`` or ``{"refName": "Soft Opt-Out"}`` (both: they must agree) -> the list's id."""
    if not isinstance(value, dict) or not ({"id", "refName"} & set(value)):
        raise bad('a reference like {"id": "2"} or {"refName": "Soft Opt-Out"}')
    options = LISTS[spec.ref or spec.name]
    by_name = {name: number for number, name in options.items()}
    chosen: set[int | None] = set()
    if "id" in value:
        raw = value["id"]
        chosen.add(int(raw) if isinstance(raw, int | str) and str(raw).isdigit() else None)
    if "refName" in value:
        chosen.add(by_name.get(value["refName"]) if isinstance(value["refName"], str) else None)
    if len(chosen) == 1:
        (number,) = chosen
        if number is not None and number in options:
            return number
    shown = value.get("id", value.get("refName"))
    raise NetSuiteError(400, "USER_ERROR", f"Invalid {key} reference key {shown}.", path=key)


@router.post(PREFIX + "/{record_type}")
async def create_record(request: Request, record_type: str) -> Response:
    """Create one record (customers only): 204, no body, ``Location`` naming the new id."""
    sandbox = get_sandbox(request)
    try:
        table = _record_type(sandbox, record_type)
        if table not in CREATABLE:
            raise NetSuiteError(
                400,
                "INVALID_PARAMETER",
                f"sandbox: creating {table} records is not supported (only {', '.join(CREATABLE)}).",
            )
        body = _json_object(await request.body())
        now = int(time.time())

        def create() -> int:
            values = coerce_create(sandbox, table, body)
            return sandbox.store.insert_record(table, values, now)

        rid = await sandbox.store.run(create)
    except NetSuiteError:
        sandbox.stats.create_failures += 1
        raise
    sandbox.stats.creates += 1
    return Response(status_code=204, headers={"Location": f"{base_url(request)}{PREFIX}/{table}/{rid}"})


def coerce_create(sandbox: Sandbox, table: str, body: dict[str, Any]) -> dict[str, object]:
    """A new customer's stored values from its record-API body; the whole create fails on the first problem.

    Fields as in a PATCH (unknown -> NONEXISTENT_FIELD, read-only -> USER_ERROR, wrong type ->
    INVALID_PARAMETER, a reference to nothing -> USER_ERROR), plus ``entityStatus`` (required; an active
    status: its stage gives ``searchStage``), ``companyName`` required for a company (``isPerson`` false or
    absent), ``firstName`` and ``lastName`` for an individual, an email that looks like one, and no
    confirmed subscription status.
    """
    status_body = body.get("entityStatus")
    values = coerce_patch(sandbox, table, {k: v for k, v in body.items() if k != "entityStatus"})
    check_subscription_change({}, values)
    if status_body is None:
        raise _required("Status", "entityStatus")
    status = status_body.get("id") if isinstance(status_body, dict) else None
    if not isinstance(status, int | str) or isinstance(status, bool) or not str(status).isdigit():
        raise NetSuiteError(
            400,
            "INVALID_PARAMETER",
            f"Invalid value for the field 'entityStatus': {status_body!r}. Expected a reference like "
            '{"id": "6"}.',
            path="entityStatus",
        )
    chosen = CUSTOMER_STATUSES.get(int(status))
    if chosen is None or chosen.isinactive:
        raise NetSuiteError(
            400, "USER_ERROR", f"Invalid entityStatus reference key {status}.", path="entityStatus"
        )
    values["entitystatus"] = int(status)
    values["searchstage"] = STAGES[chosen.stage][0]
    if values.get("isperson") == "T":
        missing = [
            (label, key) for label, key in (("First Name", "firstName"), ("Last Name", "lastName"))
            if not str(values.get(key.lower()) or "").strip()
        ]  # fmt: skip
        if missing:
            raise _required(", ".join(label for label, _ in missing), missing[0][1])
        values.setdefault("entityid", f"{values['firstname']} {values['lastname']}")
    else:
        if not str(values.get("companyname") or "").strip():
            raise _required("Company Name", "companyName")
        values.setdefault("entityid", values["companyname"])
    email = values.get("email")
    if email is not None and not _EMAIL.match(str(email)):
        raise NetSuiteError(400, "USER_ERROR", f"Invalid email address: {email!r}.", path="email")
    return values


def _required(labels: str, path: str) -> NetSuiteError:
    """NetSuite's missing-mandatory-field error, naming the fields by their labels."""
    return NetSuiteError(400, "USER_ERROR", f"Please enter value(s) for: {labels}.", path=path)


@router.get(PREFIX + "/{record_type}")
async def list_records(
    request: Request,
    record_type: str,
    limit: str | None = None,
    offset: str | None = None,
    q: str | None = None,
) -> Response:
    sandbox = get_sandbox(request)
    table = _record_type(sandbox, record_type)
    limit_value, offset_value = parse_paging(limit, offset)
    where, params = parse_q(sandbox, table, q)

    def read() -> tuple[int, list[tuple[Any, ...]]]:
        total = sandbox.store.query(f"SELECT COUNT(*) FROM {table} WHERE {where}", params)[0][0]
        rows = sandbox.store.query(
            f"SELECT id FROM {table} WHERE {where} ORDER BY id LIMIT ? OFFSET ?",
            [*params, limit_value, offset_value],
        )
        return total, rows

    total, rows = await sandbox.store.run(read)
    check_offset_in_range(offset_value, total)
    url = base_url(request)
    items = [
        {"links": [{"rel": "self", "href": f"{url}{PREFIX}/{table}/{rid}"}], "id": str(rid)}
        for (rid,) in rows
    ]
    extra = {"q": q} if q else None
    return json_response(envelope(f"{url}{PREFIX}/{table}", items, limit_value, offset_value, total, extra))


def parse_q(sandbox: Sandbox, table: str, q: str | None) -> tuple[str, list[object]]:
    """The listing's ``q``: conditions joined by AND, e.g. ``lastModifiedDate ON_OR_AFTER "1/31/2026"``."""
    if not q or not q.strip():
        return "1=1", []
    clauses: list[str] = []
    params: list[object] = []
    by_name = {name.lower(): spec for name, spec in sandbox.schema.by_record_name(table).items()}
    for condition in _AND.split(q.strip()):
        match = _CONDITION.match(condition)
        if not match:
            raise _q_error(f"cannot read the condition '{condition}'")
        name, operator, raw = match.group(1), match.group(2).upper(), match.group(3)
        spec = by_name.get(name.lower())
        if spec is None:
            raise _q_error(f"unknown field '{name}'")
        value = raw[1:-1] if raw and raw.startswith('"') else raw
        if operator in ("EMPTY", "EMPTY_NOT"):
            clauses.append(f"{spec.name} IS {'NOT ' if operator == 'EMPTY_NOT' else ''}NULL")
            continue
        if value is None:
            raise _q_error(f"the operator {operator} needs a value")
        if spec.temporal and operator in DATE_OPERATORS:
            clauses.append(_date_clause(sandbox, spec.name, operator, value, params))
        elif operator in VALUE_OPERATORS and not spec.temporal:
            clauses.append(f"{spec.name} {VALUE_OPERATORS[operator]} ?")
            params.append(_q_value(spec, value))
        elif operator in ("START_WITH", "CONTAIN") and spec.type == "text":
            clauses.append(f"{spec.name} LIKE ? ESCAPE '\\'")
            escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"{escaped}%" if operator == "START_WITH" else f"%{escaped}%")
        else:
            raise _q_error(f"the operator {operator} is not supported for '{name}'")
    return " AND ".join(clauses), params


def _date_clause(sandbox: Sandbox, column: str, operator: str, value: str, params: list[object]) -> str:
    try:
        day = sandbox.clock.parse_pref_date(value)
    except ValueError as exc:
        raise _q_error(str(exc)) from exc
    start = sandbox.clock.local_midnight(day)
    end = sandbox.clock.local_midnight(day + timedelta(days=1))
    if operator == "ON":
        params.extend([start, end])
        return f"({column} >= ? AND {column} < ?)"
    bound, sign = {
        "AFTER": (end, ">="),
        "ON_OR_AFTER": (start, ">="),
        "BEFORE": (start, "<"),
        "ON_OR_BEFORE": (end, "<"),
    }[operator]
    params.append(bound)
    return f"{column} {sign} ?"


def _q_value(spec: FieldSpec, value: str) -> object:
    if spec.type == "checkbox":
        return "T" if value.lower() in ("true", "t") else "F"
    if spec.type in ("id", "integer", "ref", "list"):
        if not value.lstrip("-").isdigit():
            raise _q_error(f"'{value}' is not a number")
        return int(value)
    return value


def _q_error(message: str) -> NetSuiteError:
    return NetSuiteError(
        400, "INVALID_PARAMETER", f"Invalid query parameter 'q': {message}.", query_param="q"
    )
