"""Asynchronous jobs: pending, running, then success or failure; unknown ids are 10017."""

from __future__ import annotations

import time

from tests.sandbox.acton.conftest import csv_bytes, error_of, merge, new_list, records, set_config, wait_job

FILE = csv_bytes([["job@example.com", "Job", "", ""]])


def test_job_goes_pending_running_success(client, auth) -> None:
    set_config(client, job_seconds=0.4)
    list_id = new_list(client)
    job_id = merge(client, auth, list_id, FILE).json()["jobId"]
    seen = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        status = client.get(f"/api/1/list/{job_id}/status", headers=auth).json()["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == "success":
            break
        time.sleep(0.02)
    assert seen == ["The job is pending", "The job is running", "success"]
    body = client.get(f"/api/1/list/{job_id}/status", headers=auth).json()
    assert body["details"] == {
        "status": "ok",
        "listId": list_id,
        "appendCount": 1,
        "updateCount": 0,
        "failedCount": 0,
        "rejectedCount": 0,
    }
    assert isinstance(body["jobDetails"], str)


def test_unknown_job_is_10017(client, auth) -> None:
    assert error_of(client.get("/api/1/list/424242/status", headers=auth)) == (400, 10017)


def test_injected_job_failure_leaves_the_list_unchanged(client, auth) -> None:
    list_id = new_list(client)
    set_config(client, fail_next_jobs=1)
    failed = wait_job(client, auth, merge(client, auth, list_id, FILE).json()["jobId"])
    assert failed["status"] == "failed"
    assert "injected" in failed["message"]
    assert failed["details"]["status"] == "failed"
    assert records(client, list_id) == []
    assert wait_job(client, auth, merge(client, auth, list_id, FILE).json()["jobId"])["status"] == "success"


def test_job_failure_rate(client, auth) -> None:
    list_id = new_list(client)
    set_config(client, job_failure_rate=1.0)
    assert wait_job(client, auth, merge(client, auth, list_id, FILE).json()["jobId"])["status"] == "failed"
