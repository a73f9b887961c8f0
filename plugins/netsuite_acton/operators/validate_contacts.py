"""Validate step: the Great Expectations contacts suite over every staged chunk; failures to quarantine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import SyncStepOperator, param
from netsuite_acton.operators.folders import EXTRACTED, QUARANTINE, VALIDATED

if TYPE_CHECKING:
    from airflow.sdk import Context


class ValidateContactsOperator(SyncStepOperator):
    """Split extracted chunks into valid rows and a quarantine (every failed expectation per row).

    Fails loudly when the share of quarantined rows passes ``reject_rate_threshold`` (YAML, or the run
    Param); the quarantine file is written first so the reasons can be read.
    """

    ui_color = "#e6f7e6"

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.operators.staging import ChunkWriter
        from netsuite_acton.sync.quarantine import merge_counts
        from netsuite_acton.sync.report import RunReport, check_rate
        from netsuite_acton.sync.validation import ContactValidator

        cfg = self.sync_config
        staging = self.staging(context)
        validator = ContactValidator(cfg.expectations.contacts)
        for step in (VALIDATED, QUARANTINE):
            staging.reset_step(step)
        valid = ChunkWriter(staging, VALIDATED, cfg.forward.chunk_rows)
        quarantine = ChunkWriter(staging, QUARANTINE, cfg.forward.chunk_rows)
        reasons: dict[str, int] = {}
        extracted = 0
        for chunk in staging.iter_chunks(EXTRACTED):
            extracted += len(chunk)
            outcome = validator.validate(chunk)
            valid.add(outcome.valid)
            quarantine.add(outcome.quarantine)
            reasons = merge_counts(reasons, outcome.counts_by_reason)
        valid.close()
        quarantined = quarantine.close()["rows"]
        rate = quarantined / extracted if extracted else 0.0
        self.log.info(
            "Validated %d rows: %d quarantined (%.2f%%) %s; quarantine in %s",
            extracted,
            quarantined,
            100 * rate,
            reasons,
            staging.step(QUARANTINE),
        )
        threshold = float(param(context, "reject_rate_threshold", cfg.forward.reject_rate_threshold))
        check_rate("validation reject rate", rate, threshold)
        # "extracted" is the extract step's count: the merged run report adds the steps' reports up
        report = RunReport(quarantined_rows=quarantined, quarantined=reasons)
        return {"report": report.to_dict(), "quarantine": str(staging.step(QUARANTINE))}
