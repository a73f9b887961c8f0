"""Resolve and diff steps of the reverse sync: emails to NetSuite records, then only changed values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import SyncStepOperator, param
from netsuite_acton.operators.folders import (
    FIELD_REFUSED,
    FIELD_UPDATES,
    FIELDS_TO_PUSH,
    SCORES,
    TO_PUSH,
    UNLINKED,
    UPDATES,
    VALID_SCORES,
)

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
        counters = {**counts, **resolution.counts, **self._resolve_fields(staging)}
        self.log.info("Resolved scores: %s", counters)
        return {"report": RunReport(direction="reverse", counters=counters).to_dict()}

    def _resolve_fields(self, staging: Any) -> dict[str, int]:
        """``reverse.fields``: typed values per linked record (``field_updates/``), refusals with their
        reason (``field_refused/``). Read from the rows as downloaded: a field value does not depend on
        its row's score being valid."""
        from netsuite_acton.sync.cleaning import canonical_email
        from netsuite_acton.sync.field_values import PushedField, resolve_fields
        from netsuite_acton.sync.scores import links_frame

        cfg = self.sync_config
        for step in (FIELD_UPDATES, FIELD_REFUSED):
            staging.reset_step(step)
        specs = [PushedField(**entry.model_dump()) for entry in cfg.reverse.fields]
        if not specs:
            return {}
        email = cfg.forward.email_heading
        headings = {spec.heading for spec in specs}
        rows = [
            chunk.loc[:, [email, *sorted(headings & set(chunk.columns))]]
            for chunk in staging.iter_chunks(SCORES)
        ]
        emails = {e for frame in rows for e in canonical_email(frame[email]).dropna()}
        links = links_frame(self.state().links_for_emails(sorted(emails)))
        fields = resolve_fields(rows, links, specs, email_column=email)
        staging.write_chunk(FIELD_UPDATES, 0, fields.updates)
        if len(fields.refused):
            staging.write_chunk(FIELD_REFUSED, 0, fields.refused)
            self.log.warning(
                "%d Act-On field values do not convert to their NetSuite type (listed in %s/)",
                len(fields.refused),
                FIELD_REFUSED,
            )
        return fields.counts


class DiffScoresOperator(SyncStepOperator):
    """Keep only values that differ from what was last written to each record (``full_push``: all)."""

    ui_color = "#e6f7e6"

    def execute(self, context: Context) -> dict[str, Any]:
        import pandas as pd

        from netsuite_acton.sync.report import RunReport
        from netsuite_acton.sync.scores import diff_scores

        staging = self.staging(context)
        staging.reset_step(TO_PUSH)
        updates = next(staging.iter_chunks(UPDATES))
        full_push = bool(param(context, "full_push", False))
        previous = {} if full_push else self._previous(updates)
        changed, unchanged = diff_scores(updates, previous)
        staging.write_chunk(TO_PUSH, 0, changed)
        fields, fields_unchanged = self._diff_fields(staging, full_push)
        to_load = pd.concat([changed, fields]).groupby(["record_type", "field_id"]).size()
        per_target = {f"{rt}.{field}": int(n) for (rt, field), n in to_load.items()}
        unchanged += fields_unchanged
        self.log.info("%d values to write %s, %d unchanged", int(to_load.sum()), per_target, unchanged)
        report = RunReport(direction="reverse", unchanged=unchanged, to_load=per_target)
        return {"report": report.to_dict(), "full_push": full_push}

    def _diff_fields(self, staging: Any, full_push: bool) -> tuple[pd.DataFrame, int]:
        """``reverse.fields`` values to send (``fields_to_push/``) and how many are left as they are."""
        from netsuite_acton.sync.field_values import diff_fields, empty_field_updates

        staging.reset_step(FIELDS_TO_PUSH)
        updates = next(staging.iter_chunks(FIELD_UPDATES), empty_field_updates())
        keys = zip(updates["record_type"], updates["record_id"], updates["field_id"], strict=True)
        previous = {} if full_push or updates.empty else self.state().pushed_fields(keys)
        changed, unchanged = diff_fields(updates, previous)
        staging.write_chunk(FIELDS_TO_PUSH, 0, changed)
        return changed, unchanged

    def _previous(self, updates: pd.DataFrame) -> dict[tuple[str, str, str], float | None]:
        state = self.state()
        previous: dict[tuple[str, str, str], float | None] = {}
        for (record_type, field_id), group in updates.groupby(["record_type", "field_id"]):
            pushed = state.pushed(str(record_type), str(field_id), group["record_id"].tolist())
            previous.update({(str(record_type), rid, str(field_id)): v for rid, v in pushed.items()})
        return previous
