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
    OPTED_OUT,
    QUARANTINE,
    QUARANTINE_CLEAN,
    REMOVALS,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    import pandas as pd
    from airflow.sdk import Context

    from netsuite_acton.sync.removals import RemovalPlan


class PlanRemovalsOperator(SyncStepOperator):
    """Judge every membership the run's changes touch (all of them in a full refresh) and stage the plan.

    Memory stays flat: memberships are judged a batch at a time, and for each batch only the facts about
    its contacts and addresses are read from the run folder.

    Fails with ``MassRemovalError`` when a list would lose more than ``forward.removals.max_share`` (and
    more than ``min_count`` addresses), unless the run's Param ``allow_mass_removal`` is on. A dry run
    reports what would be removed and never fails on the valve.
    """

    ui_color = "#f9e0e0"

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.sync.quarantine import merge_counts
        from netsuite_acton.sync.removals import MassRemovalError, breach_message, empty_plan, valve_breaches
        from netsuite_acton.sync.report import RunReport

        cfg = self.sync_config.forward.removals
        staging = self.staging(context)
        staging.reset_step(REMOVALS)
        dry_run = bool(param(context, "dry_run", False))
        if not cfg.enabled:
            staging.write_chunk(REMOVALS, 0, empty_plan())
            return {"report": RunReport(dry_run=dry_run).to_dict(), "planned": 0}
        state = self.state()
        full_refresh = bool(staging.read_json(MANIFEST).get("full_refresh"))
        counts: dict[str, int] = {}
        held: dict[str, int] = {}
        per_list: dict[str, int] = {}
        planned = 0
        for index, members in enumerate(self._member_batches(staging, state, full_refresh)):
            plan = self._judge(staging, state, members, full_refresh)
            staging.write_chunk(REMOVALS, index, plan.rows)
            if plan.cleared and not dry_run:
                state.clear_owed(plan.cleared)
            counts, held = merge_counts(counts, plan.counts()), merge_counts(held, plan.held)
            per_list = merge_counts(per_list, plan.per_list())
            planned += len(plan.rows)
        self.log.info("Removals planned %s; held back %s", counts or "none", held or "none")
        breaches = valve_breaches(per_list, state.list_sizes(), cfg.max_share, cfg.min_count)
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
                **{f"removal_{key}": n for key, n in held.items()},
                **{f"valve_breach:{b.list_name}": b.removals for b in breaches},
            },
        )
        return {"report": report.to_dict(), "planned": planned}

    def _member_batches(self, staging: Any, state: Any, full_refresh: bool) -> Iterator[pd.DataFrame]:
        """Memberships to judge, in batches: all of them in a full refresh (memory stays at one batch);
        else those of the contacts the run read or NetSuite deleted, and of the addresses they hold now.
        Removals still owed come with the first batch."""
        import pandas as pd

        from netsuite_acton.state.membership import MEMBER_COLUMNS
        from netsuite_acton.sync.cleaning import canonical_email

        def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
            return pd.DataFrame(rows, columns=list(MEMBER_COLUMNS)).drop_duplicates(
                ["list_name", "email"], ignore_index=True
            )

        owed = state.pending_removals()
        if full_refresh:
            for batch in state.iter_members():
                yield frame(owed + batch)
                owed = []
            if owed:
                yield frame(owed)
            return
        ids: set[str] = set()
        emails: set[str] = set()
        for chunk in staging.iter_chunks(EXTRACTED, columns=["id", "email"]):
            ids.update(chunk["id"].dropna().astype(str))
            emails.update(canonical_email(chunk["email"]).dropna())
        ids |= self._deleted_people(self._deleted(staging))
        known = state.members_opted_out()  # opted out in Act-On or an earlier run, contact unchanged
        yield frame(owed + known + state.members_by_contact(ids) + state.members_by_email(emails))

    def _judge(self, staging: Any, state: Any, members: pd.DataFrame, full_refresh: bool) -> RemovalPlan:
        """The plan for one batch of memberships, from the run folder's facts about just those."""
        from netsuite_acton.sync.contract import COMPANY_RECORD
        from netsuite_acton.sync.removals import RunFacts, plan_removals

        ids = set(members["netsuite_id"].dropna().astype(str))
        emails = set(members["email"].dropna())
        contacts = self._contacts(staging, ids)
        emails |= set(contacts["email"].dropna())
        deleted = self._deleted(staging)
        opted_out = {e for chunk in staging.iter_chunks(OPTED_OUT) for e in chunk["email"] if e in emails}
        opted_out |= state.opted_out_addresses(emails)
        facts = RunFacts(
            contacts=contacts,
            desired=self._routes(staging, emails - opted_out),
            opted_out=frozenset(opted_out),
            deleted_contacts=frozenset(self._deleted_people(deleted)),
            deleted_companies=frozenset(deleted.get(COMPANY_RECORD, ())),
            old_companies={link["netsuite_id"]: link["company_id"] for link in state.links_by_contact(ids)},
            full_refresh=full_refresh,
        )
        return plan_removals(members, facts)

    def _contacts(self, staging: Any, ids: set[str]) -> pd.DataFrame:
        """Facts about the contacts ``ids`` the run read (newest version of each), see ``RunFacts``."""
        import pandas as pd

        from netsuite_acton.sync.cleaning import canonical_email, is_inactive

        columns = ["id", "email", "isinactive", "company", "lastmodifieddate"]
        parts = [
            chunk.loc[chunk["id"].astype(str).isin(ids)]
            for chunk in staging.iter_chunks(EXTRACTED, columns=columns)
        ]
        extracted = pd.concat(
            [p for p in parts if len(p)] or [pd.DataFrame(columns=columns)], ignore_index=True
        )
        extracted = extracted.sort_values("lastmodifieddate", kind="mergesort")
        extracted = extracted.drop_duplicates("id", keep="last")  # the newest version of each contact
        company = extracted["company"].astype("string").str.strip()
        skip_inactive = not self.sync_config.forward.include_inactive
        return pd.DataFrame(
            {
                "email": canonical_email(extracted["email"]).to_numpy(),
                "skipped_inactive": (is_inactive(extracted["isinactive"]) & skip_inactive).to_numpy(
                    dtype=bool
                ),
                "has_company": (company.notna() & company.ne("")).fillna(False).astype(bool).to_numpy(),
                "quarantined": extracted["id"]
                .astype(str)
                .isin(self._quarantined_ids(staging, ids))
                .to_numpy(),
            },
            index=pd.Index(extracted["id"].astype(str), name="netsuite_id"),
        )

    def _routes(self, staging: Any, emails: set[str]) -> dict[str, frozenset[str]]:
        """Address -> every list a current contact with it routes it to (de-duplication losers included)."""
        from netsuite_acton.sync.routing import list_names

        routes: dict[str, set[str]] = {}
        for chunk in staging.iter_chunks(CLEANED):
            chunk = chunk.loc[chunk["email"].isin(emails)]
            for email, name in zip(chunk["email"], list_names(chunk, self.sync_config.forward), strict=True):
                if isinstance(name, str):
                    routes.setdefault(email, set()).add(name)
        return {email: frozenset(names) for email, names in routes.items()}

    @staticmethod
    def _quarantined_ids(staging: Any, ids: set[str]) -> set[str]:
        found: set[str] = set()
        for step in (QUARANTINE, QUARANTINE_CLEAN):
            for chunk in staging.iter_chunks(step, columns=["id"]):
                found.update(i for i in chunk["id"].dropna().astype(str) if i in ids)
        return found

    @staticmethod
    def _deleted_people(deleted: dict[str, set[str]]) -> set[str]:
        """Person keys of deleted records: contacts, and every deleted customer as a possible individual."""
        from netsuite_acton.sync.contract import COMPANY_RECORD, CONTACT_RECORD, individual_key

        customers = deleted.get(COMPANY_RECORD, set())
        return set(deleted.get(CONTACT_RECORD, set())) | {individual_key(i) for i in customers}

    @staticmethod
    def _deleted(staging: Any) -> dict[str, set[str]]:
        deleted: dict[str, set[str]] = {}
        for chunk in staging.iter_chunks(DELETED):
            for kind, ids in chunk.groupby("record_type")["recordid"]:
                deleted.setdefault(str(kind), set()).update(ids.astype(str))
        return deleted
