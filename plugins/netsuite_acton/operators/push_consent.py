"""Write steps of the opt-out sync: addresses onto Act-On's opt-out list, Soft Opt-Out into NetSuite.

Both only carry out the plan, and only in the direction of opting out. A dry run reports what would be
written and makes no call. NetSuite records that refuse the write (locked by a workflow, a permission)
are results with NetSuite's code, not exceptions: their entries stay owed and the next run retries them;
the report fails the run above ``consent.failure_rate_threshold``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import ActOnStepOperator, NetSuiteStepOperator, param
from netsuite_acton.operators.folders import CONSENT_RESULTS, TO_ACTON_OPTOUT, TO_NETSUITE_CONSENT

if TYPE_CHECKING:
    import pandas as pd
    from airflow.sdk import Context


class PushActOnOptOutsOperator(ActOnStepOperator):
    """Add the planned addresses to Act-On's account opt-out list (CSV uploads of 50,000 addresses)."""

    ui_color = "#fde8e8"

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.hooks.acton import ActOnHook
        from netsuite_acton.sync.report import RunReport

        staging = self.staging(context)
        emails = [
            email for chunk in staging.iter_chunks(TO_ACTON_OPTOUT, ["email"]) for email in chunk["email"]
        ]
        if bool(param(context, "dry_run", False)):
            self.log.info("Dry run: would add %d addresses to Act-On's opt-out list", len(emails))
            report = RunReport(
                direction="consent", dry_run=True, counters={"would_add:acton:optout": len(emails)}
            )
            return {"report": report.to_dict(), "added": 0, "rejected": 0}
        if not emails:
            self.log.info("No address to add to Act-On's opt-out list: no Act-On call made")
            return {"report": RunReport(direction="consent").to_dict(), "added": 0, "rejected": 0}
        hook = ActOnHook(acton_conn_id=self.acton_conn_id)
        outcome = hook.add_optouts(emails)
        if outcome.rejected:
            self.log.warning(
                "Act-On rejected %d of %d opt-out addresses as invalid or empty (its rejected-records file "
                "names them); counted in the report",
                outcome.rejected,
                len(emails),
            )
        self.log.info(
            "Added %d addresses to Act-On's opt-out list in %d calls", outcome.processed, outcome.calls
        )
        report = RunReport(
            direction="consent",
            loaded_appended={"acton:optout": outcome.processed},
            rejected={"acton:optout_rejected": outcome.rejected} if outcome.rejected else {},
            calls={"acton": hook.calls_made},
        )
        return {"report": report.to_dict(), "added": outcome.processed, "rejected": outcome.rejected}


class PushNetSuiteConsentOperator(NetSuiteStepOperator):
    """PATCH the plan: ``globalSubscriptionStatus`` to Soft Opt-Out, the hard-bounce flag to true."""

    ui_color = "#fde8e8"

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.sync.report import RunReport, write_targets

        staging = self.staging(context)
        staging.reset_step(CONSENT_RESULTS)
        planned = staging.read_step(TO_NETSUITE_CONSENT)
        if bool(param(context, "dry_run", False)):
            would = write_targets(planned, prefix="would_write:")
            self.log.info("Dry run: would write %s", would)
            report = RunReport(direction="consent", dry_run=True, counters=would)
            return {"report": report.to_dict(), "attempted": 0, "failed": 0}
        if planned.empty:
            self.log.info("No NetSuite record to opt out: no NetSuite call made")
            return {"report": RunReport(direction="consent").to_dict(), "attempted": 0, "failed": 0}
        results, calls = self._write(planned)
        staging.write_chunk(CONSENT_RESULTS, 0, results)
        return self._summarise(results, calls)

    def _write(self, planned: pd.DataFrame) -> tuple[pd.DataFrame, int]:
        import pandas as pd

        from netsuite_acton.hooks.netsuite import NetSuiteHook
        from netsuite_acton.sources.netsuite_consent import NetSuiteConsent
        from netsuite_acton.sync.consent import STATUS_FIELD

        hook = NetSuiteHook(netsuite_conn_id=self.netsuite_conn_id)
        consent = NetSuiteConsent(hook)
        parts = []
        for (record_type, field_id), group in planned.groupby(["record_type", "field_id"], sort=True):
            ids = list(group["record_id"])
            if field_id == STATUS_FIELD:
                outcomes = consent.set_soft_opt_out(str(record_type), ids)
            else:
                outcomes = consent.set_checkbox(str(record_type), ids, str(field_id))
            done = pd.DataFrame([asdict(o) for o in outcomes]).drop(columns=["record_type", "record_id"])
            parts.append(pd.concat([group.reset_index(drop=True), done], axis=1))
        return pd.concat(parts, ignore_index=True), hook.calls_made

    def _summarise(self, results: pd.DataFrame, calls: int) -> dict[str, Any]:
        from netsuite_acton.sync.report import RunReport

        report = RunReport.from_record_writes(results, calls, direction="consent", prefix="netsuite:")
        failed = sum(report.rejected.values())
        if failed:
            self.log.warning(
                "%d of %d NetSuite consent writes failed %s; their entries stay owed, retried next run",
                failed,
                len(results),
                report.rejected,
            )
        return {"report": report.to_dict(), "attempted": len(results), "failed": failed}
