"""Act-On lead scores -> NetSuite custom fields. Wiring only: the work is in netsuite_acton.operators."""

from __future__ import annotations

import os

from airflow.sdk import DAG, AssetAny, AssetOrTimeSchedule, CronTriggerTimetable, Param

from netsuite_acton.assets import acton_list_asset
from netsuite_acton.dag_settings import config_path, dag_kwargs, step_kwargs
from netsuite_acton.operators.create_leads import (
    CreateLeadsOperator,
    PlanLeadsOperator,
    ReadLeadsListOperator,
)
from netsuite_acton.operators.extract_scores import ActOnScoresExtractOperator
from netsuite_acton.operators.preflight import NetSuitePreflightOperator
from netsuite_acton.operators.push_scores import CommitScoresOperator, PushScoresOperator
from netsuite_acton.operators.report import RunReportOperator
from netsuite_acton.operators.resolve_scores import DiffScoresOperator, ResolveScoresOperator
from netsuite_acton.operators.validate_scores import ValidateScoresOperator
from netsuite_acton.sync.config import load_config

CONFIG = load_config(config_path())
common = step_kwargs()

DOC = """
### Act-On lead scores → NetSuite

**What it does.** Downloads the score column of each Act-On list the forward DAG fills, validates the
scores, maps each email to the NetSuite contact(s) the forward DAG linked it to, and writes changed
scores into the contact's custom field (and, for companies in the LEAD stage, the highest score among
their contacts into the customer's lead-level field). Field ids, lists, score column and thresholds
live in `include/sync.yaml` (`reverse:`).

**When.** As soon as the forward DAG has updated a list (Assets), and daily in any case.

**Steps.** `preflight` → `extract_scores` → `validate` → `resolve` → `diff` → `push` → `commit` →
`read_leads` → `plan_leads` → `create_leads` → `report`. The three lead steps turn the addresses of one
Act-On list that NetSuite does not know into NetSuite leads (`reverse.create_leads` in the YAML; null =
they do nothing).

**On call.**
* `preflight` failed: a custom field is missing or the NetSuite role cannot write it; the message names
  it. Nothing was written.
* Records locked by a workflow, or refused for permission or validation, are listed in the report with
  NetSuite's error code; they are retried by the next run. The run fails only when more than the
  configured share of writes failed.
* `plan_leads` failed on `entity_status`: the YAML names no active LEAD-stage customer status; the message
  lists those that would do. Nothing was created. Leads NetSuite refuses are listed in `lead_results/`
  with NetSuite's code and retried by later runs; `create_leads` fails only above the threshold. A
  rerun, a retry or two runs at once never create a second record for an address.
* `full_push` rewrites every score (e.g. after someone edited the fields by hand in NetSuite);
  `dry_run` reports what would be written and writes nothing.
"""

with DAG(
    dag_id="acton_scores_to_netsuite",
    description="Act-On lead scores written back into NetSuite contact and lead custom fields",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(
            os.environ.get("NETSUITE_ACTON_REVERSE_CRON", "0 6 * * *"), timezone="UTC"
        ),
        assets=AssetAny(*(acton_list_asset(name) for name in CONFIG.reverse_lists)),
    ),
    **dag_kwargs(),
    tags=["netsuite", "acton", "scores"],
    doc_md=DOC,
    params={
        "dry_run": Param(False, type="boolean", description="Report what would be written; write nothing."),
        "full_push": Param(False, type="boolean", description="Ignore the diff: write every score."),
        "lists": Param(
            None,
            type=["null", "array"],
            items={"type": "string"},
            description="Act-On lists to read (default: the YAML's reverse.lists, else every routed list).",
        ),
        "failure_rate_threshold": Param(
            None,
            type=["null", "number"],
            minimum=0,
            maximum=1,
            description="Fail the run above this share of failed writes (default: the YAML's).",
        ),
    },
) as dag:
    preflight = NetSuitePreflightOperator(task_id="preflight", pool="netsuite_api", **common)
    extract = ActOnScoresExtractOperator(task_id="extract_scores", pool="acton_api", **common)
    validate = ValidateScoresOperator(task_id="validate", **common)
    resolve = ResolveScoresOperator(task_id="resolve", **common)
    diff = DiffScoresOperator(task_id="diff", **common)
    push = PushScoresOperator(task_id="push", pool="netsuite_api", pool_slots=4, **common)
    commit = CommitScoresOperator(
        task_id="commit", push_result=push.output, extract_result=extract.output, **common
    )
    report = RunReportOperator(
        task_id="report",
        direction="reverse",
        failure_rate_step="push",
        trigger_rule="all_done",
        **common,
    )
    read_leads = ReadLeadsListOperator(task_id="read_leads", pool="acton_api", **common)
    plan_leads = PlanLeadsOperator(task_id="plan_leads", pool="netsuite_api", **common)
    create_leads = CreateLeadsOperator(
        task_id="create_leads", plan_result=plan_leads.output, pool="netsuite_api", pool_slots=4, **common
    )
    preflight >> extract >> validate >> resolve >> diff >> push >> commit
    commit >> read_leads >> plan_leads >> create_leads >> report
