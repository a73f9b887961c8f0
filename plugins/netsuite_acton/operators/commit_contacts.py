"""Commit step: after a successful load, remember what was loaded and advance the watermark."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import SyncStepOperator, param
from netsuite_acton.operators.folders import (
    CHANGED,
    DELETED,
    LINKS,
    MANIFEST,
    REJECTED,
    REMOVED,
    WATERMARK,
)

if TYPE_CHECKING:
    import pandas as pd
    from airflow.sdk import Context


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with None (not NaN) for missing values, as SQL wants them."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


class CommitContactsOperator(SyncStepOperator):
    """Store row hashes (rows Act-On accepted) and email↔NetSuite links, then move the watermark.

    Runs only after ``load`` succeeded. The watermark becomes the time the extraction started and
    moves only when every routed list was loaded (a run limited to some lists keeps it). All writes
    are upserts, so a rerun converges. A dry run commits nothing.
    """

    template_fields: tuple[str, ...] = (*SyncStepOperator.template_fields, "load_result")
    ui_color = "#fde2cf"

    def __init__(self, *, load_result: Any = None, **kwargs: Any) -> None:
        """``load_result``: the load step's return value, wired in the DAG as ``load.output``."""
        super().__init__(**kwargs)
        self.load_result = load_result

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.sync.diff import loaded_records
        from netsuite_acton.sync.report import RunReport

        fwd = self.sync_config.forward
        if bool(param(context, "dry_run", False)):
            self.log.info("Dry run: nothing committed, watermark unchanged")
            return {"report": RunReport(dry_run=True).to_dict(), "watermark": None, "committed": False}
        loaded_lists = set((self.load_result or {}).get("loaded_lists") or [])
        staging = self.staging(context)
        state = self.state()
        rejected = self._rejected_emails(staging)

        hashes = links = 0
        run_id = context["run_id"]
        for chunk in staging.iter_chunks(CHANGED):
            keep = chunk["list_name"].isin(loaded_lists) & ~chunk[fwd.email_heading].isin(rejected)
            loaded = loaded_records(chunk.loc[keep], email_column=fwd.email_heading)
            hashes += state.record_loaded(loaded, run_id=run_id)
            state.record_members(
                ({k: row[k] for k in ("list_name", "email", "netsuite_id")} for row in loaded), run_id=run_id
            )
        for chunk in staging.iter_chunks(LINKS):
            links += state.record_links(_records(chunk))
        removal_counts = self._commit_removals(staging, state, run_id)

        manifest = staging.read_json(MANIFEST)
        watermark = None
        if loaded_lists >= set(fwd.routed_lists):
            watermark = datetime.fromisoformat(manifest["started_at"])
            state.set_watermark(WATERMARK, watermark, run_id=context["run_id"])
            self.log.info("Watermark set to %s", watermark.isoformat())
        else:
            self.log.warning("Only lists %s were loaded: watermark kept where it was", sorted(loaded_lists))
        self.log.info("Committed %d loaded-row hashes and %d contact links", hashes, links)
        report = RunReport(counters={"committed_hashes": hashes, "committed_links": links, **removal_counts})
        return {
            "report": report.to_dict(),
            "watermark": watermark.isoformat() if watermark else None,
            "committed": True,
        }

    @staticmethod
    def _commit_removals(staging: Any, state: Any, run_id: str) -> dict[str, int]:
        """Forget the memberships removed; keep the refused ones owed; drop links of deleted contacts."""
        from netsuite_acton.sync.contract import CONTACT_RECORD

        left = owed = 0
        for done in staging.iter_chunks(REMOVED):
            ok = done["ok"].astype(bool)
            left += state.forget_members(zip(done.loc[ok, "list_name"], done.loc[ok, "email"], strict=True))
            failed = done.loc[~ok, ["list_name", "email", "reason", "error"]]
            owed += state.owe_removals(
                ({**row, "last_error": row.pop("error")} for row in failed.to_dict("records")), run_id=run_id
            )
        unlinked = 0
        for deleted in staging.iter_chunks(DELETED):
            contacts = deleted.loc[deleted["record_type"].eq(CONTACT_RECORD), "recordid"]
            unlinked += state.forget_links(contacts.astype(str))
        return {"committed_removals": left, "removals_owed": owed, "links_dropped": unlinked}

    @staticmethod
    def _rejected_emails(staging: Any) -> set[str]:
        emails: set[str] = set()
        for chunk in staging.iter_chunks(REJECTED, columns=["email"]):
            emails.update(str(e).strip().lower() for e in chunk["email"].dropna())
        return emails
