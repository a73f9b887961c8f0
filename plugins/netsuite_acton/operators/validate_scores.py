"""Validate step of the reverse sync: the Great Expectations scores suite; bad rows to quarantine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import SyncStepOperator
from netsuite_acton.operators.folders import QUARANTINE_SCORES, SCORES, VALID_SCORES

if TYPE_CHECKING:
    from airflow.sdk import Context


class ValidateScoresOperator(SyncStepOperator):
    """Keep rows with an email and a numeric score in range; quarantine the rest with their reasons."""

    ui_color = "#e6f7e6"

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.operators.staging import ChunkWriter
        from netsuite_acton.sync.quarantine import merge_counts
        from netsuite_acton.sync.report import RunReport
        from netsuite_acton.sync.validation import ScoreValidator

        cfg = self.sync_config
        staging = self.staging(context)
        validator = ScoreValidator(cfg.expectations.scores, cfg.reverse.score_range)
        for step in (VALID_SCORES, QUARANTINE_SCORES):
            staging.reset_step(step)
        valid = ChunkWriter(staging, VALID_SCORES, cfg.forward.chunk_rows)
        quarantine = ChunkWriter(staging, QUARANTINE_SCORES, cfg.forward.chunk_rows)
        reasons: dict[str, int] = {}
        for chunk in staging.iter_chunks(SCORES):
            outcome = validator.validate(chunk, cfg.forward.email_heading, cfg.reverse.score_column)
            valid.add(outcome.valid)
            quarantine.add(outcome.quarantine)
            reasons = merge_counts(reasons, outcome.counts_by_reason)
        kept = valid.close()["rows"]
        quarantined = quarantine.close()["rows"]
        self.log.info("Scores: %d valid, %d quarantined %s", kept, quarantined, reasons)
        report = RunReport(direction="reverse", quarantined_rows=quarantined, quarantined=reasons)
        return {"report": report.to_dict(), "quarantine": str(staging.step(QUARANTINE_SCORES))}
