"""Preflight step: prove the NetSuite role can read contacts and write the score fields, before any write."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import SyncStepOperator

if TYPE_CHECKING:
    from airflow.sdk import Context


class NetSuitePreflightOperator(SyncStepOperator):
    """Fail with a message naming each missing field or privilege; return what was checked."""

    ui_color = "#fff3d6"

    def __init__(self, *, netsuite_conn_id: str = "netsuite_default", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.netsuite_conn_id = netsuite_conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.hooks.netsuite import NetSuiteHook

        cfg = self.sync_config.reverse
        customer_fields = [cfg.lead_field] if cfg.lead_field else []
        hook = NetSuiteHook(netsuite_conn_id=self.netsuite_conn_id)
        report = hook.preflight(contact_fields=[cfg.contact_field], customer_fields=customer_fields)
        report.raise_for_problems()
        self.log.info("Preflight passed: contact field %s, lead field %s", cfg.contact_field, cfg.lead_field)
        return {"contact_field": cfg.contact_field, "lead_field": cfg.lead_field, "ok": True}
