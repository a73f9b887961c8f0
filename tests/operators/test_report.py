from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from netsuite_acton.operators.report import RunFailedError, RunReportOperator
from netsuite_acton.sync.report import RunReport
from tests.operators.conftest import FORWARD_DAG, REVERSE_DAG

FORWARD_STEPS = ["extract", "validate", "transform", "diff", "load", "commit"]
REVERSE_STEPS = ["preflight", "extract_scores", "validate", "resolve", "diff", "push", "commit"]


def _forward_xcoms() -> dict[str, Any]:
    return {
        "extract": {"rows": 10, "chunks": 1, "report": RunReport(extracted=0).to_dict()},
        "validate": {
            "quarantine": "q",
            "report": RunReport(extracted=10, quarantined_rows=1, quarantined={"email_missing": 1}).to_dict(),
        },
        "transform": {"rows": 8, "report": RunReport(duplicates=1, counters={"phones": 2}).to_dict()},
        "diff": {"force_reload": False, "report": RunReport(unchanged=3, to_load={"L": 5}).to_dict()},
        "load": {"loaded_lists": ["L"], "report": RunReport(loaded_appended={"L": 5}).to_dict()},
        "commit": {"watermark": "w", "report": RunReport(counters={"phones": 1, "links": 9}).to_dict()},
    }


@pytest.fixture(autouse=True)
def _history_in_a_temp_store(store) -> None:
    """The report task records the run in ``nas_run_history``: in the test's own store."""


def _forward(staging_root: str) -> RunReportOperator:
    return RunReportOperator(task_id="report", steps=FORWARD_STEPS, staging_root=staging_root)


def _reverse(staging_root: str) -> RunReportOperator:
    return RunReportOperator(
        task_id="report",
        steps=REVERSE_STEPS,
        direction="reverse",
        failure_rate_step="push",
        staging_root=staging_root,
    )


def test_merges_partial_reports_and_writes_the_file(make_context, staging_for, staging_root) -> None:
    start = datetime.now(UTC) - timedelta(minutes=5)
    context = make_context(xcoms=_forward_xcoms(), start_date=start)
    out = _forward(staging_root).execute(context)
    assert context["ti"].pulled == FORWARD_STEPS
    assert out["extracted"] == 10
    assert out["quarantined_rows"] == 1
    assert out["duplicates"] == 1
    assert out["unchanged"] == 3
    assert out["to_load"] == {"L": 5}
    assert out["loaded_appended"] == {"L": 5}
    assert out["counters"] == {"phones": 3, "links": 9}
    assert out["problems"] == []
    assert out["direction"] == "forward"
    assert out["dry_run"] is False
    assert 299 < out["duration_seconds"] < 400
    assert out["started_at"] == start.isoformat()
    assert out["steps"]["load"] == {"loaded_lists": ["L"]}, "step outputs without their report"
    assert out["step_order"] == FORWARD_STEPS, "the DAG's order survives report.json's sorted keys"
    assert out["dag_id"] == "netsuite_contacts_to_acton"
    staging = staging_for(context)
    assert out["path"] == str(staging.path / "report.json")
    written = staging.read_json("report.json")
    assert written["extracted"] == 10
    assert written["problems"] == []


def test_missing_xcom_fails_naming_the_first_failed_step(make_context, staging_for, staging_root) -> None:
    xcoms = _forward_xcoms()
    for step in ("transform", "diff", "load", "commit"):
        del xcoms[step]
    context = make_context(xcoms=xcoms)
    with pytest.raises(RunFailedError) as failed:
        _forward(staging_root).execute(context)
    message = str(failed.value)
    assert "step 'transform' failed" in message
    assert "not run: ['diff', 'load', 'commit']" in message
    written = staging_for(context).read_json("report.json")
    assert written["extracted"] == 10, "the report of a failed run is still written"
    assert written["steps"]["transform"] is None
    assert len(written["problems"]) == 1


def test_last_step_missing_alone(make_context, staging_root) -> None:
    xcoms = _forward_xcoms()
    del xcoms["commit"]
    with pytest.raises(RunFailedError, match=r"step 'commit' failed$"):
        _forward(staging_root).execute(make_context(xcoms=xcoms))


def test_dry_run_is_reported(make_context, staging_root) -> None:
    out = _forward(staging_root).execute(make_context(xcoms=_forward_xcoms(), params={"dry_run": True}))
    assert out["dry_run"] is True


def _reverse_xcoms(attempted: int, failed: int) -> dict[str, Any]:
    part = RunReport(direction="reverse").to_dict()
    xcoms: dict[str, Any] = {step: {"report": part} for step in REVERSE_STEPS}
    xcoms["preflight"] = {"ok": True, "write_check": False}
    xcoms["push"] = {"attempted": attempted, "failed": failed, "report": part}
    return xcoms


@pytest.mark.parametrize(
    ("attempted", "failed", "params", "fails"),
    [
        (10, 2, {}, True),  # 20% > YAML 10%
        (10, 1, {}, False),  # equal is allowed
        (10, 2, {"failure_rate_threshold": 0.5}, False),
        (10, 1, {"failure_rate_threshold": 0.05}, True),
        (0, 0, {}, False),
    ],
)
def test_push_failure_rate_threshold(make_context, staging_root, attempted, failed, params, fails) -> None:
    context = make_context(xcoms=_reverse_xcoms(attempted, failed), params=params, dag_id=REVERSE_DAG)
    if fails:
        with pytest.raises(RunFailedError, match=f"{failed} of {attempted} NetSuite writes failed"):
            _reverse(staging_root).execute(context)
    else:
        out = _reverse(staging_root).execute(context)
        assert out["problems"] == []
        assert out["direction"] == "reverse"


def test_failure_rate_is_not_checked_for_forward_runs(make_context, staging_root) -> None:
    xcoms = _forward_xcoms()
    xcoms["load"].update(attempted=10, failed=10)
    assert _forward(staging_root).execute(make_context(xcoms=xcoms))["problems"] == []


def test_reverse_run_that_failed_at_preflight(make_context, staging_root) -> None:
    context = make_context(xcoms={}, dag_id=REVERSE_DAG)
    with pytest.raises(RunFailedError, match="step 'preflight' failed"):
        _reverse(staging_root).execute(context)


def test_the_run_is_recorded_in_the_history_failed_or_not(make_context, staging_root, store) -> None:
    from netsuite_acton.state.run_history import RunHistory

    _forward(staging_root).execute(make_context(xcoms=_forward_xcoms(), run_id="ok"))
    xcoms = _forward_xcoms()
    del xcoms["load"]
    with pytest.raises(RunFailedError):
        _forward(staging_root).execute(make_context(xcoms=xcoms, run_id="broken"))
    history = RunHistory(store.engine)
    ok, broken = history.run(FORWARD_DAG, "ok"), history.run(FORWARD_DAG, "broken")
    assert ok.state == "success"
    assert (ok.counts["extracted"], ok.counts["quarantined"], ok.counts["loaded"]) == (10, 1, 5)
    assert ok.report_path.endswith("/ok/report.json")
    assert broken.state == "failed"
    assert broken.counts["problems"] == 1
