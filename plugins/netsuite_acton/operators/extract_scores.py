"""Extract step of the reverse sync: the email and score columns of each Act-On list, staged as Parquet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import ActOnStepOperator, param
from netsuite_acton.operators.folders import SCORES, SCORES_WATERMARK

if TYPE_CHECKING:
    from airflow.sdk import Context


class ActOnScoresExtractOperator(ActOnStepOperator):
    """Download only the two columns needed from every configured list (JSON pages of 1000 rows).

    Incremental: only records Act-On modified since the last fully successful run (minus the lookback),
    because a full download of a large list costs one call per 1000 rows and the reverse sync runs
    after every forward run; ``full_push`` downloads everything. A list that does not exist yet (the
    forward sync has not loaded it) is counted, not an error.
    """

    ui_color = "#fde2cf"

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.hooks.acton import ActOnHook
        from netsuite_acton.hooks.acton.errors import ActOnHeadingsMismatchError
        from netsuite_acton.operators.staging import ChunkWriter
        from netsuite_acton.sync.report import RunReport

        cfg = self.sync_config
        lists = list(param(context, "lists") or cfg.reverse_lists)
        email, score = cfg.forward.email_heading, cfg.reverse.score_column
        staging = self.staging(context)
        staging.reset_step(SCORES)
        writer = ChunkWriter(staging, SCORES, cfg.forward.chunk_rows)
        state = self.state()
        hook = ActOnHook(acton_conn_id=self.acton_conn_id, state=state)
        started_at = datetime.now(UTC)
        since = None if param(context, "full_push", False) else state.get_watermark(SCORES_WATERMARK)
        modified_after = since - timedelta(minutes=cfg.forward.lookback_minutes) if since else None
        missing: list[str] = []
        per_list: dict[str, int] = {}
        for name in lists:
            found = hook.find_list(name)
            if found is None:
                missing.append(name)
                continue
            rows = 0
            pages = hook.download_list(str(found["id"]), fields=[email, score], modified_after=modified_after)
            for page in pages:
                if score not in page:
                    raise ActOnHeadingsMismatchError(
                        f"Act-On list {name!r} has no column {score!r}: set reverse.score_column in the "
                        "sync configuration to the list's score heading"
                    )
                writer.add(page.loc[:, [email, score]].assign(list_name=name))
                rows += len(page)
            per_list[name] = rows
        out = writer.close()
        if missing:
            self.log.warning("Lists not found in Act-On (not loaded yet?): %s", missing)
        self.log.info(
            "Downloaded %d score rows %s (modified after %s)",
            out["rows"],
            per_list,
            modified_after.isoformat() if modified_after else "the beginning",
        )
        report = RunReport(
            direction="reverse",
            extracted=out["rows"],
            calls={"acton": hook.calls_made},
            counters={f"lists_missing:{name}": 1 for name in missing},
        )
        return {
            "report": report.to_dict(),
            "rows_per_list": per_list,
            "missing_lists": missing,
            "modified_after": modified_after.isoformat() if modified_after else None,
            "started_at": started_at.isoformat(),
        }
