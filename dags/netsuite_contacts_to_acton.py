"""NetSuite contacts -> Act-On marketing lists. Wiring only: the work is in netsuite_acton.operators."""

from __future__ import annotations

import os

from airflow.sdk import DAG, Param

from netsuite_acton.assets import ACTON_LISTS_WRITTEN
from netsuite_acton.dag_settings import config_path, dag_kwargs, step_kwargs
from netsuite_acton.operators.commit_contacts import CommitContactsOperator
from netsuite_acton.operators.diff_contacts import DiffContactsOperator
from netsuite_acton.operators.extract_contacts import NetSuiteContactsExtractOperator
from netsuite_acton.operators.load_contacts import ActOnMergeOperator
from netsuite_acton.operators.plan_removals import PlanRemovalsOperator
from netsuite_acton.operators.remove_contacts import ActOnRemoveOperator
from netsuite_acton.operators.report import RunReportOperator
from netsuite_acton.operators.transform_contacts import TransformContactsOperator
from netsuite_acton.operators.validate_contacts import ValidateContactsOperator
from netsuite_acton.sync.config import load_config

CONFIG = load_config(config_path())
common = step_kwargs()

DOC = """
### NetSuite contacts → Act-On lists

**What it does.** Reads NetSuite contacts (with their company's stage) modified since the last
successful run, minus a lookback; validates them (Great Expectations suite `include/expectations/`),
cleans them (emails, names, phones to E.164), resolves duplicate emails (most recently modified wins),
routes each contact to an Act-On list by company stage (`include/sync.yaml`), and merges only the new
or changed contacts into those lists (bulk UPSERT keyed by email). The lists stay a mirror: an address
leaves a list when its contact moves to another stage, is made inactive or deleted, changes email or
loses its company (only addresses the sync put there; never more than `forward.removals.max_share` of a
list in one run).

**Steps.** `extract` → `validate` → `transform` → `diff` → `plan_removals` → `load` → `remove` →
`commit` → `report`. The data lives in the run's staging folder; `commit` gets `load`'s result as an
XComArg (`load.output`).

**Guarantees.** The watermark moves only in `commit`, after `load` succeeded. Every task can be
cleared and rerun; a rerun of the whole run converges to the same Act-On lists and state.

**On call.**
* A failed `validate`: the reject rate passed the threshold. The quarantine file (path in the task's
  XCom) has the reason of every rejected row. Fix the data in NetSuite, or raise the threshold for one
  run with the `reject_rate_threshold` Param.
* A failed `extract` or `load`: usually the API (rate limit, credentials). Clear the task to retry;
  nothing was committed.
* A failed `plan_removals`: the run would remove more of a list than the safety valve allows; the
  message names the list and the count, and nothing was written. If the clean-up is real, trigger once
  with `allow_mass_removal`; if not, look at the extract (a permission change hides records).
* Resync everything: trigger with `full_refresh` on (and `force_reload` to resend unchanged rows); a
  full refresh also removes every synced address whose contact NetSuite no longer has.
* Replay a window: trigger with `since` (UTC).
* Look before you write: `dry_run` does every step but the Act-On write and the commit, and reports
  what would change.
"""

with DAG(
    dag_id="netsuite_contacts_to_acton",
    description="NetSuite contacts, validated and cleaned, merged into Act-On lists by company stage",
    schedule=os.environ.get("NETSUITE_ACTON_FORWARD_SCHEDULE", "@hourly"),
    **dag_kwargs(),
    tags=["netsuite", "acton", "sync"],
    doc_md=DOC,
    params={
        "full_refresh": Param(False, type="boolean", description="Extract every contact, not just changes."),
        "since": Param(
            None,
            type=["null", "string"],
            format="date-time",
            # enforced here: jsonschema only checks "format" when optional packages are installed
            pattern=r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$",
            description="Extract contacts modified since this UTC time (overrides the watermark).",
        ),
        "dry_run": Param(False, type="boolean", description="Do everything but write to Act-On; report."),
        "force_reload": Param(
            False, type="boolean", description="Send every extracted contact, changed or not."
        ),
        "reject_rate_threshold": Param(
            None,
            type=["null", "number"],
            minimum=0,
            maximum=1,
            description="Fail validation above this share of rejected rows (default: the YAML's).",
        ),
        "lists": Param(
            None,
            type=["null", "array"],
            items={"type": "string", "enum": CONFIG.forward.routed_lists},
            description="Load only these Act-On lists (default: all).",
        ),
        "allow_mass_removal": Param(
            False,
            type="boolean",
            description="Let this run remove more of a list than forward.removals.max_share allows.",
        ),
    },
) as dag:
    extract = NetSuiteContactsExtractOperator(task_id="extract", pool="netsuite_api", pool_slots=4, **common)
    validate = ValidateContactsOperator(task_id="validate", **common)
    transform = TransformContactsOperator(task_id="transform", **common)
    diff = DiffContactsOperator(task_id="diff", **common)
    plan_removals = PlanRemovalsOperator(task_id="plan_removals", **common)
    load = ActOnMergeOperator(
        task_id="load",
        pool="acton_api",
        outlets=[ACTON_LISTS_WRITTEN],
        **common,
    )
    remove = ActOnRemoveOperator(task_id="remove", pool="acton_api", **common)
    commit = CommitContactsOperator(task_id="commit", load_result=load.output, **common)
    report = RunReportOperator(
        task_id="report",
        trigger_rule="all_done",
        **common,
    )
    extract >> validate >> transform >> diff >> plan_removals >> load >> remove >> commit >> report
