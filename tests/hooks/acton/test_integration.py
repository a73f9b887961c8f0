"""ActOnHook against the Act-On sandbox: the shared token, the rate limit, merges, rejects and failed jobs.

The sandbox enforces Act-On's unpleasant parts (5 calls/s, 5 logins/hour, single-use refresh tokens, any
new token invalidating the older ones) and counts what clients did, so these tests read its stats.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import requests
import sqlalchemy as sa

from netsuite_acton.hooks.acton import ActOnError, ActOnHook
from netsuite_acton.state import StateStore
from netsuite_acton.state.schema import api_tokens
from tests.hooks.acton.conftest import Sandbox
from tests.support.sandboxes import connection_env, env, running

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
HEADINGS = ["E-mail Address", "First Name", "Last Name", "Company", "Act-On score"]

#: A "run" in another process: fresh hooks on the shared state store, waiting for a common start time.
WORKER = """
import sys, time
from netsuite_acton.hooks.acton import ActOnHook
from netsuite_acton.state import StateStore
url, runs, start_at = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
time.sleep(max(0.0, start_at - time.time()))
for _ in range(runs):
    ActOnHook(state=StateStore(url)).list_lists()
print("ok")
"""


# -- fixtures (Sandbox, sandbox, fresh: conftest.py) ------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A state store of its own for the test: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.db'}"
        return
    yield request.getfixturevalue("fresh_postgres_url")


def hook(store: StateStore) -> ActOnHook:
    return ActOnHook(state=store, poll_initial=0.2)


def expire_cached_token(store: StateStore) -> None:
    """Make the cached token look close to expiry, so the next user must rotate it."""
    with store.engine.begin() as conn:
        conn.execute(sa.update(api_tokens).values(expires_at=datetime.now(UTC) + timedelta(seconds=10)))


def run_workers(state: str, processes: int, runs: int) -> None:
    """``processes`` other Python processes, each doing ``runs`` hook runs, starting at the same moment."""
    environ = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    start_at = str(time.time() + 4.0 + processes)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, state, str(runs), start_at],
            env=environ,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        assert out.strip().endswith("ok")


def contacts(count: int, start: int = 0) -> pd.DataFrame:
    ids = range(start, start + count)
    return pd.DataFrame(
        {
            "E-mail Address": [f"person{i}@example.com" for i in ids],
            "First Name": [f"First{i}" for i in ids],
            "Last Name": [f'Last, "{i}"' for i in ids],
            "Company": ["=SUM(A1)" if i % 10 == 0 else f"Company {i % 7}" for i in ids],
        }
    )


# -- the shared token -------------------------------------------------------------------------------
def test_token_is_shared_across_processes_and_rotated_once(fresh: Sandbox, state_url: str) -> None:
    store = StateStore(state_url)
    hook(store).list_lists()
    hook(store).list_lists()
    run_workers(state_url, processes=1, runs=2)
    stats = fresh.stats()
    assert stats.get("password_logins") == 1
    assert stats.get("refresh_grants", 0) == 0

    expire_cached_token(store)
    run_workers(state_url, processes=3, runs=3)

    stats = fresh.stats()
    assert stats.get("password_logins") == 1
    assert stats.get("refresh_grants") == 1, "one rotation for three processes: the others reused it"
    assert stats.get("refresh_grants_refused", 0) == 0, "a refresh token was spent twice"
    # Three processes at once exceed 5 calls/s together (the limiter is per process: hence the pool);
    # the 429s they get are retried, so every run still succeeds.
    assert stats["calls"]["GET /api/1/list"]["200"] == 2 + 2 + 9


def test_twenty_runs_use_one_password_login(fresh: Sandbox, store: StateStore) -> None:
    for _ in range(20):
        hook(store).list_lists()
        expire_cached_token(store)  # every run must rotate: the worst case for logins
    stats = fresh.stats()
    assert stats.get("password_logins") == 1
    assert stats.get("refresh_grants") == 19
    assert stats.get("refresh_grants_refused", 0) == 0


def test_token_replaced_elsewhere_reauthenticates(fresh: Sandbox, store: StateStore) -> None:
    first = hook(store)
    first.list_lists()
    conn = json.loads(connection_env("x", fresh.base_url)["AIRFLOW_CONN_X"])
    other = requests.post(
        f"{fresh.base_url}/token",
        data={
            "grant_type": "password",
            "username": conn["login"],
            "password": conn["password"],
            "client_id": conn["extra"]["client_id"],
            "client_secret": conn["extra"]["client_secret"],
        },
        timeout=10,
    )
    other.raise_for_status()  # a login elsewhere invalidates our access and refresh tokens

    first.list_lists()

    stats = fresh.stats()
    assert stats["calls"]["GET /api/1/list"] == {"200": 2, "401": 1}
    assert stats.get("refresh_grants_refused") == 1
    assert stats.get("password_logins") == 3


# -- the rate limit ---------------------------------------------------------------------------------
def test_limiter_holds_five_calls_per_second_under_four_threads(tmp_path: Path) -> None:
    with running("sandbox.acton", "--latency-ms", "15", "--rate-per-second", "5") as process:
        conn = json.loads(connection_env("x", process.base_url)["AIRFLOW_CONN_X"])
        conn["extra"]["calls_per_second"] = 5
        with env({"AIRFLOW_CONN_ACTON_FAST": json.dumps(conn)}):
            shared = ActOnHook("acton_fast", state=StateStore(f"sqlite:///{tmp_path / 's.db'}"))
            errors: list[BaseException] = []

            def worker() -> None:
                try:
                    for _ in range(6):
                        shared.list_lists()
                except BaseException as exc:  # pragma: no cover - reported below
                    errors.append(exc)

            threads = [threading.Thread(target=worker) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            stats = requests.get(f"{process.base_url}/_sandbox/stats", timeout=10).json()
    assert not errors
    assert shared.calls_made == 25
    assert stats["max_calls_in_1s"] <= 5
    assert stats.get("rejected_429_rate", 0) == 0
    assert stats["calls"]["GET /api/1/list"] == {"200": 24}


# -- lists and merges -------------------------------------------------------------------------------
def test_merge_is_idempotent_and_safe(fresh: Sandbox, store: StateStore) -> None:
    acton = hook(store)
    list_id = acton.ensure_list("Leads", HEADINGS)
    assert acton.ensure_list("Leads", HEADINGS) == list_id
    frame = contacts(300)

    first = acton.merge_contacts(list_id, frame, max_upload_bytes=8_000)
    before = fresh.records(list_id)
    second = acton.merge_contacts(list_id, frame, max_upload_bytes=8_000)
    after = fresh.records(list_id)

    assert first.uploads > 1
    assert (first.appended, first.updated, first.rejected) == (300, 0, 0)
    assert (second.appended, second.updated) == (0, 300)
    assert after == before
    assert len(after) == 300
    assert after[0]["Company"] == "'=SUM(A1)"
    assert after[1]["Last Name"] == 'Last, "1"'
    downloaded = pd.concat(acton.download_list(list_id, page_size=128))
    assert len(downloaded) == 300
    assert list(downloaded.columns) == ["_contact_id_", *HEADINGS]


def test_merge_keeps_scores_written_by_acton(fresh: Sandbox, store: StateStore) -> None:
    acton = hook(store)
    list_id = acton.ensure_list("Customers", HEADINGS)
    acton.merge_contacts(list_id, contacts(5))
    fresh.admin("POST", "scores", {"scores": {"person1@example.com": 87}, "list_id": list_id})

    acton.merge_contacts(list_id, contacts(5).assign(**{"First Name": "Renamed"}))

    records = {r["E-mail Address"]: r for r in fresh.records(list_id)}
    assert records["person1@example.com"]["Act-On score"] == "87"
    assert records["person1@example.com"]["First Name"] == "Renamed"
    since = datetime.now(UTC) - timedelta(minutes=5)
    scored = pd.concat(acton.download_list(list_id, ["E-mail Address", "Act-On score"], modified_after=since))
    assert scored.set_index("E-mail Address").loc["person1@example.com", "Act-On score"] == "87"


def test_bad_emails_come_back_as_rejected_rows(fresh: Sandbox, store: StateStore) -> None:
    acton = hook(store)
    list_id = acton.ensure_list("Prospects", HEADINGS)
    frame = contacts(4)
    frame.loc[1, "E-mail Address"] = "not-an-email"
    frame.loc[3, "E-mail Address"] = "two@@example.com"

    result = acton.merge_contacts(list_id, frame)

    assert (result.appended, result.rejected) == (2, 2)
    assert sorted(result.rejected_rows["email"]) == ["not-an-email", "two@@example.com"]
    assert result.rejected_rows["reason"].str.contains("Invalid email").all()
    assert len(fresh.records(list_id)) == 2


def test_failed_job_raises_a_clear_error(fresh: Sandbox, store: StateStore) -> None:
    acton = hook(store)
    list_id = acton.ensure_list("Unaffiliated", HEADINGS)
    fresh.admin("POST", "config", {"fail_next_jobs": 1})

    with pytest.raises(ActOnError, match=r"job \d+ failed: .*injected fault") as info:
        acton.merge_contacts(list_id, contacts(3))

    assert info.value.code == "JOB_FAILED"
    assert fresh.records(list_id) == []


def test_transient_errors_are_retried(fresh: Sandbox, store: StateStore) -> None:
    acton = hook(store)
    list_id = acton.ensure_list("Leads", HEADINGS)
    fresh.admin("POST", "config", {"fail_next_calls": 2, "error_status": 503})

    result = acton.merge_contacts(list_id, contacts(10))

    assert result.appended == 10
    assert fresh.stats()["calls"]["GET /api/1/list/{listid}"].get("503") == 2
