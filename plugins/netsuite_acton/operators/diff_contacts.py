"""Diff step: hash each Act-On row and keep only rows new or changed since they were last loaded."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import SyncStepOperator, param
from netsuite_acton.operators.folders import CHANGED, TRANSFORMED

if TYPE_CHECKING:
    from airflow.sdk import Context


class DiffContactsOperator(SyncStepOperator):
    """Compare content hashes with the state store, chunk by chunk (only the chunk's emails are read).

    ``force_reload`` keeps every row (e.g. after a list was emptied by hand in Act-On).
    """

    ui_color = "#e6f7e6"

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.operators.staging import ChunkWriter
        from netsuite_acton.sync.contract import LIST_NAME, ROW_HASH
        from netsuite_acton.sync.diff import changed_rows
        from netsuite_acton.sync.hashing import row_hashes
        from netsuite_acton.sync.quarantine import merge_counts
        from netsuite_acton.sync.report import RunReport

        fwd = self.sync_config.forward
        force = bool(param(context, "force_reload", False))
        staging = self.staging(context)
        state = self.state()
        staging.reset_step(CHANGED)
        changed = ChunkWriter(staging, CHANGED, fwd.chunk_rows)
        unchanged = 0
        to_load: dict[str, int] = {}
        for chunk in staging.iter_chunks(TRANSFORMED):
            chunk[ROW_HASH] = row_hashes(chunk, fwd.headings)
            previous = {} if force else state.loaded_hashes(chunk[fwd.email_heading].tolist())
            rows, same = changed_rows(chunk, previous, email_column=fwd.email_heading)
            unchanged += same
            changed.add(rows)
            to_load = merge_counts(to_load, rows[LIST_NAME].value_counts().to_dict())
        changed.close()
        self.log.info("%d rows to load %s, %d unchanged", sum(to_load.values()), to_load, unchanged)
        report = RunReport(unchanged=unchanged, to_load={k: int(v) for k, v in to_load.items()})
        return {"report": report.to_dict(), "force_reload": force}
