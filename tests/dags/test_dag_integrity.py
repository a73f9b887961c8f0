"""DAG integrity: both DAG files load, parse fast, and are wired, scheduled and documented as described.

No database, no network: the DagBag is filled from the files only (``bag.dags``, never ``get_dag``, which
asks the metadata database). Expected values come from ``include/sync.yaml`` and ``include/pools.json``
read as plain files, not from the DAG modules' own config objects.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from airflow.sdk import AssetAny, AssetOrTimeSchedule, CronTriggerTimetable
from airflow.sdk.exceptions import ParamValidationError

from netsuite_acton.assets import ACTON_LISTS_WRITTEN, acton_list_asset

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
FORWARD, REVERSE = "netsuite_contacts_to_acton", "acton_scores_to_netsuite"
OPTOUTS = "netsuite_acton_optouts"
DAG_IDS = [FORWARD, REVERSE, OPTOUTS]
DAG_FILES = {dag_id: DAGS / f"{dag_id}.py" for dag_id in DAG_IDS}
#: Environment overrides the DAG files read; cleared so the defaults are what is tested.
OVERRIDES = (
    "NETSUITE_ACTON_CONFIG",
    "NETSUITE_ACTON_FORWARD_SCHEDULE",
    "NETSUITE_ACTON_REVERSE_CRON",
    "NETSUITE_ACTON_OPTOUTS_SCHEDULE",
    "NETSUITE_ACTON_TASK_RETRIES",
    "NETSUITE_ACTON_TASK_TIMEOUT_MINUTES",
    "NETSUITE_ACTON_RUN_TIMEOUT_MINUTES",
)
PARSE_BUDGET_S = 1.0

SYNC_YAML = yaml.safe_load((ROOT / "include" / "sync.yaml").read_text())
POOLS = json.loads((ROOT / "include" / "pools.json").read_text())
ROUTED = [
    *SYNC_YAML["forward"]["routing"]["by_stage"].values(),
    *(
        [SYNC_YAML["forward"]["routing"]["unaffiliated"]]
        if SYNC_YAML["forward"]["routing"]["unaffiliated"]
        else []
    ),
]
REVERSE_LISTS = SYNC_YAML["reverse"]["lists"] or ROUTED

#: Which tasks talk to which API (the rest only touch the staging folder and the state store).
NETSUITE_TASKS = {
    FORWARD: {"extract"},
    REVERSE: {"preflight", "push", "plan_leads", "create_leads"},
    OPTOUTS: {"preflight", "read_netsuite", "plan", "push_netsuite"},
}
ACTON_TASKS = {
    FORWARD: {"load", "remove"},
    REVERSE: {"extract_scores", "read_leads"},
    OPTOUTS: {"read_acton", "push_acton"},
}


@pytest.fixture(scope="module")
def dagbag() -> Iterator[Any]:
    from airflow.dag_processing.dagbag import DagBag

    with pytest.MonkeyPatch.context() as mp:
        for name in OVERRIDES:
            mp.delenv(name, raising=False)
        yield DagBag(dag_folder=str(DAGS))


@pytest.fixture(params=DAG_IDS)
def dag(request: pytest.FixtureRequest, dagbag: Any) -> Any:
    return dagbag.dags[request.param]


# -- loading ---------------------------------------------------------------------------------------------


def test_dag_folder_loads_without_import_errors(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == set(DAG_IDS)
    assert {Path(s.file).name for s in dagbag.dagbag_stats} == {p.name for p in DAG_FILES.values()}


_PARSE_PROBE = """
import importlib.util, json, sys, time
import airflow.sdk  # the DAG processor has this loaded already; not counted
before = set(sys.modules)
start = time.perf_counter()
spec = importlib.util.spec_from_file_location("dag_under_test", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
elapsed = time.perf_counter() - start
heavy = [m for m in ("pandas", "pyarrow", "great_expectations", "requests_oauthlib", "sqlalchemy")
         if m in sys.modules and m not in before]
print(json.dumps({"seconds": elapsed, "heavy": heavy}))
"""


def _parse_once(path: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in OVERRIDES}
    done = subprocess.run(
        [sys.executable, "-c", _PARSE_PROBE, str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("dag_id", DAG_IDS)
def test_dag_file_parses_fast_without_heavy_imports(dag_id: str) -> None:
    """A fresh interpreter with ``airflow.sdk`` loaded (as in the DAG processor) imports the file in < 1 s.

    Best of up to 3 fresh processes (stops at the first under budget), so a busy CI machine does not
    make it flaky. The heavy libraries must stay out of parse time whatever the machine: they are
    imported inside ``execute``.
    """
    runs = []
    for _ in range(3):
        runs.append(_parse_once(DAG_FILES[dag_id]))
        assert runs[-1]["heavy"] == [], f"{dag_id} imports {runs[-1]['heavy']} at parse time"
        if runs[-1]["seconds"] < PARSE_BUDGET_S:
            break
    best = min(r["seconds"] for r in runs)
    assert best < PARSE_BUDGET_S, f"{dag_id} took {best:.2f} s to parse (best of {len(runs)})"


# -- DAG-level settings ----------------------------------------------------------------------------------


def test_runs_one_at_a_time_without_catchup(dag: Any) -> None:
    assert dag.max_active_runs == 1
    assert dag.catchup is False


def test_every_task_and_run_is_bounded_in_time(dag: Any) -> None:
    assert dag.dagrun_timeout == timedelta(minutes=240)
    for task in dag.tasks:
        assert task.execution_timeout == timedelta(minutes=120), task.task_id


def test_timeouts_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from netsuite_acton.dag_settings import dag_kwargs

    monkeypatch.setenv("NETSUITE_ACTON_TASK_TIMEOUT_MINUTES", "30")
    monkeypatch.setenv("NETSUITE_ACTON_RUN_TIMEOUT_MINUTES", "90")
    kwargs = dag_kwargs()
    assert kwargs["dagrun_timeout"] == timedelta(minutes=90)
    assert kwargs["default_args"]["execution_timeout"] == timedelta(minutes=30)
    monkeypatch.setenv("NETSUITE_ACTON_TASK_TIMEOUT_MINUTES", "half an hour")
    with pytest.raises(ValueError, match="NETSUITE_ACTON_TASK_TIMEOUT_MINUTES must be a whole number"):
        dag_kwargs()


def test_permanent_failures_are_not_retried_and_transient_ones_are(dag: Any) -> None:
    from airflow.sdk import RetryAction

    from netsuite_acton.client.retries import RetriableHTTPError
    from netsuite_acton.errors import PermanentSyncError

    for task in dag.tasks:
        assert task.retries == 2, task.task_id
        policy = task.retry_policy
        assert policy.evaluate(PermanentSyncError("x"), 1, 3).action is RetryAction.FAIL, task.task_id
        transient = RetriableHTTPError(503, None, "down")
        assert policy.evaluate(transient, 1, 3).action is RetryAction.DEFAULT, task.task_id


def test_every_task_has_an_explicit_owner(dag: Any) -> None:
    for task in dag.tasks:
        assert task.owner, task.task_id
        assert task.owner != "airflow", f"{task.task_id} has the default owner"


def test_doc_md_present_and_names_every_step(dag: Any) -> None:
    assert dag.doc_md
    assert len(dag.doc_md) > 200
    steps = _documented_steps(dag)
    assert set(steps) == set(dag.task_ids)


def _documented_steps(dag: Any) -> list[str]:
    paragraph = dag.doc_md.split("**Steps.**", 1)[1]
    return re.findall(r"`([a-z_]+)`", re.split(r"\.\s", paragraph, maxsplit=1)[0])


def test_task_order_is_linear_as_documented(dag: Any) -> None:
    """The documented chain, plus only edges it already implies (an XComArg from an earlier step)."""
    steps = _documented_steps(dag)
    for before, after in itertools.pairwise(steps):
        downstream = dag.task_dict[before].downstream_task_ids
        assert after in downstream, (before, after)
        later = set(steps[steps.index(after) :])
        assert downstream <= later, (before, downstream - later)
    assert dag.task_dict[steps[0]].upstream_task_ids == set()
    assert dag.task_dict[steps[-1]].downstream_task_ids == set()


def test_report_runs_whatever_happened_and_covers_every_other_step(dag: Any) -> None:
    report = dag.task_dict["report"]
    assert report.trigger_rule == "all_done"
    assert report.steps is None, "the report learns its steps from the DAG"
    assert set(report.step_ids) == set(dag.task_ids) - {"report"}
    assert report.step_ids == _documented_steps(dag)[:-1]
    others = [t for t in dag.tasks if t.task_id != "report"]
    assert all(t.trigger_rule == "all_success" for t in others)


def test_staging_root_is_templated_from_the_variable(dag: Any) -> None:
    for task in dag.tasks:
        assert "staging_root" in task.template_fields, task.task_id
        assert "config_path" in task.template_fields, task.task_id
        assert "netsuite_acton_staging_root" in task.staging_root, task.task_id
    assert dag.render_template_as_native_obj is True


# -- pools -----------------------------------------------------------------------------------------------


def test_api_tasks_use_their_pools_and_the_pools_exist(dag: Any) -> None:
    assert set(POOLS) >= {"netsuite_api", "acton_api"}
    for task in dag.tasks:
        if task.task_id in NETSUITE_TASKS[dag.dag_id]:
            assert task.pool == "netsuite_api", task.task_id
        elif task.task_id in ACTON_TASKS[dag.dag_id]:
            assert task.pool == "acton_api", task.task_id
        else:
            assert task.pool == "default_pool", task.task_id
        if task.pool != "default_pool":
            # a task claiming more slots than its pool has would never be scheduled
            assert task.pool_slots <= POOLS[task.pool]["slots"], task.task_id
    assert POOLS["acton_api"]["slots"] == 1


# -- schedules and assets --------------------------------------------------------------------------------


def test_forward_is_hourly_by_default_and_load_announces_lists_through_an_alias(dagbag: Any) -> None:
    """Static outlets would emit an event per list on every run (dry runs too): an alias emits only the
    lists the load task wrote (see tests/operators/test_load_contacts.py and the e2e asset-event test)."""
    dag = dagbag.dags[FORWARD]
    assert isinstance(dag.timetable, CronTriggerTimetable)
    assert dag.timetable.expression == "0 * * * *"
    assert dag.task_dict["load"].outlets == [ACTON_LISTS_WRITTEN]
    assert [t.task_id for t in dag.tasks if t.outlets] == ["load"]


def test_reverse_runs_on_the_list_assets_or_daily(dagbag: Any) -> None:
    dag = dagbag.dags[REVERSE]
    assert isinstance(dag.timetable, AssetOrTimeSchedule)
    condition = dag.timetable.asset_condition
    assert isinstance(condition, AssetAny)
    assert set(condition.objects) == {acton_list_asset(name) for name in REVERSE_LISTS}
    producers = {acton_list_asset(name).uri for name in ROUTED}  # what the load task's alias resolves to
    assert {a.uri for a in condition.objects} <= producers, "reverse waits on an asset nobody updates"
    assert isinstance(dag.timetable.timetable, CronTriggerTimetable)
    assert dag.timetable.timetable.expression == "0 6 * * *"


def test_optouts_is_hourly_by_default_and_its_schedule_comes_from_the_environment(dagbag: Any) -> None:
    dag = dagbag.dags[OPTOUTS]
    assert isinstance(dag.timetable, CronTriggerTimetable)
    assert dag.timetable.expression == "0 * * * *"
    assert "NETSUITE_ACTON_OPTOUTS_SCHEDULE" in DAG_FILES[OPTOUTS].read_text()
    assert not [t.task_id for t in dag.tasks if t.outlets]


@pytest.mark.parametrize("bad", [{"dry_run": "yes"}, {"full_resync": 1}, {"failure_rate_threshold": 3}])
def test_optouts_rejects_wrong_values(dagbag: Any, bad: dict[str, Any]) -> None:
    with pytest.raises(ParamValidationError):
        _validate(dagbag.dags[OPTOUTS], **bad)


# -- params ----------------------------------------------------------------------------------------------

FORWARD_PARAMS = {
    "full_refresh": ("boolean", False),
    "since": (["null", "string"], None),
    "dry_run": ("boolean", False),
    "force_reload": ("boolean", False),
    "reject_rate_threshold": (["null", "number"], None),
    "lists": (["null", "array"], None),
    "allow_mass_removal": ("boolean", False),
}
REVERSE_PARAMS = {
    "dry_run": ("boolean", False),
    "full_push": ("boolean", False),
    "lists": (["null", "array"], None),
    "failure_rate_threshold": (["null", "number"], None),
}
OPTOUTS_PARAMS = {
    "dry_run": ("boolean", False),
    "full_resync": ("boolean", False),
    "failure_rate_threshold": (["null", "number"], None),
}


@pytest.mark.parametrize(
    ("dag_id", "expected"),
    [(FORWARD, FORWARD_PARAMS), (REVERSE, REVERSE_PARAMS), (OPTOUTS, OPTOUTS_PARAMS)],
)
def test_params_have_types_and_defaults(dagbag: Any, dag_id: str, expected: dict[str, Any]) -> None:
    params = dagbag.dags[dag_id].params
    assert set(params.keys()) == set(expected)
    for name, (kind, default) in expected.items():
        param = params.get_param(name)
        assert param.schema["type"] == kind, name
        assert param.value == default, name
        assert param.description, name
    assert params.validate() == {k: d for k, (_, d) in expected.items()}


def test_forward_param_schemas_are_tight(dagbag: Any) -> None:
    params = dagbag.dags[FORWARD].params
    assert params.get_param("since").schema["format"] == "date-time"
    assert params.get_param("lists").schema["items"]["enum"] == ROUTED
    threshold = params.get_param("reject_rate_threshold").schema
    assert (threshold["minimum"], threshold["maximum"]) == (0, 1)


def _validate(dag: Any, **values: Any) -> dict[str, Any]:
    params = copy.deepcopy(dag.params)
    params.update(values)  # a Param re-validates on assignment
    return params.validate()


@pytest.mark.parametrize(
    "bad",
    [
        {"full_refresh": "yes"},
        {"dry_run": 1},
        {"force_reload": None},
        {"reject_rate_threshold": 1.5},
        {"reject_rate_threshold": "0.5"},
        {"lists": "NetSuite Leads"},
        {"lists": ["NetSuite Leeds"]},
        {"since": 20260101},
        {"since": "not a date"},
        {"since": "31/01/2026"},
    ],
)
def test_forward_rejects_wrong_values(dagbag: Any, bad: dict[str, Any]) -> None:
    with pytest.raises(ParamValidationError):
        _validate(dagbag.dags[FORWARD], **bad)


@pytest.mark.parametrize(
    "bad",
    [
        {"dry_run": "true"},
        {"full_push": 0},
        {"failure_rate_threshold": -0.1},
        {"failure_rate_threshold": 2},
        {"lists": [1]},
    ],
)
def test_reverse_rejects_wrong_values(dagbag: Any, bad: dict[str, Any]) -> None:
    with pytest.raises(ParamValidationError):
        _validate(dagbag.dags[REVERSE], **bad)


def test_good_values_validate(dagbag: Any) -> None:
    forward = _validate(
        dagbag.dags[FORWARD],
        full_refresh=True,
        since="2026-01-01T00:00:00+00:00",
        reject_rate_threshold=0.5,
        lists=["NetSuite Leads"],
    )
    assert forward["lists"] == ["NetSuite Leads"]
    reverse = _validate(dagbag.dags[REVERSE], full_push=True, failure_rate_threshold=0.25, lists=["X"])
    assert reverse["failure_rate_threshold"] == 0.25


def test_commit_steps_read_earlier_results_as_xcomargs(dagbag: Any) -> None:
    """No literal task ids inside operators: the DAG hands each commit the results it needs."""
    from airflow.sdk.definitions.xcom_arg import XComArg

    wiring = {
        FORWARD: {"load_result": "load"},
        REVERSE: {"push_result": "push", "extract_result": "extract_scores"},
        OPTOUTS: {"netsuite_read": "read_netsuite", "acton_read": "read_acton"},
    }
    for dag_id, fields in wiring.items():
        commit = dagbag.dags[dag_id].task_dict["commit"]
        for field, upstream in fields.items():
            arg = getattr(commit, field)
            assert isinstance(arg, XComArg), (dag_id, field)
            assert arg.operator.task_id == upstream, (dag_id, field)
            assert field in commit.template_fields
