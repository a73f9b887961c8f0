"""Remove step: take the planned addresses out of their Act-On lists (bulk deletes by record id).

Per list with removals: one paged download of the email column gives the record ids, then deletes of up
to 100 ids per call. An address no longer in the list (removed by hand) counts as removed. Records Act-On
refuses are results, not errors: ``commit`` keeps them owed and the next run tries again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netsuite_acton.operators.base import ActOnStepOperator, param, target_lists
from netsuite_acton.operators.folders import REMOVALS, REMOVED

if TYPE_CHECKING:
    import pandas as pd
    from airflow.sdk import Context

#: Columns of the ``removed/`` results.
RESULT_COLUMNS = ("email", "list_name", "netsuite_id", "reason", "ok", "error")


class ActOnRemoveOperator(ActOnStepOperator):
    """Carry out the plan of ``plan_removals`` for the lists this run writes; a dry run calls nothing."""

    ui_color = "#f9e0e0"

    def execute(self, context: Context) -> dict[str, Any]:
        import pandas as pd

        from netsuite_acton.hooks.acton import ActOnHook
        from netsuite_acton.sync.report import RunReport

        fwd = self.sync_config.forward
        staging = self.staging(context)
        staging.reset_step(REMOVED)
        plan = pd.concat(list(staging.iter_chunks(REMOVALS)) or [pd.DataFrame()], ignore_index=True)
        dry_run = bool(param(context, "dry_run", False))
        targets = set(target_lists(fwd.routed_lists, param(context, "lists")))
        if plan.empty or dry_run:
            self.log.info("Nothing to remove%s", " (dry run)" if dry_run and not plan.empty else "")
            return {"report": RunReport(dry_run=dry_run).to_dict(), "removed": 0, "failed": 0}
        hook = ActOnHook(acton_conn_id=self.acton_conn_id, state=self.state())
        results = []
        for name, rows in plan.groupby("list_name", sort=True):
            if name in targets:
                results.append(self._remove_from(hook, str(name), rows))
        done = (
            pd.concat(results, ignore_index=True) if results else pd.DataFrame(columns=list(RESULT_COLUMNS))
        )
        staging.write_chunk(REMOVED, 0, done)
        report = self._report(done, hook.calls_made)
        return {
            "report": report.to_dict(),
            "removed": int(done["ok"].sum()),
            "failed": int((~done["ok"]).sum()),
        }

    def _remove_from(self, hook: Any, name: str, rows: pd.DataFrame) -> pd.DataFrame:
        """Delete one list's planned addresses; each row comes back with ``ok`` and Act-On's error, if any."""
        found = hook.find_list(name)
        rows = rows.assign(ok=True, error=None)
        if found is None:
            self.log.warning(
                "List %r does not exist in Act-On: its %d planned removals are moot", name, len(rows)
            )
            return rows.loc[:, list(RESULT_COLUMNS)]
        list_id = str(found["id"])
        ids = hook.record_ids(list_id, self.sync_config.forward.email_heading, rows["email"])
        wanted = [rid for email in rows["email"] for rid in ids.get(email, [])]
        result = hook.delete_list_records(list_id, wanted)
        failed_by_email = {
            email: "; ".join(
                sorted({result.failed[rid] for rid in ids.get(email, []) if rid in result.failed})
            )
            for email in rows["email"]
        }
        errors = rows["email"].map(failed_by_email)
        rows["ok"] = errors.fillna("").eq("")
        rows["error"] = errors.where(~rows["ok"], None)
        self.log.info(
            "List %r: %d removed (%d already gone), %d refused, in %d delete calls",
            name,
            int(rows["ok"].sum()),
            int(sum(1 for e in rows["email"] if e not in ids)),
            int((~rows["ok"]).sum()),
            result.calls,
        )
        return rows.loc[:, list(RESULT_COLUMNS)]

    @staticmethod
    def _report(done: pd.DataFrame, calls: int) -> Any:
        from netsuite_acton.sync.report import RunReport

        ok = done.loc[done["ok"]].groupby(["list_name", "reason"]).size()
        failed = done.loc[~done["ok"]].groupby("list_name").size()
        return RunReport(
            calls={"acton": calls},
            counters={
                **{f"removed:{name}:{reason}": int(n) for (name, reason), n in ok.items()},
                **{f"removal_failed:{name}": int(n) for name, n in failed.items()},
            },
        )
