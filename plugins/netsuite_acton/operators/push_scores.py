"""Push and commit steps of the reverse sync: PATCH the changed scores into NetSuite, remember them."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import NetSuiteStepOperator, SyncStepOperator, param
from netsuite_acton.operators.folders import RESULTS, SCORES_WATERMARK, TO_PUSH

if TYPE_CHECKING:
    import pandas as pd
    from airflow.sdk import Context


class PushScoresOperator(NetSuiteStepOperator):
    """One PATCH per record, concurrently within the connection's budget; every outcome kept.

    Records NetSuite refuses (locked by a workflow, permission, validation) are results with
    NetSuite's code, never exceptions: they do not block the others, they are not committed (so the
    next run retries them), and the report fails the run only above ``failure_rate_threshold``.
    Nothing to push means no NetSuite call at all.
    """

    ui_color = "#d6ecff"

    def execute(self, context: Context) -> dict[str, Any]:

        from netsuite_acton.sync.report import RunReport, write_targets

        staging = self.staging(context)
        staging.reset_step(RESULTS)
        to_push = next(staging.iter_chunks(TO_PUSH))
        if bool(param(context, "dry_run", False)):
            would = write_targets(to_push, prefix="would_write:")
            self.log.info("Dry run: would write %s", would)
            report = RunReport(direction="reverse", dry_run=True, counters=would)
            return {"report": report.to_dict(), "attempted": 0, "failed": 0}
        if to_push.empty:
            self.log.info("No score changed: nothing to write, no NetSuite call made")
            return {"report": RunReport(direction="reverse").to_dict(), "attempted": 0, "failed": 0}
        results, calls = self._push(to_push)
        staging.write_chunk(RESULTS, 0, results)
        return self._summarise(results, calls)

    def _push(self, to_push: pd.DataFrame) -> tuple[pd.DataFrame, int]:
        import pandas as pd

        from netsuite_acton.hooks.netsuite import NetSuiteHook

        hook = NetSuiteHook(netsuite_conn_id=self.netsuite_conn_id)
        parts = []
        for (record_type, field_id), group in to_push.groupby(["record_type", "field_id"], sort=True):
            updates = [
                (rid, {str(field_id): v}) for rid, v in zip(group["record_id"], group["value"], strict=True)
            ]
            outcomes = hook.update_records(str(record_type), updates)
            frame = pd.DataFrame([asdict(o) for o in outcomes])
            parts.append(frame.assign(field_id=str(field_id), value=group["value"].to_numpy()))
        return pd.concat(parts, ignore_index=True), hook.calls_made

    def _summarise(self, results: pd.DataFrame, calls: int) -> dict[str, Any]:
        from netsuite_acton.sync.report import RunReport

        report = RunReport.from_record_writes(results, calls, direction="reverse")
        failed = sum(report.rejected.values())
        if failed:
            self.log.warning(
                "%d of %d writes failed %s; they are retried next run", failed, len(results), report.rejected
            )
        return {"report": report.to_dict(), "attempted": len(results), "failed": failed}


class CommitScoresOperator(SyncStepOperator):
    """Remember the value written to each record that NetSuite accepted (upserts; dry run: nothing).

    The download watermark moves to this run's start only when every write succeeded and every list
    was read: a refused record is then downloaded again, and retried, by the next run.
    """

    template_fields: tuple[str, ...] = (*SyncStepOperator.template_fields, "push_result", "extract_result")
    ui_color = "#d6ecff"

    def __init__(self, *, push_result: Any = None, extract_result: Any = None, **kwargs: Any) -> None:
        """The push and extract_scores steps' return values, wired in the DAG as ``.output``."""
        super().__init__(**kwargs)
        self.push_result = push_result
        self.extract_result = extract_result

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.sync.report import RunReport
        from netsuite_acton.sync.scores import pushed_records

        if bool(param(context, "dry_run", False)):
            return {"report": RunReport(direction="reverse", dry_run=True).to_dict(), "committed": 0}
        staging = self.staging(context)
        state = self.state()
        committed = 0
        for results in staging.iter_chunks(RESULTS):
            accepted = results.loc[results["ok"].astype(bool)]
            committed += state.record_pushed(pushed_records(accepted), run_id=context["run_id"])
        self.log.info("Committed %d written values", committed)
        watermark = self._advance_watermark(context, state)
        report = RunReport(direction="reverse", counters={"committed_values": committed})
        return {"report": report.to_dict(), "committed": committed, "watermark": watermark}

    def _advance_watermark(self, context: Context, state: Any) -> str | None:
        from datetime import datetime

        push = self.push_result or {}
        extract = self.extract_result or {}
        if push.get("failed") or param(context, "lists") or extract.get("missing_lists"):
            self.log.info("Download watermark kept: failed writes, a partial list set or missing lists")
            return None
        started_at = datetime.fromisoformat(extract["started_at"])
        state.set_watermark(SCORES_WATERMARK, started_at, run_id=context["run_id"])
        return started_at.isoformat()
