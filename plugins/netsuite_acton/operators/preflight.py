"""Preflight steps: prove the NetSuite role can read and write what a DAG will write, before any write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import NetSuiteStepOperator, param

if TYPE_CHECKING:
    from airflow.sdk import Context


WRITE_CHECK_EVERY = timedelta(hours=24)


class NetSuitePreflightOperator(NetSuiteStepOperator):
    """Fail with a message naming each missing field or privilege; return what was checked.

    Field existence and SuiteQL access are checked on every run (reads only). The write check, a no-op
    PATCH that NetSuite still saves (it bumps the record's last-modified date and fires its workflows),
    runs at most once a day per field set, remembered in the state store, and never in a dry run.
    This one checks the score fields (reverse DAG); subclasses name other fields in :meth:`fields`.
    """

    ui_color = "#fff3d6"

    def fields(self) -> tuple[list[str], list[str]]:
        """(contact fields, customer fields) the DAG writes as SuiteQL columns: scores, ``reverse.fields``."""
        cfg = self.sync_config.reverse
        individuals = self.sync_config.forward.include_individuals
        contact = [cfg.contact_field, *(f.field for f in cfg.fields if f.record == "contact")]
        customer = [
            cfg.lead_field,
            cfg.individual_field if individuals else None,
            *(f.field for f in cfg.fields if f.record == "customer"),
        ]
        return list(dict.fromkeys(contact)), [name for name in dict.fromkeys(customer) if name]

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.hooks.netsuite import NetSuiteHook
        from netsuite_acton.sources.netsuite_preflight import run_preflight

        contact_fields, customer_fields = self.fields()
        state = self.state()
        marker = "preflight_write_check:" + ",".join([*contact_fields, *customer_fields])
        last = state.get_watermark(marker)
        now = datetime.now(UTC)
        dry_run = bool(param(context, "dry_run", False))
        write_check = not dry_run and (last is None or now - last > WRITE_CHECK_EVERY)
        hook = NetSuiteHook(netsuite_conn_id=self.netsuite_conn_id)
        report = run_preflight(
            hook,
            contact_fields=contact_fields,
            customer_fields=customer_fields,
            write_check=write_check,
        )
        report.raise_for_problems()
        if write_check:
            state.set_watermark(marker, now, run_id=context["run_id"])
        self.log.info(
            "Preflight passed: contact fields %s, customer fields %s (write check %s)",
            contact_fields,
            customer_fields,
            "done"
            if write_check
            else ("skipped: dry run" if dry_run else f"passed at {last:%Y-%m-%d %H:%M}"),
        )
        return {
            "contact_fields": contact_fields,
            "customer_fields": customer_fields,
            "write_check": write_check,
            "ok": True,
        }


class ConsentPreflightOperator(NetSuitePreflightOperator):
    """The opt-out DAG's fields: ``globalsubscriptionstatus`` on contacts and customers, and the
    hard-bounce checkbox when ``reverse.hard_bounce_field`` names one."""

    def fields(self) -> tuple[list[str], list[str]]:
        from netsuite_acton.sync.consent import STATUS_FIELD

        bounce = self.sync_config.reverse.hard_bounce_field
        names = [STATUS_FIELD, *([bounce] if bounce else [])]
        return names, list(names)
