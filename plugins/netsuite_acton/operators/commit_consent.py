"""Commit step of the opt-out sync: remember the entries, write the audit trail, move the watermarks.

Order matters for "never past unloaded data": entries read in this window are remembered (owed) before
either watermark moves, then settled, except those with a failed NetSuite write, which stay owed and are
planned again by the next run. A dry run commits nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import SyncStepOperator, param
from netsuite_acton.operators.folders import (
    ACTON_CONSENT_WATERMARK,
    CONSENT_ENTRIES,
    CONSENT_RESULTS,
    CONSENT_SETTLE,
    NETSUITE_OPTOUTS_WATERMARK,
    TO_ACTON_OPTOUT,
)

if TYPE_CHECKING:
    import pandas as pd
    from airflow.sdk import Context

ACTON_OPTOUT_LIST = "Act-On opt-out list"


class CommitConsentOperator(SyncStepOperator):
    """Entries, audit rows and watermarks; the read steps' results are wired in as ``.output``."""

    template_fields: tuple[str, ...] = (*SyncStepOperator.template_fields, "netsuite_read", "acton_read")
    ui_color = "#fde8e8"

    def __init__(self, *, netsuite_read: Any = None, acton_read: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.netsuite_read = netsuite_read
        self.acton_read = acton_read

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.sync.report import RunReport

        if bool(param(context, "dry_run", False)):
            return {"report": RunReport(direction="consent", dry_run=True).to_dict(), "changes": 0}
        staging = self.staging(context)
        state = self.state()
        run_id = context["run_id"]
        entries = staging.read_step(CONSENT_ENTRIES)
        state.add_consent_entries(entries.to_dict("records"), run_id=run_id)

        results = staging.read_step(CONSENT_RESULTS)
        pushed = staging.read_step(TO_ACTON_OPTOUT)
        changes = [*_acton_changes(pushed), *_netsuite_changes(results)]
        state.record_consent_changes(changes, run_id=run_id)

        settle = staging.read_step(CONSENT_SETTLE)
        failed = results.loc[~results["ok"].astype(bool)] if len(results) else results
        failed_emails = set(failed["email"]) if len(failed) else set()
        keys = list(zip(settle.get("kind", []), settle.get("email", []), strict=True))
        owed = [key for key in keys if key[1] in failed_emails]
        if owed:
            codes = ", ".join(sorted(set(failed["error_code"].fillna("UNKNOWN"))))
            state.owe_consent(owed, f"NetSuite refused a write ({codes})", run_id=run_id)
        state.settle_consent([key for key in keys if key[1] not in failed_emails], run_id=run_id)

        moved = {
            NETSUITE_OPTOUTS_WATERMARK: self._advance(
                state, NETSUITE_OPTOUTS_WATERMARK, self.netsuite_read, run_id
            ),
            ACTON_CONSENT_WATERMARK: self._advance(state, ACTON_CONSENT_WATERMARK, self.acton_read, run_id),
        }
        self.log.info(
            "Committed %d entries read, %d audit rows; %d entries settled, %d still owed; watermarks %s",
            len(entries),
            len(changes),
            len(keys) - len(owed),
            len(owed),
            moved,
        )
        report = RunReport(direction="consent").count(
            {
                "consent_changes": len(changes),
                "consent_settled": len(keys) - len(owed),
                "consent_owed": len(owed),
            }
        )
        return {"report": report.to_dict(), "changes": len(changes), "owed": len(owed), "watermarks": moved}

    @staticmethod
    def _advance(state: Any, name: str, read: dict[str, Any] | None, run_id: str) -> str | None:
        started = (read or {}).get("started_at")
        if not started:
            return None
        state.set_watermark(name, datetime.fromisoformat(started), run_id=run_id)
        return str(started)


def _acton_changes(pushed: pd.DataFrame) -> list[dict[str, Any]]:
    from netsuite_acton.sync.consent import NETSUITE_OPTOUT

    return [
        {
            "direction": "to_acton",
            "email": row["email"],
            "target": ACTON_OPTOUT_LIST,
            "change": "added",
            "source": NETSUITE_OPTOUT,
            "origin": row["origin"],
            "recorded_at": row["recorded_at"],
        }
        for row in pushed.to_dict("records")
    ]


def _netsuite_changes(results: pd.DataFrame) -> list[dict[str, Any]]:
    from netsuite_acton.sync.consent import STATUS_FIELD
    from netsuite_acton.sync.contract import SUBSCRIPTION_STATUSES

    if results.empty:
        return []
    changes = []
    for row in results.loc[results["ok"].astype(bool)].to_dict("records"):
        if row["field_id"] == STATUS_FIELD:
            old = SUBSCRIPTION_STATUSES.get(str(row["old_value"]), row["old_value"])
            change = f"{STATUS_FIELD}: {old} -> Soft Opt-Out"
        else:
            change = f"{row['field_id']}: -> true (hard bounce)"
        changes.append(
            {
                "direction": "to_netsuite",
                "email": row["email"],
                "target": f"{row['record_type']} {row['record_id']}",
                "change": change,
                "source": row["kind"],
                "origin": row["origin"],
                "recorded_at": row["recorded_at"],
            }
        )
    return changes
