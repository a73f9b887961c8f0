"""Opt-outs both ways between NetSuite and Act-On. Wiring only: the work is in netsuite_acton.operators."""

from __future__ import annotations

import os

from airflow.sdk import DAG, Param

from netsuite_acton.dag_settings import dag_kwargs, step_kwargs
from netsuite_acton.operators.commit_consent import CommitConsentOperator
from netsuite_acton.operators.plan_consent import PlanConsentOperator
from netsuite_acton.operators.preflight import ConsentPreflightOperator
from netsuite_acton.operators.push_consent import PushActOnOptOutsOperator, PushNetSuiteConsentOperator
from netsuite_acton.operators.read_consent import ReadActOnConsentOperator, ReadNetSuiteOptOutsOperator
from netsuite_acton.operators.report import RunReportOperator

common = step_kwargs()

DOC = """
### Opt-outs both ways: NetSuite ⇄ Act-On

**What it does.** An opt-out always wins, and the sync never opts anyone in.
* NetSuite → Act-On: contacts and customers at *Soft Opt-Out* (2) or *Confirmed Opt-Out* (4) go onto
  Act-On's account opt-out list.
* Act-On → NetSuite: addresses on Act-On's opt-out list and spam-complaint list set every NetSuite
  contact and customer with that address to *Soft Opt-Out* (2), unless it is already 2 or 4 (4 is the
  recipient's own and never written). Hard bounces set `reverse.hard_bounce_field` when one is named.
* The forward DAG skips opted-out addresses and removes them from the lists it fills, so a late or
  failed run of this DAG cannot let one email through.

**Steps.** `preflight` → `read_netsuite` → `read_acton` → `plan` → `push_acton` → `push_netsuite` →
`commit` → `report`. Reads start `consent.lookback_minutes` before their watermarks
(`include/sync.yaml`); entries are remembered by (list, address), so repeats write nothing.

**On call.**
* Records NetSuite refuses (locked by a workflow, permissions) are listed in the report with NetSuite's
  code and retried by every run until they succeed; the run fails above
  `consent.failure_rate_threshold`.
* "Why is this person opted out, and since when?": `python -m scripts.consent_history <email>`.
* `full_resync` reads both systems completely and re-checks every address; `dry_run` plans and reports
  and writes nothing.
"""

with DAG(
    dag_id="netsuite_acton_optouts",
    description="Opt-outs both ways: NetSuite subscription status and Act-On's opt-out list agree",
    schedule=os.environ.get("NETSUITE_ACTON_OPTOUTS_SCHEDULE", "@hourly"),
    **dag_kwargs(),
    tags=["netsuite", "acton", "consent"],
    doc_md=DOC,
    params={
        "dry_run": Param(False, type="boolean", description="Plan and report; write nothing anywhere."),
        "full_resync": Param(
            False, type="boolean", description="Read both systems completely and re-check every address."
        ),
        "failure_rate_threshold": Param(
            None,
            type=["null", "number"],
            minimum=0,
            maximum=1,
            description="Fail the run above this share of failed NetSuite writes (default: the YAML's).",
        ),
    },
) as dag:
    preflight = ConsentPreflightOperator(task_id="preflight", pool="netsuite_api", **common)
    read_netsuite = ReadNetSuiteOptOutsOperator(task_id="read_netsuite", pool="netsuite_api", **common)
    read_acton = ReadActOnConsentOperator(task_id="read_acton", pool="acton_api", **common)
    plan = PlanConsentOperator(task_id="plan", pool="netsuite_api", **common)
    push_acton = PushActOnOptOutsOperator(task_id="push_acton", pool="acton_api", **common)
    push_netsuite = PushNetSuiteConsentOperator(
        task_id="push_netsuite", pool="netsuite_api", pool_slots=4, **common
    )
    commit = CommitConsentOperator(
        task_id="commit", netsuite_read=read_netsuite.output, acton_read=read_acton.output, **common
    )
    report = RunReportOperator(
        task_id="report",
        direction="consent",
        failure_rate_step="push_netsuite",
        failure_rate_section="consent",
        trigger_rule="all_done",
        **common,
    )
    preflight >> read_netsuite >> read_acton >> plan >> push_acton >> push_netsuite >> commit >> report
