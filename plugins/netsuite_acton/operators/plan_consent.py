"""Plan step of the opt-out sync: decide every write, in both systems, before any is made.

The entries this run settles are the new ones (read in this window and not settled before) plus those
still owed from earlier runs (a locked record, a failed call); a full resync settles every entry read.
For them it looks up every NetSuite contact and customer holding the address (one SuiteQL query per 200
addresses and record type), and plans Soft Opt-Out for records at 1 or 3 and, for NetSuite opt-outs that
Act-On does not list yet, an addition to Act-On's opt-out list. Nothing is written here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import NetSuiteStepOperator, param
from netsuite_acton.operators.folders import (
    ACTON_CONSENT,
    CONSENT_ENTRIES,
    CONSENT_SETTLE,
    NETSUITE_OPTOUTS,
    QUARANTINE_CONSENT,
    TO_ACTON_OPTOUT,
    TO_NETSUITE_CONSENT,
)

if TYPE_CHECKING:
    import pandas as pd
    from airflow.sdk import Context


class PlanConsentOperator(NetSuiteStepOperator):
    """Write the plan (``to_acton_optout``, ``to_netsuite_consent``) and the entries it settles."""

    ui_color = "#fde8e8"

    def execute(self, context: Context) -> dict[str, Any]:
        import pandas as pd

        from netsuite_acton.hooks.netsuite import NetSuiteHook
        from netsuite_acton.sources.netsuite_consent import RECORD_COLUMNS, NetSuiteConsent
        from netsuite_acton.sync.consent import (
            ENTRY_COLUMNS,
            HARD_BOUNCE,
            NETSUITE_OPTOUT,
            OPTOUT,
            acton_pushes,
            first_entries,
            netsuite_optouts,
            netsuite_updates,
            opted_in_addresses,
        )

        staging = self.staging(context)
        for step in (
            CONSENT_ENTRIES,
            CONSENT_SETTLE,
            TO_ACTON_OPTOUT,
            TO_NETSUITE_CONSENT,
            QUARANTINE_CONSENT,
        ):
            staging.reset_step(step)
        state = self.state()
        full = bool(param(context, "full_resync", False))
        field = self.sync_config.reverse.hard_bounce_field

        changed = staging.read_step(NETSUITE_OPTOUTS)  # records at 2 or 4; incremental: every changed one
        netsuite = netsuite_optouts(changed)
        acton = first_entries(staging.read_step(ACTON_CONSENT))
        read = first_entries(pd.concat([netsuite.entries, acton], ignore_index=True))
        settle = read if full else self._unsettled(state, read)
        owed = pd.DataFrame(state.consent_owed(), columns=list(ENTRY_COLUMNS))
        # a changed record at 1 or 3 whose address is opted out elsewhere: that entry asks again
        reopened = pd.DataFrame(
            state.opt_out_entries(opted_in_addresses(changed)), columns=list(ENTRY_COLUMNS)
        )
        settle = first_entries(pd.concat([settle, owed, reopened], ignore_index=True))

        on_acton = set(acton.loc[acton["kind"].eq(OPTOUT), "email"])
        pending_netsuite = settle.loc[settle["kind"].eq(NETSUITE_OPTOUT)]
        on_acton |= state.consent_known(OPTOUT, pending_netsuite["email"])
        to_acton = acton_pushes(pending_netsuite, on_acton)

        hook = NetSuiteHook(netsuite_conn_id=self.netsuite_conn_id)
        if len(settle):
            records = NetSuiteConsent(hook).records_by_email(list(settle["email"]), field)
        else:
            records = pd.DataFrame(columns=list(RECORD_COLUMNS))
        is_bounce = settle["kind"].eq(HARD_BOUNCE)
        updates = netsuite_updates(settle.loc[~is_bounce], settle.loc[is_bounce], records, field)
        staging.write_chunk(CONSENT_ENTRIES, 0, read)
        staging.write_chunk(CONSENT_SETTLE, 0, settle.loc[:, ["kind", "email"]])
        staging.write_chunk(TO_ACTON_OPTOUT, 0, to_acton)
        staging.write_chunk(TO_NETSUITE_CONSENT, 0, updates)
        staging.write_chunk(QUARANTINE_CONSENT, 0, netsuite.quarantine)
        return self._summary(settle, to_acton, updates, records, netsuite.quarantine, hook.calls_made)

    @staticmethod
    def _unsettled(state: Any, read: pd.DataFrame) -> pd.DataFrame:
        """Entries read this run that are new or still owed (settled ones asked for their writes already)."""
        if read.empty:
            return read
        settled = {
            (kind, email)
            for kind, group in read.groupby("kind")
            for email in state.consent_known(str(kind), group["email"], settled=True)
        }
        keys = list(zip(read["kind"], read["email"], strict=True))
        return read.loc[[key not in settled for key in keys]].reset_index(drop=True)

    def _summary(
        self,
        settle: pd.DataFrame,
        to_acton: pd.DataFrame,
        updates: pd.DataFrame,
        records: pd.DataFrame,
        quarantine: pd.DataFrame,
        calls: int,
    ) -> dict[str, Any]:
        from netsuite_acton.sync.cleaning import canonical_email
        from netsuite_acton.sync.consent import NETSUITE_OPTOUT
        from netsuite_acton.sync.report import RunReport

        to_load = {"acton:optout": len(to_acton)}
        if len(updates):
            for field_id, count in updates.groupby("field_id").size().items():
                to_load[f"netsuite:{field_id}"] = int(count)
        matched = set(canonical_email(records["email"]).dropna())
        from_acton = set(settle.loc[~settle["kind"].eq(NETSUITE_OPTOUT), "email"]) if len(settle) else set()
        unmatched = len(from_acton - matched)  # Act-On addresses no NetSuite record holds
        reasons = quarantine["reason"].value_counts().to_dict() if len(quarantine) else {}
        report = RunReport(
            direction="consent",
            to_load=to_load,
            quarantined_rows=len(quarantine),
            quarantined={str(k): int(v) for k, v in reasons.items()},
            calls={"netsuite": calls},
        ).count({"consent_entries_to_settle": len(settle), "addresses_without_netsuite_record": unmatched})
        self.log.info(
            "Plan: %d entries to settle; %d addresses to add to Act-On's opt-out list; NetSuite writes %s; "
            "%d addresses held by no NetSuite record; %d quarantined",
            len(settle),
            len(to_acton),
            {k: v for k, v in to_load.items() if k.startswith("netsuite:")},
            unmatched,
            len(quarantine),
        )
        return {"report": report.to_dict(), "to_acton": len(to_acton), "to_netsuite": len(updates)}
