"""Preflight: before a sync touches data, prove the role can do what the sync needs, and say what is missing.

Checks SuiteQL on contact and customer, runs the contacts template on one row (so a renamed column is
caught), and for each configured custom field: that SuiteQL can select it (a 400 naming it means it does
not exist) and that the record API lets us write it (a no-op PATCH with its current value; 400
NONEXISTENT_FIELD or 403 INSUFFICIENT_PERMISSION say why not).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from netsuite_acton.errors import PermanentSyncError
from netsuite_acton.hooks.netsuite import NetSuiteHook
from netsuite_acton.hooks.netsuite.errors import NetSuiteError
from netsuite_acton.hooks.netsuite.suiteql import render, sql_identifier, sql_int, watermark_literal
from netsuite_acton.sources.suiteql_templates import load_template

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreflightCheck:
    """One thing preflight verified: ``status`` is "ok", "problem" or "skipped" (could not be checked)."""

    name: str
    status: str
    detail: str = ""


class NetSuitePreflightError(PermanentSyncError):
    """Preflight found problems (a missing field, a missing privilege); the message lists every one."""


@dataclass
class PreflightReport:
    """What works and what is missing before a sync touches data."""

    account_id: str
    checks: list[PreflightCheck] = field(default_factory=list)

    def add(self, name: str, status: str, detail: str = "") -> None:
        self.checks.append(PreflightCheck(name, status, detail))

    @property
    def problems(self) -> list[PreflightCheck]:
        return [check for check in self.checks if check.status == "problem"]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        lines = [f"NetSuite preflight for account {self.account_id}:"]
        lines += [f"  [{c.status}] {c.name}{': ' + c.detail if c.detail else ''}" for c in self.checks]
        return "\n".join(lines)

    def raise_for_problems(self) -> None:
        """Raise :class:`NetSuitePreflightError` naming every problem (and what to fix), if any."""
        if self.problems:
            listed = "\n".join(f"  - {c.name}: {c.detail}" for c in self.problems)
            raise NetSuitePreflightError(
                f"NetSuite account {self.account_id} is not ready for the sync "
                f"({len(self.problems)} problem(s)):\n{listed}"
            )


#: SuiteQL column -> record-API field name, for the standard fields a DAG writes where the two differ.
RECORD_NAMES: Mapping[str, str] = {"globalsubscriptionstatus": "globalSubscriptionStatus"}


def run_preflight(
    hook: NetSuiteHook,
    contact_fields: Sequence[str] = ("custentity_acton_score",),
    customer_fields: Sequence[str] = (),
    write_check: bool = True,
    suiteql_dir: str | Path | None = None,
) -> PreflightReport:
    """Check, before a sync, what its privileges imply: SuiteQL on contact and customer, the contacts
    template's columns, and that each custom field exists and can be written (a no-op PATCH of one
    record with its current value). Returns a report; call ``raise_for_problems()`` to fail loudly.

    The write check bumps that record's ``lastmodifieddate`` (NetSuite saves it), so callers that run
    often can skip it once it has passed (``write_check=False``): existence is still checked.
    Standard fields are written under their record-API names (:data:`RECORD_NAMES`); custom fields share
    one name in SuiteQL and the record API.
    """
    report = Preflight(hook, write_check=write_check, suiteql_dir=suiteql_dir).run(
        contact_fields, customer_fields
    )
    log.info("%s", report.summary())
    return report


class Preflight:
    """The checks, run against one hook; :meth:`run` returns the report."""

    def __init__(
        self, hook: NetSuiteHook, write_check: bool = True, suiteql_dir: str | Path | None = None
    ) -> None:
        self.hook = hook
        self.write_check = write_check
        self.suiteql_dir = suiteql_dir
        self.report = PreflightReport(hook.settings.account_id)

    def run(self, contact_fields: Sequence[str], customer_fields: Sequence[str]) -> PreflightReport:
        try:
            contact_id = self._table("contact", "c")
        except NetSuiteError as exc:  # 401: nothing else can be checked
            self.report.add(
                "authentication", "problem", f"NetSuite rejected the credentials ({exc.code}): {exc.detail}"
            )
            return self.report
        customer_id = self._table("customer", "cu")
        self._template(contact_id)
        fields = [("contact", contact_id, n) for n in contact_fields]
        fields += [("customer", customer_id, n) for n in customer_fields]
        existing = [field for field in fields if self._field_exists(*field)]
        # Write only once everything else passed: a failing preflight must not have written anything.
        write = self.write_check and not self.report.problems
        verdict = "exists and is writable" if write else "exists (write check skipped)"
        for table, record_id, column in existing:
            problem = self._field_not_writable(table, str(record_id), column) if write else None
            self.report.add(f"field {table}.{column}", "problem" if problem else "ok", problem or verdict)
        return self.report

    def _table(self, table: str, alias: str) -> str | None:
        """SuiteQL on the table works; returns one record id to test fields on. Re-raises a 401."""
        name = f"SuiteQL on {table}"
        try:
            page = self.hook.suiteql(f"SELECT {alias}.id FROM {table} {alias} ORDER BY {alias}.id", limit=1)
        except NetSuiteError as exc:
            if exc.status == 401:
                raise
            self.report.add(name, "problem", _explain(exc, f"the role cannot query {table} records"))
            return None
        items = page.get("items") or []
        self.report.add(name, "ok", f"{page.get('totalResults', len(items))} rows")
        return str(items[0]["id"]) if items else None

    def _template(self, contact_id: str | None) -> None:
        name = "contacts template (include/suiteql/contacts.sql)"
        if contact_id is None:
            self.report.add(name, "skipped", "no contact to run it on")
            return
        try:
            rid = int(contact_id)
            query = render(
                load_template("contacts", self.suiteql_dir),
                after_id=sql_int(rid - 1),
                upper_id=sql_int(rid),
                modified_since=watermark_literal(None, self.hook.settings.timezone),
            )
            self.hook.suiteql(query, limit=1)
        except (NetSuiteError, ValueError, OSError) as exc:
            self.report.add(name, "problem", _explain(exc, "fix the template's columns or joins"))
            return
        self.report.add(name, "ok")

    def _field_exists(self, table: str, record_id: str | None, name: str) -> bool:
        """Read-only: the field id is valid and SuiteQL knows it (a missing field is reported here)."""
        label = f"field {table}.{name}"
        try:
            column = sql_identifier(name).text
        except ValueError as exc:
            self.report.add(label, "problem", str(exc))
            return False
        if record_id is None:
            self.report.add(label, "skipped", f"no {table} record to test it on")
            return False
        problem = self._field_missing(table, record_id, column)
        if problem:
            self.report.add(label, "problem", problem)
        return problem is None

    def _field_missing(self, table: str, record_id: str, column: str) -> str | None:
        try:
            query = f"SELECT x.id, x.{column} FROM {table} x WHERE x.id = {sql_int(record_id)}"
            self.hook.suiteql(query, limit=1)
        except NetSuiteError as exc:
            if exc.status == 400 and column in exc.detail.lower():
                return (
                    f"does not exist on {table} records ({exc.code}: {exc.detail}); "
                    f"create the custom field '{column}' or fix the configured field id"
                )
            return _explain(exc, f"cannot read '{column}' on {table} records")
        return None

    def _field_not_writable(self, table: str, record_id: str, column: str) -> str | None:
        """PATCH the field with its current value: a write that changes nothing but proves the privilege."""
        name = RECORD_NAMES.get(column, column)
        try:
            current = self.hook.get_record(table, record_id).get(name)
        except NetSuiteError as exc:
            return _explain(exc, f"the role cannot read {table} records")
        if isinstance(current, dict) and "id" in current:
            current = {"id": current["id"]}
        result = self.hook.update_records(table, [(record_id, {name: current})], max_workers=1)[0]
        if result.ok:
            return None
        if result.error_code == "USER_ERROR":
            # the test record is locked by a workflow or being edited: that says nothing about privileges
            self.report.add(
                f"write test on {table} {record_id}", "skipped", "record locked; write privilege not proven"
            )
            return None
        if result.error_code == "NONEXISTENT_FIELD":
            return f"not writable through the record API ({result.error_code}): {result.detail}"
        if result.status == 403:
            return (
                f"the role may not edit {table} records or this field ({result.error_code}): {result.detail}"
            )
        return f"write test failed ({result.status} {result.error_code}): {result.detail}"


def _explain(exc: Exception, hint: str) -> str:
    if isinstance(exc, NetSuiteError):
        return f"{exc.status} {exc.code or ''}: {exc.detail} ({hint})".replace("  ", " ")
    return f"{exc} ({hint})"
