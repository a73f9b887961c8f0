"""Extract step of the reverse sync: the email, score and pushed-field columns of each list, as Parquet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import ActOnStepOperator, param
from netsuite_acton.operators.folders import SCORES, SCORES_WATERMARK

if TYPE_CHECKING:
    from airflow.sdk import Context


class ActOnScoresExtractOperator(ActOnStepOperator):
    """Download only the columns needed from every configured list (JSON pages of 1000 rows): the email,
    the score and the headings ``reverse.fields`` names (a list without one of them is counted).

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
        wanted_fields = list(dict.fromkeys(f.heading for f in cfg.reverse.fields))
        missing: list[str] = []
        per_list: dict[str, int] = {}
        headings_missing: dict[str, int] = {}
        found_fields: set[str] = set()
        for name in lists:
            found = hook.find_list(name)
            if found is None:
                missing.append(name)
                continue
            extra = self._field_headings(hook, str(found["id"]), wanted_fields) if wanted_fields else []
            found_fields.update(extra)
            headings_missing.update(
                {f"field_heading_missing:{name}:{h}": 1 for h in wanted_fields if h not in extra}
            )
            columns = [email, score, *extra]
            rows = 0
            pages = hook.download_list(str(found["id"]), fields=columns, modified_after=modified_after)
            for page in pages:
                if score not in page:
                    raise ActOnHeadingsMismatchError(
                        f"Act-On list {name!r} has no column {score!r}: set reverse.score_column in the "
                        "sync configuration to the list's score heading"
                    )
                writer.add(page.loc[:, columns].assign(list_name=name))
                rows += len(page)
            per_list[name] = rows
        out = writer.close()
        absent = [h for h in wanted_fields if h not in found_fields]
        if absent and per_list:
            raise ActOnHeadingsMismatchError(
                f"reverse.fields names Act-On headings that no list read has: {absent}; fix the heading "
                "(Act-On headings are case-sensitive) or add the field to the lists"
            )
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
            counters={**{f"lists_missing:{name}": 1 for name in missing}, **headings_missing},
        )
        return {
            "report": report.to_dict(),
            "rows_per_list": per_list,
            "missing_lists": missing,
            "modified_after": modified_after.isoformat() if modified_after else None,
            "started_at": started_at.isoformat(),
        }

    @staticmethod
    def _field_headings(hook: Any, list_id: str, wanted: list[str]) -> list[str]:
        """The ``reverse.fields`` headings this list has (a list without one gives no values for it)."""
        present = set(hook.list_headings(list_id))
        return [heading for heading in wanted if heading in present]
