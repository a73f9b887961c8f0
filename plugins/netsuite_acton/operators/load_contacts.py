"""Load step: bulk-merge the changed rows into their Act-On lists (UPSERT keyed by email)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import ActOnStepOperator, param, target_lists
from netsuite_acton.operators.folders import CHANGED, REJECTED

if TYPE_CHECKING:
    import pandas as pd
    from airflow.sdk import Context


class ActOnMergeOperator(ActOnStepOperator):
    """Merge changed rows per list in batches of ``batch_rows`` (memory: one batch per list).

    An UPSERT keyed by email is idempotent, so a cleared and rerun load converges. Rows Act-On rejects
    are kept with Act-On's reason in the run folder and counted; they are not committed, so the next
    run that sees them changed tries again. In a dry run nothing is written: the report says what
    would have been loaded per list.
    """

    ui_color = "#fde2cf"

    def __init__(self, *, batch_rows: int = 200_000, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.batch_rows = batch_rows

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.hooks.acton import ActOnHook
        from netsuite_acton.sync.contract import LIST_NAME

        dry_run = bool(param(context, "dry_run", False))
        targets = target_lists(self.sync_config.forward.routed_lists, param(context, "lists"))
        staging = self.staging(context)
        staging.reset_step(REJECTED)
        hook = ActOnHook(acton_conn_id=self.acton_conn_id, state=self.state())
        loader = _ListLoader(hook, self.sync_config, staging, dry_run)
        buffers: dict[str, list[pd.DataFrame]] = {name: [] for name in targets}
        for chunk in staging.iter_chunks(CHANGED):
            for name, rows in chunk.groupby(LIST_NAME, sort=False):
                if name not in buffers:
                    continue
                buffers[str(name)].append(rows)
                if sum(len(part) for part in buffers[str(name)]) >= self.batch_rows:
                    loader.load(str(name), buffers[str(name)])
                    buffers[str(name)] = []
        for name in targets:
            loader.load(name, buffers[name])
        loader.report.calls = {"acton": hook.calls_made}
        for line in loader.report.summary_lines()[3:]:
            self.log.info("%s", line)
        written = [name for name in targets if name in loader.list_ids]
        self._announce(context, written)
        return {
            "report": loader.report.to_dict(),
            "loaded_lists": [] if dry_run else targets,
            "written_lists": written,
            "list_ids": loader.list_ids,
            "rejected": str(staging.step(REJECTED)),
        }

    def _announce(self, context: Context, written: list[str]) -> None:
        """An Asset event for each list written in this run (none in a dry run), through the alias."""
        from netsuite_acton.assets import ACTON_LISTS_WRITTEN, acton_list_asset

        events = context["outlet_events"][ACTON_LISTS_WRITTEN]
        for name in written:
            events.add(acton_list_asset(name))
        self.log.info("Asset events for the lists written: %s", written or "none")


class _ListLoader:
    """One load step's work: ensure each list once, merge batches, count, keep rejected rows."""

    def __init__(self, hook: Any, config: Any, staging: Any, dry_run: bool) -> None:
        from netsuite_acton.sync.report import RunReport

        self.hook, self.config, self.staging, self.dry_run = hook, config, staging, dry_run
        self.report = RunReport(dry_run=dry_run)
        self.list_ids: dict[str, str] = {}
        self._rejected_chunks = 0

    def load(self, name: str, parts: list[pd.DataFrame]) -> None:
        """Merge one batch of a list's rows (or, in a dry run, count them)."""
        import pandas as pd

        from netsuite_acton.sync.quarantine import merge_counts

        if not parts:
            return
        fwd = self.config.forward
        batch = pd.concat(parts, ignore_index=True)
        report = self.report
        if self.dry_run:
            report.to_load = merge_counts(report.to_load, {f"would_load:{name}": len(batch)})
            return
        if name not in self.list_ids:
            # The list also gets the score column that Act-On's List Maintenance Program fills; uploads
            # leave it empty with putEmptyValues=N, so a merge never wipes a score.
            headings = [*fwd.headings, self.config.reverse.score_column]
            folder = fwd.routing.folder or "NetSuite Sync"
            self.list_ids[name] = self.hook.ensure_list(name, headings, folder=folder)
        result = self.hook.merge_contacts(
            self.list_ids[name], batch[fwd.headings], mode="UPSERT", email_heading=fwd.email_heading
        )
        report.loaded_appended = merge_counts(report.loaded_appended, {name: result.appended})
        report.loaded_updated = merge_counts(report.loaded_updated, {name: result.updated})
        if result.failed:
            report.counters = merge_counts(report.counters, {f"failed:{name}": result.failed})
        rejected = result.rejected_rows
        if len(rejected):
            reasons = rejected["reason"].fillna("unknown").astype(str).value_counts().to_dict()
            report.rejected = merge_counts(report.rejected, {str(k): int(v) for k, v in reasons.items()})
            self.staging.write_chunk(REJECTED, self._rejected_chunks, rejected.assign(list_name=name))
            self._rejected_chunks += 1
