"""Extract step: NetSuite contacts modified since the watermark (minus a lookback) into Parquet chunks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import NetSuiteStepOperator, param
from netsuite_acton.operators.folders import DELETED, EXTRACTED, MANIFEST, WATERMARK

if TYPE_CHECKING:
    from airflow.sdk import Context


def resolve_window(
    full_refresh: bool, since: str | datetime | None, watermark: datetime | None, lookback: timedelta
) -> datetime | None:
    """Where extraction starts: nothing on full refresh, the ``since`` override, else watermark - lookback.

    The lookback overlaps the previous run so clock skew between us and NetSuite, and records saved
    while the previous run was reading, are caught; the overlap is de-duplicated downstream by hash.
    """
    if full_refresh:
        return None
    if since:
        value = since if isinstance(since, datetime) else datetime.fromisoformat(str(since))
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if watermark is None:
        return None
    return watermark - lookback


class NetSuiteContactsExtractOperator(NetSuiteStepOperator):
    """Stage every contact modified in the window; XCom carries the window, row and chunk counts.

    The window of a run is pinned on its first attempt (``extract/manifest.json``): a cleared and
    rerun extract reads the same window again (plus anything saved since), never a narrower one.
    The next watermark candidate is the time this extraction *started*, so anything modified while
    it ran is read again by the next run.
    """

    ui_color = "#d6ecff"

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.operators.staging import ChunkWriter
        from netsuite_acton.sources.netsuite_contacts import NetSuitePeople
        from netsuite_acton.sources.suiteql_templates import check_output_columns
        from netsuite_acton.sync.report import RunReport

        cfg = self.sync_config.forward
        staging = self.staging(context)
        modified_since = self._window(context, staging)
        started_at = datetime.now(UTC)
        staging.reset_step(EXTRACTED)
        staging.reset_step(DELETED)
        writer = ChunkWriter(staging, EXTRACTED, cfg.chunk_rows)
        contacts = NetSuitePeople(
            netsuite_conn_id=self.netsuite_conn_id,
            extra_columns=cfg.extra_columns,
            include_individuals=cfg.include_individuals,
        )
        # a mapped column a query does not return fails here, naming it, before any data moves
        check_output_columns(
            {heading: spec.column for heading, spec in cfg.mapping.items()}, contacts.templates
        )
        seen_ids: set[str] = set()
        seen_emails: set[str] = set()
        for frame in contacts.extract(modified_since=modified_since, chunk_rows=cfg.chunk_rows):
            writer.add(frame)
            if modified_since is not None:  # a full refresh reads everyone: nothing to look at again
                seen_ids.update(frame["id"].dropna())
                seen_emails.update(frame["email"].dropna().str.strip().str.lower())
        mirror: dict[str, Any] = {}
        if cfg.removals.enabled and modified_since is not None:
            mirror = self._mirror_inputs(contacts, writer, staging, modified_since, seen_ids, seen_emails)
        counts = writer.close()
        manifest = {
            "modified_since": modified_since.isoformat() if modified_since else None,
            "started_at": started_at.isoformat(),
            "full_refresh": modified_since is None,
            "netsuite_calls": contacts.calls_made,
            **mirror,
            **counts,
        }
        staging.write_json(MANIFEST, manifest)
        self.log.info(
            "Extracted %d contacts in %d chunks (modified since %s)",
            counts["rows"],
            counts["chunks"],
            manifest["modified_since"] or "the beginning",
        )
        mirror_counts = {k: int(v) for k, v in mirror.items() if isinstance(v, int | bool)}
        report = RunReport(
            extracted=counts["rows"], calls={"netsuite": contacts.calls_made}, counters=mirror_counts
        )
        return {**manifest, "report": report.to_dict()}

    def _mirror_inputs(
        self,
        contacts: Any,
        writer: Any,
        staging: Any,
        modified_since: datetime,
        seen_ids: set[str],
        seen_emails: set[str],
    ) -> dict[str, Any]:
        """Deletions in the window (staged), and people to read again: see ``sources.mirror_rechecks``.

        A deleted customer is a deleted company (its contacts are read again) and, when it was an
        individual, a deleted person (key ``customer:<id>``)."""
        from netsuite_acton.sources.mirror_rechecks import recheck_ids
        from netsuite_acton.sources.netsuite_deletions import DeletionsUnreadableError, NetSuiteDeletions
        from netsuite_acton.sync.contract import COMPANY_RECORD, CONTACT_RECORD, individual_key

        try:
            deletions = NetSuiteDeletions(contacts.hook).since(modified_since)
        except DeletionsUnreadableError as exc:
            self.log.warning("%s. Deleted contacts stay in their lists until a full_refresh run.", exc)
            return {"deletions_unreadable": 1}
        staging.write_chunk(DELETED, 0, deletions)
        kinds = deletions.groupby("record_type")["recordid"]
        deleted = {kind: set(ids) for kind, ids in kinds}
        companies = deleted.get(COMPANY_RECORD, set())
        again = recheck_ids(
            self.state(),
            seen_ids,
            seen_emails,
            deleted.get(CONTACT_RECORD, set()) | {individual_key(i) for i in companies},
            companies,
        )
        for frame in contacts.by_ids(sorted(again), chunk_rows=self.sync_config.forward.chunk_rows):
            writer.add(frame)
        self.log.info(
            "Mirror: %d contacts and %d companies deleted in the window; %d unchanged contacts read again",
            len(deleted.get(CONTACT_RECORD, ())),
            len(deleted.get(COMPANY_RECORD, ())),
            len(again),
        )
        return {
            "deleted_contacts": len(deleted.get(CONTACT_RECORD, ())),
            "deleted_companies": len(deleted.get(COMPANY_RECORD, ())),
            "contacts_read_again": len(again),
        }

    def _window(self, context: Context, staging: Any) -> datetime | None:
        previous = staging.path / MANIFEST
        if previous.exists():
            pinned = staging.read_json(MANIFEST)["modified_since"]
            self.log.info("Rerun: keeping this run's window, modified since %s", pinned or "the beginning")
            return datetime.fromisoformat(pinned) if pinned else None
        watermark = self.state().get_watermark(WATERMARK)
        return resolve_window(
            bool(param(context, "full_refresh", False)),
            param(context, "since"),
            watermark,
            timedelta(minutes=self.sync_config.forward.lookback_minutes),
        )
