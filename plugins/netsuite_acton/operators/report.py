"""Report step: gather every step's counts into one run report, beside the data, in the log and XCom.

It runs even when a step failed (``trigger_rule="all_done"``) so that a failed run still leaves a
report, and then fails itself: a leaf task that succeeded would otherwise mark the whole run green.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from airflow.sdk.exceptions import AirflowException

from netsuite_acton.operators.base import SyncStepOperator, param

if TYPE_CHECKING:
    from airflow.sdk import Context


def summary_lines(steps: dict[str, dict[str, Any] | None]) -> list[str]:
    """One log line per step with its counts (numbers and short labels only: never row content)."""
    lines = []
    for step, counts in steps.items():
        if counts is None:
            lines.append(f"{step}: did not complete")
            continue
        shown = ", ".join(f"{key}={_short(value)}" for key, value in counts.items() if _reportable(value))
        lines.append(f"{step}: {shown}")
    return lines


def _reportable(value: Any) -> bool:
    return isinstance(value, int | float | bool | dict) or value is None


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_short(v)}" for k, v in value.items() if _reportable(v)) + "}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


class RunReportOperator(SyncStepOperator):
    """Write ``report.json`` into the run folder, log a summary, return it, fail if the run failed."""

    ui_color = "#f3f3f3"

    def __init__(self, *, steps: list[str], failure_rate_step: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.steps = steps
        self.failure_rate_step = failure_rate_step

    def execute(self, context: Context) -> dict[str, Any]:
        ti = context["ti"]
        steps = {step: ti.xcom_pull(task_ids=step) for step in self.steps}
        started = context["dag_run"].start_date
        report = {
            "dag_id": context["dag"].dag_id,
            "run_id": context["run_id"],
            "dry_run": bool(param(context, "dry_run", False)),
            "started_at": started.isoformat() if started else None,
            "duration_seconds": (datetime.now(UTC) - started).total_seconds() if started else None,
            "steps": steps,
            "problems": self._problems(steps, context),
        }
        staging = self.staging(context)
        report["path"] = staging.write_json("report.json", report)
        for line in summary_lines(steps):
            self.log.info("%s", line)
        if report["problems"]:
            for problem in report["problems"]:
                self.log.error("%s", problem)
            raise AirflowException("Run failed: " + "; ".join(report["problems"]))
        self.log.info("Report written to %s", report["path"])
        return report

    def _problems(self, steps: dict[str, dict[str, Any] | None], context: Context) -> list[str]:
        problems = [f"step {step!r} did not complete" for step, counts in steps.items() if counts is None]
        if self.failure_rate_step and steps.get(self.failure_rate_step):
            counts = steps[self.failure_rate_step] or {}
            attempted, failed = counts.get("attempted", 0), counts.get("failed", 0)
            threshold = param(
                context, "failure_rate_threshold", self.sync_config.reverse.failure_rate_threshold
            )
            if attempted and failed / attempted > threshold:
                problems.append(
                    f"{failed} of {attempted} NetSuite writes failed ({failed / attempted:.1%}), "
                    f"above the threshold of {threshold:.1%}; failed records are retried next run"
                )
        return problems
