"""Report step: gather every step's counts into one run report, beside the data, in the log and XCom.

It runs even when a step failed (``trigger_rule="all_done"``) so that a failed run still leaves a
report, and then fails itself: a leaf task that succeeded would otherwise mark the whole run green.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from netsuite_acton.errors import PermanentSyncError
from netsuite_acton.operators.base import SyncStepOperator, param

if TYPE_CHECKING:
    from airflow.sdk import Context


class RunFailedError(PermanentSyncError):
    """The run failed (a step failed, or too many writes were refused): the report says why."""


class RunReportOperator(SyncStepOperator):
    """Write ``report.json`` into the run folder, log a summary, return it, fail if the run failed."""

    ui_color = "#f3f3f3"

    def __init__(
        self,
        *,
        steps: list[str] | None = None,
        direction: str = "forward",
        failure_rate_step: str | None = None,
        failure_rate_section: str = "reverse",
        **kwargs: Any,
    ) -> None:
        """``failure_rate_step``'s ``failed``/``attempted`` are judged against the YAML section's
        ``failure_rate_threshold`` (``reverse`` or ``consent``), or the run's Param of that name."""
        super().__init__(**kwargs)
        self.steps = steps
        self.direction = direction
        self.failure_rate_step = failure_rate_step
        self.failure_rate_section = failure_rate_section

    @property
    def step_ids(self) -> list[str]:
        """The steps to report on: ``steps`` if given, else every task upstream of this one, in DAG order.

        Learnt from the DAG so that a step added to a DAG is reported (and a failed one noticed) without
        a second list to keep in step.
        """
        if self.steps is not None:
            return list(self.steps)
        upstream = self.get_flat_relative_ids(upstream=True)
        return [task.task_id for task in self.dag.tasks if task.task_id in upstream]

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.sync.report import RunReport

        ti = context["ti"]
        steps = {step: ti.xcom_pull(task_ids=step) for step in self.step_ids}
        started = context["dag_run"].start_date
        finished = datetime.now(UTC)
        merged = RunReport.merge(
            *(RunReport.from_dict(out["report"]) for out in steps.values() if out and "report" in out)
        )
        merged.direction = self.direction
        merged.dry_run = bool(param(context, "dry_run", False))
        merged.started_at = started.isoformat() if started else None
        merged.finished_at = finished.isoformat()
        merged.duration_seconds = round((finished - started).total_seconds(), 3) if started else 0.0
        report = {
            "dag_id": context["dag"].dag_id,
            "run_id": context["run_id"],
            **merged.to_dict(),
            "steps": {
                step: {k: v for k, v in (out or {}).items() if k != "report"} or None
                for step, out in steps.items()
            },
            "step_order": list(steps),  # report.json's keys are sorted: the DAG's order, for readers
            "problems": self._problems(steps, context),
        }
        staging = self.staging(context)
        report["path"] = staging.write_json("report.json", report)
        self._record_history(report)
        self._prune(staging, finished)
        for line in merged.summary_lines():
            self.log.info("%s", line)
        if report["problems"]:
            for problem in report["problems"]:
                self.log.error("%s", problem)
            raise RunFailedError("Run failed: " + "; ".join(report["problems"]))
        self.log.info("Report written to %s", report["path"])
        return report

    def _record_history(self, report: dict[str, Any]) -> None:
        """The run's row in ``nas_run_history`` (what the Airflow UI page charts); never fails the run."""
        from netsuite_acton.state.run_history import RunHistory

        state = "failed" if report["problems"] else "success"
        try:
            RunHistory(self.state().engine).record(report, state, self.failure_rate_step)
        except Exception:  # the history is for people: a run's outcome must not depend on it
            self.log.warning("Could not record the run in nas_run_history", exc_info=True)

    def _prune(self, staging: Any, now: datetime) -> None:
        from datetime import timedelta

        from netsuite_acton.operators.staging import prune_runs

        days = self.sync_config.staging.retention_days
        removed = prune_runs(staging, timedelta(days=days), now)
        if removed:
            self.log.info("Removed %d run folders older than %d days", len(removed), days)

    def _problems(self, steps: dict[str, dict[str, Any] | None], context: Context) -> list[str]:
        missing = [step for step, counts in steps.items() if counts is None]
        problems = []
        if missing:
            problems.append(
                f"step {missing[0]!r} failed" + (f"; not run: {missing[1:]}" if missing[1:] else "")
            )
        if self.failure_rate_step and steps.get(self.failure_rate_step):
            counts = steps[self.failure_rate_step] or {}
            attempted, failed = int(counts.get("attempted", 0)), int(counts.get("failed", 0))
            section = getattr(self.sync_config, self.failure_rate_section)
            threshold = param(context, "failure_rate_threshold", section.failure_rate_threshold)
            if attempted and failed / attempted > threshold:
                problems.append(
                    f"{failed} of {attempted} NetSuite writes failed ({failed / attempted:.1%}), "
                    f"above the threshold of {threshold:.1%}; failed records are retried next run"
                )
        return problems
