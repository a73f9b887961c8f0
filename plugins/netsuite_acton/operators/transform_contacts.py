"""Transform step: clean, de-duplicate across the whole run, map to Act-On headings, route to lists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import SyncStepOperator
from netsuite_acton.operators.folders import (
    CLEANED,
    DUPLICATES,
    LINKS,
    OPTED_OUT,
    QUARANTINE_CLEAN,
    TRANSFORMED,
    VALIDATED,
)

if TYPE_CHECKING:
    from airflow.sdk import Context


class TransformContactsOperator(SyncStepOperator):
    """Two passes over the chunks, so memory holds one chunk plus three key columns of the run.

    Pass 1 cleans each chunk (invalid emails to quarantine) and collects (email, id, modified) keys;
    the duplicate resolver then picks, per email, the most recently modified contact. Pass 2 drops the
    losers and every address an opted-out record holds (``opted_out``), writes the email↔id links of every
    contact (losers too, for the reverse sync), maps and routes rows to their Act-On lists and
    neutralises CSV formulas.
    """

    ui_color = "#e6f7e6"

    def execute(self, context: Context) -> dict[str, Any]:
        import pandas as pd

        from netsuite_acton.operators.staging import ChunkWriter
        from netsuite_acton.sync.cleaning import clean_contacts, make_csv_safe
        from netsuite_acton.sync.dedupe import DuplicateResolver, dedupe_keys, drop_losers
        from netsuite_acton.sync.quarantine import count_reasons, merge_counts
        from netsuite_acton.sync.report import RunReport
        from netsuite_acton.sync.routing import contact_links, opted_out_emails, route_contacts

        fwd = self.sync_config.forward
        staging = self.staging(context)
        for step in (CLEANED, TRANSFORMED, QUARANTINE_CLEAN, DUPLICATES, LINKS, OPTED_OUT):
            staging.reset_step(step)
        cleaned = ChunkWriter(staging, CLEANED, fwd.chunk_rows)
        quarantine = ChunkWriter(staging, QUARANTINE_CLEAN, fwd.chunk_rows)
        resolver = DuplicateResolver()
        counters: dict[str, int] = {}
        opted_out: set[str] = set()
        for chunk in staging.iter_chunks(VALIDATED):
            opted_out |= opted_out_emails(chunk)
            result = clean_contacts(chunk, fwd)
            cleaned.add(result.frame)
            quarantine.add(result.quarantine)
            resolver.add(dedupe_keys(result.frame))
            counters = merge_counts(counters, result.counts)
        cleaned.close()
        quarantined = quarantine.close()["rows"]
        resolution = resolver.result()
        if len(resolution.losers):
            staging.write_chunk(DUPLICATES, 0, resolution.losers)

        transformed = ChunkWriter(staging, TRANSFORMED, fwd.chunk_rows)
        links = ChunkWriter(staging, LINKS, fwd.chunk_rows)
        state = self.state()
        for chunk in staging.iter_chunks(CLEANED):
            links.add(contact_links(chunk))
            winners = drop_losers(chunk, resolution.losers)
            opted_out |= state.opted_out_addresses(winners["email"].dropna())  # Act-On's, earlier runs'
            consenting = winners.loc[~winners["email"].isin(opted_out)]
            counters = merge_counts(counters, {"opted_out": len(winners) - len(consenting)})
            rows, not_routed = route_contacts(consenting, fwd)
            rows, safety = make_csv_safe(rows, fwd)
            transformed.add(rows)
            counters = merge_counts(counters, not_routed, safety)
        out = transformed.close()
        links.close()
        staging.write_chunk(OPTED_OUT, 0, pd.DataFrame({"email": sorted(opted_out)}, dtype=object))

        inactive = counters.pop("inactive_skipped", 0)
        opted_out_rows = counters.pop("opted_out", 0)
        quarantine_reasons = self._quarantine_reasons(staging, count_reasons)
        report = RunReport(
            quarantined_rows=quarantined,
            quarantined=quarantine_reasons,
            inactive_skipped=inactive,
            duplicates=len(resolution.losers),
            opted_out=opted_out_rows,
            counters={**counters, **{f"duplicates:{k}": v for k, v in resolution.counts.items()}},
        )
        self.log.info(
            "Transformed %d rows: %d quarantined, %d inactive skipped, %d duplicate versions dropped, "
            "%d opted out",
            out["rows"],
            quarantined,
            inactive,
            len(resolution.losers),
            opted_out_rows,
        )
        return {"report": report.to_dict(), "rows": out["rows"], "duplicates": str(staging.step(DUPLICATES))}

    @staticmethod
    def _quarantine_reasons(staging: Any, count_reasons: Any) -> dict[str, int]:
        from netsuite_acton.sync.contract import REASONS
        from netsuite_acton.sync.quarantine import merge_counts

        totals: dict[str, int] = {}
        for chunk in staging.iter_chunks(QUARANTINE_CLEAN, columns=[REASONS]):
            totals = merge_counts(totals, count_reasons(chunk[REASONS]))
        return totals
