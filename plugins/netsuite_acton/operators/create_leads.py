"""Leads created in NetSuite from an Act-On list (``reverse.create_leads``): read, plan, create.

``read_leads`` downloads the list's lead headings; ``plan_leads`` resolves the LEAD status (a wrong one
fails here, before anything is written), quarantines unusable rows, leaves out every address NetSuite
already holds (any contact or customer, any case) or the sync created a lead for before, and caps the
rest at ``max_per_run`` (the others are deferred to later runs); ``create_leads`` claims each address in
``nas_created_leads`` (one writer wins), POSTs one customer per address within the hook's concurrency
budget, and records the new id. After a lost answer it looks before it creates again, so a rerun, a retry
or two runs at once never make a second record. With ``reverse.create_leads`` null all three do nothing;
a dry run plans (``leads_to_create/`` lists the addresses) and writes nothing to NetSuite or the state.
"""

from __future__ import annotations

from collections import deque
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from netsuite_acton.errors import PermanentSyncError
from netsuite_acton.operators.base import ActOnStepOperator, NetSuiteStepOperator, param
from netsuite_acton.operators.folders import LEAD_RESULTS, LEADS_LIST, LEADS_TO_CREATE, QUARANTINE_LEADS

if TYPE_CHECKING:
    import pandas as pd
    from airflow.sdk import Context

    from netsuite_acton.sync.report import RunReport

#: Per-address results of the create step.
RESULT_COLUMNS = ("email", "claim", "outcome", "customer_id", "status", "error_code", "detail", "posts")


def _off(report: RunReport | None = None, **extra: Any) -> dict[str, Any]:
    from netsuite_acton.sync.report import RunReport

    return {"report": (report or RunReport(direction="reverse")).to_dict(), "enabled": False, **extra}


class ReadLeadsListOperator(ActOnStepOperator):
    """Download the ``create_leads`` list's email, name, phone and company columns (JSON pages)."""

    ui_color = "#e3f4e1"

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.hooks.acton import ActOnHook
        from netsuite_acton.hooks.acton.errors import ActOnHeadingsMismatchError
        from netsuite_acton.operators.staging import ChunkWriter
        from netsuite_acton.sync.report import RunReport

        staging = self.staging(context)
        staging.reset_step(LEADS_LIST)
        cfg = self.sync_config
        leads = cfg.reverse.create_leads
        if leads is None:
            self.log.info("reverse.create_leads is null: no lead is created")
            return _off(rows=0)
        hook = ActOnHook(acton_conn_id=self.acton_conn_id, state=self.state())
        found = hook.find_list(leads.list)
        if found is None:
            raise PermanentSyncError(
                f"reverse.create_leads.list: Act-On has no list named {leads.list!r} (check the name, or set "
                "create_leads to null)"
            )
        list_id = str(found["id"])
        headings = leads.headings(cfg.forward)
        present = set(hook.list_headings(list_id))
        if headings["email"] not in present:
            raise ActOnHeadingsMismatchError(
                f"Act-On list {leads.list!r} has no heading {headings['email']!r} (forward.email_heading)"
            )
        missing = sorted({h for h in headings.values() if h not in present})
        if missing:
            self.log.warning("List %s lacks the headings %s: read as empty", list_id, missing)
        fields = list(dict.fromkeys(h for h in headings.values() if h in present))
        writer = ChunkWriter(staging, LEADS_LIST, cfg.forward.chunk_rows)
        for page in hook.download_list(list_id, fields=fields):
            writer.add(page.loc[:, fields])
        rows = writer.close()["rows"]
        self.log.info("Read %d rows of Act-On list %s for lead creation", rows, list_id)
        report = RunReport(
            direction="reverse",
            calls={"acton": hook.calls_made},
            counters={f"leads:heading_missing:{h}": 1 for h in missing},
        )
        return {"report": report.to_dict(), "enabled": True, "rows": rows, "list_id": list_id}


class PlanLeadsOperator(NetSuiteStepOperator):
    """Resolve the LEAD status, validate the rows, leave out what NetSuite or the sync already has, cap."""

    ui_color = "#e3f4e1"

    def execute(self, context: Context) -> dict[str, Any]:
        import pandas as pd

        from netsuite_acton.hooks.netsuite import NetSuiteHook
        from netsuite_acton.sources.netsuite_consent import NetSuiteConsent
        from netsuite_acton.sources.netsuite_leads import NetSuiteLeads
        from netsuite_acton.state.leads import CreatedLeads
        from netsuite_acton.sync.cleaning import canonical_email
        from netsuite_acton.sync.leads import lead_candidates, plan_leads
        from netsuite_acton.sync.report import RunReport

        staging = self.staging(context)
        for step in (QUARANTINE_LEADS, LEADS_TO_CREATE):
            staging.reset_step(step)
        cfg = self.sync_config
        leads = cfg.reverse.create_leads
        if leads is None:
            return _off(to_create=0)
        hook = NetSuiteHook(netsuite_conn_id=self.netsuite_conn_id)
        status = NetSuiteLeads(hook).resolve_status(leads.entity_status)
        rows = staging.read_step(LEADS_LIST)
        candidates = lead_candidates(rows, leads.headings(cfg.forward))
        emails = list(candidates.frame["email"])
        state = self.state()
        created = CreatedLeads(state.engine).created(emails)
        ask = [email for email in emails if email not in created]
        found = NetSuiteConsent(hook).records_by_email(ask) if ask else pd.DataFrame({"email": []})
        known = set(canonical_email(found["email"]).dropna())
        plan = plan_leads(
            candidates.frame,
            known=known,
            created=set(created),
            opted_out=state.opted_out_addresses(emails),
            max_per_run=leads.max_per_run,
        )
        if len(candidates.quarantine):
            staging.write_chunk(QUARANTINE_LEADS, 0, candidates.quarantine)
        staging.write_chunk(LEADS_TO_CREATE, 0, plan.to_create)
        counts = {**candidates.counts, **plan.counts}
        self.log.info(
            "Leads at status %s %r: %d to create, %d deferred, %d already in NetSuite, %d quarantined",
            status.id,
            status.name,
            len(plan.to_create),
            len(plan.deferred),
            counts.get("leads:known_in_netsuite", 0),
            len(candidates.quarantine),
        )
        report = RunReport(direction="reverse", calls={"netsuite": hook.calls_made}).count(counts)
        return {
            "report": report.to_dict(),
            "enabled": True,
            "status_id": status.id,
            "status_name": status.name,
            "subsidiary": leads.subsidiary,
            "to_create": len(plan.to_create),
        }


class CreateLeadsOperator(NetSuiteStepOperator):
    """Claim, create and record each planned lead, ``max_concurrency`` at a time; every outcome kept.

    A record NetSuite refuses (a missing required field, a bad subsidiary) is a result with NetSuite's
    code, never an exception; the step fails (after recording everything) only when the refused share
    passes ``reverse.failure_rate_threshold`` (or the run's Param).
    """

    template_fields: tuple[str, ...] = (*NetSuiteStepOperator.template_fields, "plan_result")
    ui_color = "#e3f4e1"

    def __init__(self, *, plan_result: Any = None, **kwargs: Any) -> None:
        """``plan_result``: the plan_leads step's return value, wired in the DAG as ``.output``."""
        super().__init__(**kwargs)
        self.plan_result = plan_result

    def execute(self, context: Context) -> dict[str, Any]:
        from netsuite_acton.sync.report import RunReport

        staging = self.staging(context)
        staging.reset_step(LEAD_RESULTS)
        plan = self.plan_result or {}
        leads = self.sync_config.reverse.create_leads
        if leads is None or not plan.get("enabled"):
            return _off(attempted=0, failed=0)
        to_create = staging.read_step(LEADS_TO_CREATE)
        if bool(param(context, "dry_run", False)):
            listed = str(staging.step(LEADS_TO_CREATE))
            self.log.info("Dry run: would create %d leads, listed in %s", len(to_create), listed)
            report = RunReport(
                direction="reverse", dry_run=True, counters={"would_create:leads": len(to_create)}
            )
            return {
                "report": report.to_dict(),
                "enabled": True,
                "attempted": 0,
                "failed": 0,
                "would_create": len(to_create),
                "listed_in": listed,
            }
        if to_create.empty:
            self.log.info("No lead to create: no NetSuite call made")
            return {
                "report": RunReport(direction="reverse").to_dict(),
                "enabled": True,
                "attempted": 0,
                "failed": 0,
            }
        results, calls = self._create(
            context, to_create, plan, timedelta(minutes=leads.claim_timeout_minutes)
        )
        staging.write_chunk(LEAD_RESULTS, 0, results)
        return self._summarise(context, results, calls)

    def _create(
        self, context: Context, to_create: pd.DataFrame, plan: dict[str, Any], timeout: timedelta
    ) -> tuple[pd.DataFrame, int]:
        import pandas as pd

        from netsuite_acton.client.parallel import read_in_parallel
        from netsuite_acton.hooks.netsuite import NetSuiteHook
        from netsuite_acton.sources.netsuite_leads import NetSuiteLeads
        from netsuite_acton.state.leads import CreatedLeads

        hook = NetSuiteHook(netsuite_conn_id=self.netsuite_conn_id)
        creator = LeadCreator(
            NetSuiteLeads(hook),
            CreatedLeads(self.state().engine),
            run_id=context["run_id"],
            status_id=str(plan["status_id"]),
            subsidiary=plan.get("subsidiary"),
            timeout=timeout,
        )
        rows = deque(to_create.to_dict("records"))
        workers = min(hook.settings.max_concurrency, len(rows))

        def take() -> dict[str, Any] | None:
            try:
                return rows.popleft()  # atomic: the workers share the queue without a lock
            except IndexError:
                return None

        outcomes = list(
            read_in_parallel(take, lambda row: [creator.create(row)], workers, thread_name_prefix="lead")
        )
        return pd.DataFrame(outcomes, columns=list(RESULT_COLUMNS)), hook.calls_made

    def _summarise(self, context: Context, results: pd.DataFrame, calls: int) -> dict[str, Any]:
        from netsuite_acton.sync.report import RunReport, check_rate

        outcome = results["outcome"].value_counts().to_dict()
        failed_rows = results.loc[results["outcome"].isin(["refused", "unknown"])]
        rejected = failed_rows["error_code"].fillna("UNKNOWN").map(lambda code: f"lead:{code}")
        attempted = int(results["claim"].isin(["new", "taken_over"]).sum())
        report = RunReport(
            direction="reverse",
            loaded_appended={"netsuite:lead": int(outcome.get("created", 0) + outcome.get("recovered", 0))},
            rejected={str(k): int(v) for k, v in rejected.value_counts().items()},
            calls={"netsuite": calls},
            counters={f"leads:{key}": int(value) for key, value in sorted(outcome.items())},
        )
        second = int(results["detail"].fillna("").str.startswith("second record").sum())
        if second:
            report.count({"leads:second_record": second})
        failed = len(failed_rows)
        self.log.info("Leads: %s; %d of %d attempted failed %s", outcome, failed, attempted, report.rejected)
        threshold = param(context, "failure_rate_threshold", self.sync_config.reverse.failure_rate_threshold)
        if attempted:
            check_rate(
                f"lead creation failure rate ({failed} of {attempted}: {report.rejected}; "
                "lead_results/ lists them, a later run retries them)",
                failed / attempted,
                threshold,
            )
        return {"report": report.to_dict(), "enabled": True, "attempted": attempted, "failed": failed}


class LeadCreator:
    """One address from claim to recorded outcome (thread-safe: the state store and the hook are)."""

    def __init__(
        self,
        leads: Any,
        ledger: Any,
        *,
        run_id: str,
        status_id: str,
        subsidiary: int | None,
        timeout: timedelta,
    ) -> None:
        self.leads, self.ledger = leads, ledger
        self.run_id, self.status_id, self.subsidiary, self.timeout = run_id, status_id, subsidiary, timeout

    def create(self, row: dict[str, Any]) -> dict[str, Any]:
        from netsuite_acton.sources.netsuite_leads import CREATED, EXISTS, RECOVERED, lead_body

        email = str(row["email"])
        claim = self.ledger.claim(email, self.run_id, self.timeout)
        result: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS)
        result.update(email=email, claim=claim.kind, posts=0)
        if not claim.owned:
            result.update(outcome=claim.kind, customer_id=claim.customer_id)
            return result
        try:
            outcome = self.leads.create_lead(
                email,
                lead_body(row, self.status_id, self.subsidiary),
                look_first=claim.must_look_up,
                still_ours=lambda: self.ledger.owns(email, self.run_id, claim.attempt),
            )
        except Exception as exc:
            self.ledger.record_failed(email, f"{type(exc).__name__}: {exc}", self.run_id, claim.attempt)
            raise
        result.update(
            outcome=outcome.outcome,
            customer_id=outcome.customer_id,
            status=outcome.status,
            error_code=outcome.error_code,
            detail=outcome.detail,
            posts=outcome.posts,
        )
        if outcome.outcome in (CREATED, RECOVERED):
            earlier = self.ledger.record_created(email, str(outcome.customer_id), self.run_id)
            if earlier is not None:  # must never happen; if it does, say so loudly (ids only)
                result["detail"] = f"second record: customer {outcome.customer_id} besides {earlier}"
        elif outcome.outcome == EXISTS:
            self.ledger.release(email, self.run_id, claim.attempt)
        elif not outcome.ok and outcome.outcome != "lost_claim":
            self.ledger.record_failed(
                email,
                f"{outcome.error_code or outcome.outcome}: {outcome.detail or ''}",
                self.run_id,
                claim.attempt,
            )
        return result
