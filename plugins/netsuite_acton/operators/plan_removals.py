"""Plan step: which addresses must leave which list, judged before anything is written (the safety valve).

Runs after ``diff`` and before ``load``, so a run that would thin a list out more than allowed fails before
it writes anything to Act-On. The plan is staged (``removals/``) for the ``remove`` step; the run report
counts it per list and reason (no addresses).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import SyncStepOperator, param
from netsuite_acton.operators.folders import (
    CLEANED,
    DELETED,
    EXTRACTED,
    MANIFEST,
    QUARANTINE,
    QUARANTINE_CLEAN,
    REMOVALS,
)

if TYPE_CHECKING:
    import pandas as pd
    from airflow.sdk import Context

    from netsuite_acton.sync.removals import RunFacts


class PlanRemovalsOperator(SyncStepOperator):
    """Judge every membership the run's changes touch (all of them in a full refresh) and stage the plan.

    Fails with ``MassRemovalError`` when a list would lose more than ``forward.removals.max_share`` (and
    more than ``min_count`` addresses), unless the run's Param ``allow_mass_removal`` is on. A dry run
    reports what would be removed and never fails on the valve.
    """

    ui_color = "#f9e0e0"

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.sync.removals import (
            MassRemovalError,
            breach_message,
            empty_plan,
            plan_removals,
            valve_breaches,
        )
        from netsuite_acton.sync.report import RunReport

        cfg = self.sync_config.forward.removals
        staging = self.staging(context)
        staging.reset_step(REMOVALS)
        dry_run = bool(param(context, "dry_run", False))
        if not cfg.enabled:
            staging.write_chunk(REMOVALS, 0, empty_plan())
            return {"report": RunReport(dry_run=dry_run).to_dict(), "planned": 0}
        state = self.state()
        facts = self._facts(staging, state)
        members = self._members(state, facts)
        plan = plan_removals(members, facts)
        staging.write_chunk(REMOVALS, 0, plan.rows)
        if plan.cleared and not dry_run:
            state.clear_owed(plan.cleared)
        counts = plan.counts()
        self.log.info("Removals planned %s; held back %s", counts or "none", plan.held or "none")
        breaches = valve_breaches(plan.per_list(), state.list_sizes(), cfg.max_share, cfg.min_count)
        if breaches and dry_run:
            self.log.warning("Dry run: %s", breach_message(breaches, cfg.max_share))
        elif breaches and not param(context, "allow_mass_removal", False):
            raise MassRemovalError(breach_message(breaches, cfg.max_share))
        elif breaches:
            self.log.warning("allow_mass_removal is on: %s", breach_message(breaches, cfg.max_share))
        prefix = "would_remove" if dry_run else "to_remove"
        report = RunReport(
            dry_run=dry_run,
            counters={
                **{f"{prefix}:{key}": n for key, n in counts.items()},
                **{f"removal_{key}": n for key, n in plan.held.items()},
                **{f"valve_breach:{b.list_name}": b.removals for b in breaches},
            },
        )
        return {"report": report.to_dict(), "planned": len(plan.rows)}

    def _facts(self, staging: Any, state: Any) -> RunFacts:
        """What the run folder says about each contact, address and deletion (see ``RunFacts``)."""
        import pandas as pd

        from netsuite_acton.sync.cleaning import canonical_email, is_inactive
        from netsuite_acton.sync.contract import COMPANY_RECORD, CONTACT_RECORD
        from netsuite_acton.sync.removals import RunFacts
        from netsuite_acton.sync.routing import list_names

        fwd = self.sync_config.forward
        columns = ["id", "email", "isinactive", "company", "lastmodifieddate"]
        extracted = pd.concat(
            [chunk.loc[:, columns] for chunk in staging.iter_chunks(EXTRACTED, columns=columns)]
            or [pd.DataFrame(columns=columns)],
            ignore_index=True,
        )
        extracted = extracted.sort_values("lastmodifieddate", kind="mergesort").drop_duplicates(
            "id", keep="last"
        )
        company = extracted["company"].astype("string").str.strip()
        skip_inactive = not fwd.include_inactive
        contacts = pd.DataFrame(
            {
                "email": canonical_email(extracted["email"]).to_numpy(),
                "skipped_inactive": (is_inactive(extracted["isinactive"]) & skip_inactive).to_numpy(),
                "has_company": (company.notna() & company.ne("")).fillna(False).astype(bool).to_numpy(),
                "quarantined": extracted["id"].isin(self._quarantined_ids(staging)).to_numpy(),
            },
            index=pd.Index(extracted["id"].astype(str), name="netsuite_id"),
        )
        desired: dict[str, set[str]] = {}
        for chunk in staging.iter_chunks(CLEANED):
            names = list_names(chunk, fwd)
            for email, name in zip(chunk["email"], names, strict=True):
                if isinstance(name, str) and isinstance(email, str):
                    desired.setdefault(email, set()).add(name)
        deleted = self._deleted(staging)
        old = state.links_by_contact(contacts.index.tolist())
        manifest = staging.read_json(MANIFEST)
        return RunFacts(
            contacts=contacts,
            desired={email: frozenset(names) for email, names in desired.items()},
            deleted_contacts=frozenset(deleted.get(CONTACT_RECORD, ())),
            deleted_companies=frozenset(deleted.get(COMPANY_RECORD, ())),
            old_companies={link["netsuite_id"]: link["company_id"] for link in old},
            full_refresh=bool(manifest.get("full_refresh")),
        )

    @staticmethod
    def _quarantined_ids(staging: Any) -> set[str]:
        ids: set[str] = set()
        for step in (QUARANTINE, QUARANTINE_CLEAN):
            for chunk in staging.iter_chunks(step, columns=["id"]):
                ids.update(chunk["id"].dropna().astype(str))
        return ids

    @staticmethod
    def _deleted(staging: Any) -> dict[str, set[str]]:
        deleted: dict[str, set[str]] = {}
        for chunk in staging.iter_chunks(DELETED):
            for kind, ids in chunk.groupby("record_type")["recordid"]:
                deleted.setdefault(str(kind), set()).update(ids.astype(str))
        return deleted

    @staticmethod
    def _members(state: Any, facts: RunFacts) -> pd.DataFrame:
        """Memberships to judge: all in a full refresh; else those of touched contacts and addresses."""
        import pandas as pd

        from netsuite_acton.state.membership import MEMBER_COLUMNS

        if facts.full_refresh:
            rows = [row for batch in state.iter_members() for row in batch]
        else:
            contacts = set(facts.contacts.index) | set(facts.deleted_contacts)
            rows = state.members_by_contact(contacts) + state.members_by_email(
                set(facts.contacts["email"].dropna()) | set(facts.desired)
            )
        rows += state.pending_removals()
        frame = pd.DataFrame(rows, columns=list(MEMBER_COLUMNS))
        return frame.drop_duplicates(["list_name", "email"], ignore_index=True)
