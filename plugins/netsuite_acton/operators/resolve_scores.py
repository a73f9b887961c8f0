"""Resolve and diff steps of the reverse sync: emails to NetSuite records, then only changed values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import SyncStepOperator, param
from netsuite_acton.operators.folders import TO_PUSH, UNLINKED, UPDATES, VALID_SCORES

if TYPE_CHECKING:
    import pandas as pd
    from airflow.sdk import Context


class ResolveScoresOperator(SyncStepOperator):
    """Map each scored email to every NetSuite person linked to it (links from the forward sync).

    Emails without a link and emails shared by several people are counted and written to the run
    folder; a company in the LEAD stage gets the highest score of its people in the lead-level field, an
    individual in another stage its own score in ``reverse.individual_field``.
    """

    ui_color = "#e6f7e6"

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.sync.report import RunReport
        from netsuite_acton.sync.scores import collect_scores, resolve_scores

        cfg = self.sync_config
        staging = self.staging(context)
        for step in (UPDATES, UNLINKED):
            staging.reset_step(step)
        scores, counts = collect_scores(
            staging.iter_chunks(VALID_SCORES),
            email_column=cfg.forward.email_heading,
            score_column=cfg.reverse.score_column,
        )
        links = self.state().links_for_emails(scores["email"].tolist())
        resolution = resolve_scores(
            scores,
            links,
            contact_field=cfg.reverse.contact_field,
            lead_field=cfg.reverse.lead_field,
            individual_field=cfg.reverse.individual_field,
        )
        staging.write_chunk(UPDATES, 0, resolution.updates)
        if len(resolution.unlinked):
            staging.write_chunk(UNLINKED, 0, resolution.unlinked)
        counters = {**counts, **resolution.counts}
        self.log.info("Resolved scores: %s", counters)
        return {"report": RunReport(direction="reverse", counters=counters).to_dict()}


class DiffScoresOperator(SyncStepOperator):
    """Keep only values that differ from what was last written to each record (``full_push``: all)."""

    ui_color = "#e6f7e6"

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.sync.report import RunReport
        from netsuite_acton.sync.scores import diff_scores

        staging = self.staging(context)
        staging.reset_step(TO_PUSH)
        updates = next(staging.iter_chunks(UPDATES))
        full_push = bool(param(context, "full_push", False))
        previous = {} if full_push else self._previous(updates)
        changed, unchanged = diff_scores(updates, previous)
        staging.write_chunk(TO_PUSH, 0, changed)
        to_load = changed.groupby(["record_type", "field_id"]).size()
        per_target = {f"{rt}.{field}": int(n) for (rt, field), n in to_load.items()}
        self.log.info("%d values to write %s, %d unchanged", len(changed), per_target, unchanged)
        report = RunReport(direction="reverse", unchanged=unchanged, to_load=per_target)
        return {"report": report.to_dict(), "full_push": full_push}

    def _previous(self, updates: pd.DataFrame) -> dict[tuple[str, str, str], float | None]:
        state = self.state()
        previous: dict[tuple[str, str, str], float | None] = {}
        for (record_type, field_id), group in updates.groupby(["record_type", "field_id"]):
            pushed = state.pushed(str(record_type), str(field_id), group["record_id"].tolist())
            previous.update({(str(record_type), rid, str(field_id)): v for rid, v in pushed.items()})
        return previous
