"""What pages show, as data: links under any mount point, threshold limits, report counts, steps."""

from __future__ import annotations

from datetime import UTC, datetime

from netsuite_acton.state.run_history import RunRow
from netsuite_acton.ui.pages import (
    Links,
    age,
    download_name,
    limit_at,
    report_counts,
    run_state,
    step_lines,
)
from netsuite_acton.ui.service import spec
from tests.ui.conftest import FORWARD, REVERSE

LINKS = Links(root="/airflow/netsuite-acton", airflow="/airflow")


def _row(**counts) -> RunRow:
    return RunRow(FORWARD, "r", "forward", None, datetime(2026, 1, 1, tzinfo=UTC), "success", counts)


def test_links_encode_run_ids_and_follow_the_base_url() -> None:
    run = "manual__2026-01-01T00:00:00+00:00"
    assert (
        LINKS.run(FORWARD, run)
        == f"/airflow/netsuite-acton/dags/{FORWARD}/runs/manual__2026-01-01T00%3A00%3A00%2B00%3A00"
    )
    assert LINKS.airflow_task(FORWARD, "r", "load") == f"/airflow/dags/{FORWARD}/runs/r/tasks/load"
    assert LINKS.dag(FORWARD, runs=100, page=None) == f"/airflow/netsuite-acton/dags/{FORWARD}?runs=100"
    assert (
        download_name(FORWARD, run, "rejected") == f"{FORWARD}_manual__2026-01-01T00_00_00_00_00_rejected.csv"
    )


def test_the_threshold_limit_is_a_share_of_its_base() -> None:
    thresholds = {"forward.reject_rate_threshold": 0.2, "reverse.failure_rate_threshold": 0.1}
    assert limit_at(_row(extracted=1000), spec(FORWARD), thresholds) == 200
    assert limit_at(_row(extracted=0), spec(FORWARD), thresholds) is None
    assert limit_at(_row(extracted=1000, dry_run=True), spec(FORWARD), thresholds) is None
    assert limit_at(_row(attempted=40), spec(REVERSE), thresholds) == 4
    assert limit_at(_row(extracted=1), spec(FORWARD), {}) is None


def test_run_state_and_age() -> None:
    assert run_state(_row(dry_run=True)) == "dry_run"
    assert run_state(_row()) == "success"
    assert [age(s) for s in (None, 30, 600, 7200, 200_000)] == ["", "30 s", "10 min", "2 h 0 min", "2 d 7 h"]


def test_report_counts_and_steps_survive_odd_reports() -> None:
    lines = report_counts({"extracted": 5, "to_load": {"Leads": 2, "Customers": "x"}, "rejected": {}})
    assert [(line["key"], line["value"]) for line in lines] == [
        ("extracted", 5),
        ("to_load", 2),
        ("rejected", 0),
    ]
    steps = step_lines(
        {"steps": {"extract": {"rows": 5, "path": "file:///x"}, "load": None, "odd": 3}}, FORWARD, "r", LINKS
    )
    assert [(s["step"], s["status"], s["counts"]) for s in steps] == [
        ("extract", "done", [("rows", "5")]),
        ("load", "failed or not run", []),
        ("odd", "failed or not run", []),
        ("report", "done", []),
    ]
    assert step_lines({"steps": ["not", "a", "dict"]}, FORWARD, "r", LINKS)[0]["step"] == "report"


def test_steps_follow_the_dag_order_the_report_records() -> None:
    report = {
        "steps": {"commit": {}, "diff": {}, "extract": {}, "transform": {}},
        "step_order": ["extract", "transform", "diff", "commit", "gone"],
    }
    assert [s["step"] for s in step_lines(report, FORWARD, "r", LINKS)] == [
        "extract",
        "transform",
        "diff",
        "commit",
        "report",
    ]
