"""Push and commit steps of the reverse sync: PATCH the changed scores into NetSuite, remember them."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import NetSuiteStepOperator, SyncStepOperator, param
from netsuite_acton.operators.folders import (
    FIELD_RESULTS,
    FIELDS_TO_PUSH,
    RESULTS,
    SCORES_WATERMARK,
    TO_PUSH,
)

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
        import pandas as pd

        from netsuite_acton.hooks.netsuite import NetSuiteHook
        from netsuite_acton.sources.netsuite_field_values import drop_filled, push_field_values
        from netsuite_acton.sync.field_values import empty_field_updates
        from netsuite_acton.sync.report import RunReport, write_targets

        staging = self.staging(context)
        for step in (RESULTS, FIELD_RESULTS):
            staging.reset_step(step)
        to_push = next(staging.iter_chunks(TO_PUSH))
        fields = next(staging.iter_chunks(FIELDS_TO_PUSH), empty_field_updates())
        dry_run = bool(param(context, "dry_run", False))
        guarded = bool(fields["policy"].eq("if_empty").any())  # if_empty: NetSuite's values are read first
        nothing = to_push.empty and fields.empty
        hook = (
            NetSuiteHook(netsuite_conn_id=self.netsuite_conn_id)
            if guarded or not (dry_run or nothing)
            else None
        )
        filled = 0
        if hook is not None and guarded:
            fields, filled = drop_filled(hook, fields)
            self.log.info("%d if_empty fields already hold a value in NetSuite: left alone", filled)
        counters = {"fields_left_filled": filled} if filled else {}
        calls = {"netsuite": hook.calls_made} if hook is not None else {}
        if dry_run:
            would = {
                **write_targets(to_push, prefix="would_write:"),
                **write_targets(fields, prefix="would_write:"),
            }
            self.log.info("Dry run: would write %s", would)
            report = RunReport(direction="reverse", dry_run=True, counters={**would, **counters}, calls=calls)
            return {"report": report.to_dict(), "attempted": 0, "failed": 0}
        if to_push.empty and fields.empty:
            self.log.info("No score or field changed: nothing to write")
            report = RunReport(direction="reverse", counters=counters, calls=calls)
            return {"report": report.to_dict(), "attempted": 0, "failed": 0}
        results = self._push(hook, to_push)
        field_results = push_field_values(hook, fields)
        staging.write_chunk(RESULTS, 0, results)
        staging.write_chunk(FIELD_RESULTS, 0, field_results)
        self._log_refused_fields(field_results)
        written = pd.concat([results, field_results], ignore_index=True)
        return self._summarise(written, hook.calls_made, counters)

    @staticmethod
    def _push(hook: Any, to_push: pd.DataFrame) -> pd.DataFrame:
        """One PATCH per score value (grouped by record type and field); a ``RESULT_COLUMNS`` frame."""
        import pandas as pd

        from netsuite_acton.sources.netsuite_field_values import RESULT_COLUMNS
        from netsuite_acton.sync.frames import empty_frame

        parts = []
        for (record_type, field_id), group in to_push.groupby(["record_type", "field_id"], sort=True):
            updates = [
                (rid, {str(field_id): v}) for rid, v in zip(group["record_id"], group["value"], strict=True)
            ]
            outcomes = hook.update_records(str(record_type), updates)
            frame = pd.DataFrame([asdict(o) for o in outcomes])
            parts.append(frame.assign(field_id=str(field_id), value=group["value"].to_numpy()))
        return pd.concat(parts, ignore_index=True) if parts else empty_frame(RESULT_COLUMNS)

    def _log_refused_fields(self, results: pd.DataFrame) -> None:
        """Each record NetSuite refused a field for, by id and code (never the value, never an address)."""
        refused = results.loc[~results["ok"].astype(bool)] if len(results) else results
        for row in refused.head(50).itertuples():
            self.log.warning(
                "NetSuite refused %s %s field %s: %s",
                row.record_type,
                row.record_id,
                row.field_id,
                row.error_code,
            )
        if len(refused) > 50:
            self.log.warning(
                "... and %d more refused field writes (all in %s/)", len(refused) - 50, FIELD_RESULTS
            )

    def _summarise(self, results: pd.DataFrame, calls: int, counters: dict[str, int]) -> dict[str, Any]:
        from netsuite_acton.sync.report import RunReport

        report = RunReport.from_record_writes(results, calls, direction="reverse").count(counters)
        failed = sum(report.rejected.values())
        if failed:
            self.log.warning(
                "%d of %d writes failed %s; they are retried next run", failed, len(results), report.rejected
            )
        return {"report": report.to_dict(), "attempted": len(results), "failed": failed}


class CommitScoresOperator(SyncStepOperator):
    """Remember the value written to each record that NetSuite accepted, scores and ``reverse.fields``
    alike (upserts; dry run: nothing).

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
        for results in staging.iter_chunks(FIELD_RESULTS):
            accepted = results.loc[
                results["ok"].astype(bool), ["record_type", "record_id", "field_id", "value"]
            ]
            rows = accepted.astype(object).to_dict("records")
            committed += state.record_pushed_fields(rows, run_id=context["run_id"])
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
