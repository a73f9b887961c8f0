"""Read steps of the opt-out sync: opted-out NetSuite records, and Act-On's consent lists, since a watermark.

Each read starts ``consent.lookback_minutes`` before its watermark (clock skew, late commits, Act-On's
unconfirmed ``createdafter`` unit); the repeats this brings are harmless, because entries are remembered
by (kind, address). ``full_resync`` reads everything. The commit step moves the watermarks to each read's
start, and only after every entry read has been remembered.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import ActOnStepOperator, NetSuiteStepOperator, SyncStepOperator, param
from netsuite_acton.operators.folders import (
    ACTON_CONSENT,
    ACTON_CONSENT_WATERMARK,
    NETSUITE_OPTOUTS,
    NETSUITE_OPTOUTS_WATERMARK,
)

if TYPE_CHECKING:
    from airflow.sdk import Context


def read_window(step: SyncStepOperator, context: Context, watermark: str) -> datetime | None:
    """Where this run's read starts: None (everything) on a full resync or a first run."""
    if bool(param(context, "full_resync", False)):
        return None
    mark = step.state().get_watermark(watermark)
    if mark is None:
        return None
    return mark - timedelta(minutes=step.sync_config.consent.lookback_minutes)


class ReadNetSuiteOptOutsOperator(NetSuiteStepOperator):
    """Contacts and customers changed since the watermark (a first run or full resync: those at 2 or 4)."""

    ui_color = "#fde8e8"

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.hooks.netsuite import NetSuiteHook
        from netsuite_acton.operators.staging import ChunkWriter
        from netsuite_acton.sources.netsuite_consent import NetSuiteConsent
        from netsuite_acton.sync.report import RunReport

        staging = self.staging(context)
        staging.reset_step(NETSUITE_OPTOUTS)
        if not self.sync_config.consent.enabled:
            self.log.info("consent.enabled is false: nothing read")
            return {"report": RunReport(direction="consent").to_dict(), "started_at": None, "rows": 0}
        started_at = datetime.now(UTC)
        since = read_window(self, context, NETSUITE_OPTOUTS_WATERMARK)
        hook = NetSuiteHook(netsuite_conn_id=self.netsuite_conn_id)
        writer = ChunkWriter(staging, NETSUITE_OPTOUTS, self.sync_config.forward.chunk_rows)
        # incremental: every changed record, so a new record with an address opted out elsewhere is seen
        for frame in NetSuiteConsent(hook).opted_out_since(since, any_status=since is not None):
            writer.add(frame)
        rows = writer.close()["rows"]
        self.log.info(
            "Read %d NetSuite records (opted out, or changed) since %s",
            rows,
            since.isoformat() if since else "ever",
        )
        report = RunReport(direction="consent", extracted=rows, calls={"netsuite": hook.calls_made})
        report.count({"netsuite_records_read": rows})
        return {
            "report": report.to_dict(),
            "started_at": started_at.isoformat(),
            "since": since.isoformat() if since else None,
            "rows": rows,
        }


class ReadActOnConsentOperator(ActOnStepOperator):
    """Act-On's opt-outs, spam complaints (``consent.spam_complaints``) and hard bounces (when
    ``reverse.hard_bounce_field`` names a field) created since the watermark."""

    ui_color = "#fde8e8"

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.hooks.acton import ActOnHook
        from netsuite_acton.operators.staging import ChunkWriter
        from netsuite_acton.sync.consent import acton_entries
        from netsuite_acton.sync.report import RunReport

        staging = self.staging(context)
        staging.reset_step(ACTON_CONSENT)
        if not self.sync_config.consent.enabled:
            self.log.info("consent.enabled is false: nothing read")
            return {"report": RunReport(direction="consent").to_dict(), "started_at": None, "rows": 0}
        started_at = datetime.now(UTC)
        since = read_window(self, context, ACTON_CONSENT_WATERMARK)
        hook = ActOnHook(acton_conn_id=self.acton_conn_id)
        writer = ChunkWriter(staging, ACTON_CONSENT, self.sync_config.forward.chunk_rows)
        counts: dict[str, int] = {}
        for kind in self.kinds:
            for page in hook.consent_entries(kind, created_after=since):
                frame = acton_entries(kind, page)
                writer.add(frame)
                counts[f"acton_{kind}_read"] = counts.get(f"acton_{kind}_read", 0) + len(frame)
        rows = writer.close()["rows"]
        self.log.info("Read %d Act-On consent entries since %s: %s", rows, since or "ever", counts)
        report = RunReport(direction="consent", extracted=rows, calls={"acton": hook.calls_made}).count(
            counts
        )
        return {
            "report": report.to_dict(),
            "started_at": started_at.isoformat(),
            "since": since.isoformat() if since else None,
            "rows": rows,
        }

    @property
    def kinds(self) -> list[str]:
        """The lists to read: opt-outs always; spam complaints and hard bounces when configured."""
        from netsuite_acton.sync.consent import HARD_BOUNCE, OPTOUT, SPAM_COMPLAINT

        kinds = [OPTOUT]
        if self.sync_config.consent.spam_complaints:
            kinds.append(SPAM_COMPLAINT)
        if self.sync_config.reverse.hard_bounce_field:
            kinds.append(HARD_BOUNCE)
        return kinds
