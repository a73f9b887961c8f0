"""The page's routes through FastAPI's TestClient, logged in with tokens of Airflow's own auth manager."""

from __future__ import annotations

import csv
import io
import logging
import re
from datetime import timedelta

import pandas as pd
import pytest

from netsuite_acton.operators import folders
from netsuite_acton.operators.staging import RunStaging
from tests.ui.conftest import (
    ACCESS_TOKEN,
    EMAILS,
    FORWARD,
    OPTOUTS,
    REFRESH_TOKEN,
    REVERSE,
    ROLES,
    World,
    forward_files,
    forward_report,
)

BASE = "/netsuite-acton"
#: What an address looks like to a person reading a page (the masked form has no "@").
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def _seed(world: World) -> None:
    """Forward runs (one failed, one a dry run), a reverse run and an opt-out run with consent changes."""
    for i in range(4):
        world.record(
            FORWARD,
            f"scheduled__h{i}",
            ended=world.now - timedelta(hours=4 - i),
            report=forward_report(extracted=1000 + i, quarantined=10 + i),
            files=forward_files(),
        )
    world.record(
        FORWARD,
        "manual__failed",
        ended=world.now - timedelta(minutes=30),
        state="failed",
        report=forward_report(extracted=900, quarantined=300),
        problems=["step 'validate' failed; not run: ['transform']"],
        steps={"extract": {"rows": 900, "chunks": 1}, "validate": None},
    )
    world.record(
        FORWARD,
        "manual__dry",
        ended=world.now - timedelta(minutes=10),
        report={**forward_report(), "dry_run": True},
    )
    world.record(
        REVERSE,
        "asset_triggered__r1",
        ended=world.now - timedelta(minutes=20),
        report={"extracted": 300, "to_load": {"contact.custentity_acton_score": 40}, "calls": {"acton": 4}},
        steps={"push": {"attempted": 40, "failed": 1}},
        failure_rate_step="push",
        files={
            folders.RESULTS: pd.DataFrame(
                {
                    "record_type": ["contact", "contact"],
                    "record_id": ["1", "2"],
                    "field_id": ["f", "f"],
                    "ok": [True, False],
                    "error_code": [None, "INVALID_FLD_VALUE"],
                    "email": [EMAILS[0], EMAILS[2]],
                }
            )
        },
    )
    world.record(
        OPTOUTS, "scheduled__o1", ended=world.now - timedelta(minutes=5), report={"calls": {"acton": 2}}
    )
    world.store.record_consent_changes(
        [
            {
                "direction": "to_acton",
                "email": EMAILS[3],
                "target": "Act-On opt-out list",
                "change": "added",
                "source": "netsuite",
                "origin": f"contact 9 ({EMAILS[3]})",
            }
        ],
        "scheduled__o1",
    )
    world.store.record_members(
        [{"list_name": "Leads", "email": EMAILS[2], "netsuite_id": "7"}], run_id="scheduled__h0"
    )
    world.store.owe_removals(
        [{"list_name": "Leads", "email": EMAILS[2], "reason": "deleted", "last_error": f"no {EMAILS[2]}"}],
        run_id="scheduled__h3",
    )


@pytest.fixture
def seeded(world: World) -> World:
    _seed(world)
    return world


def _every_url(world: World) -> list[str]:
    urls = [f"{BASE}/", f"{BASE}/api/overview"]
    for dag_id in (FORWARD, REVERSE, OPTOUTS):
        urls += [f"{BASE}/dags/{dag_id}", f"{BASE}/api/dags/{dag_id}/runs"]
        for row in world.history.runs(dag_id):
            urls += [f"{BASE}/dags/{dag_id}/runs/{row.run_id}", f"{BASE}/api/dags/{dag_id}/runs/{row.run_id}"]
    return urls


# -- who may see it ---------------------------------------------------------------------------------------
def test_a_page_without_a_session_sends_the_visitor_to_airflow_login(seeded: World, make_client) -> None:
    response = make_client(None).get(f"{BASE}/dags/{FORWARD}")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/auth/login?next=")
    assert "netsuite-acton%2Fdags%2Fnetsuite_contacts_to_acton" in response.headers["location"]


def test_json_without_a_session_is_401_and_a_bad_token_403(seeded: World, make_client) -> None:
    client = make_client(None)
    assert client.get(f"{BASE}/api/overview").status_code == 401
    client.cookies.set("_token", "not-a-jwt")
    assert client.get(f"{BASE}/api/overview").status_code == 403
    assert client.get(f"{BASE}/").status_code == 303  # a page: log in again
    bearer = make_client(None).get(f"{BASE}/api/overview", headers={"Authorization": "Bearer nope"})
    assert bearer.status_code == 403


def test_every_role_reads_and_only_users_who_act_on_runs_download(seeded: World, make_client) -> None:
    page = f"{BASE}/dags/{FORWARD}/runs/scheduled__h3"
    download = f"{page}/files/{folders.REJECTED}.csv"
    for role in ROLES:
        client = make_client(role)
        html = client.get(page).text
        allowed = role != "viewer"
        assert ("Download the full file" in html) is allowed, role
        assert client.get(f"{BASE}/api/dags/{FORWARD}/runs/scheduled__h3").json()["may_download"] is allowed
        got = client.get(download)
        assert got.status_code == (200 if allowed else 403), role
    assert "may only read them" in make_client("viewer").get(download).text


def test_the_download_is_the_whole_file_unmasked_and_formula_safe(seeded: World, make_client) -> None:
    staging = RunStaging(seeded.root, FORWARD, "scheduled__h3")
    staging.write_chunk(
        folders.REJECTED,
        1,
        pd.DataFrame({"E-mail Address": ["=HYPERLINK(1)"], "reason": ["X"], "list_name": ["Leads"]}),
    )
    response = make_client("user").get(
        f"{BASE}/dags/{FORWARD}/runs/scheduled__h3/files/{folders.REJECTED}.csv"
    )
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["E-mail Address"] for r in rows] == [EMAILS[0], "'=HYPERLINK(1)"]
    missing = make_client("user").get(
        f"{BASE}/dags/{FORWARD}/runs/scheduled__h3/files/{folders.QUARANTINE_CLEAN}.csv"
    )
    assert missing.status_code == 404


def test_no_secret_and_no_address_in_any_page_json_or_log(
    seeded: World, make_client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for role in ROLES:
        client = make_client(role)
        for url in _every_url(seeded):
            response = client.get(url)
            assert response.status_code == 200, (role, url)
            for secret in (ACCESS_TOKEN, REFRESH_TOKEN, *EMAILS):
                assert secret not in response.text, (role, url)
            assert not ADDRESS.search(response.text), (role, url, ADDRESS.search(response.text))
            assert "Traceback" not in response.text
        client.get(f"{BASE}/dags/{FORWARD}/runs/scheduled__h3/files/{folders.REJECTED}.csv")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (ACCESS_TOKEN, REFRESH_TOKEN, *EMAILS):
        assert secret not in logged
    assert not ADDRESS.search(logged)
    assert "downloaded by" in logged  # the download is logged, without the address it holds


# -- what it shows ------------------------------------------------------------------------------------------
def test_overview_json_holds_the_runs_and_the_state(seeded: World, make_client) -> None:
    data = make_client("viewer").get(f"{BASE}/api/overview").json()
    dags = {d["dag_id"]: d for d in data["dags"]}
    assert [d["total"] for d in data["dags"]] == [6, 1, 1]
    forward = dags[FORWARD]
    assert [r["run_id"] for r in forward["runs"][:2]] == ["manual__dry", "manual__failed"]
    assert [r["state"] for r in forward["runs"][:3]] == ["dry_run", "failed", "success"]
    latest_clean = forward["runs"][2]
    assert latest_clean["measures"] == {
        "extracted": 1003,
        "quarantined": 13,
        "loaded": 1397,
        "removed": 8,
        "rejected": 3,
        "api_calls": 25,
        "duration_seconds": 42.5,
    }
    point = forward["series"][3]  # oldest first
    assert point["run_id"] == "scheduled__h3"
    assert point["limit"] == {"quarantined": pytest.approx(0.2 * 1003)}
    assert forward["series"][-1]["limit"] == {"quarantined": None}  # a dry run is judged by nothing
    glance = data["glance"]
    by_dag = {c["dag_id"]: c for c in glance["last_clean"]}
    assert by_dag[FORWARD]["run_id"] == "scheduled__h3"
    assert by_dag[FORWARD]["last_state"] == "dry_run"
    assert by_dag[REVERSE]["run_id"] == "asset_triggered__r1"
    runs_today = [r for r in seeded.history.runs(FORWARD) if r.ended_at.date() == seeded.now.date()]
    assert glance["acton_daily_quota"] == 30_000
    if len(runs_today) == 6:  # not just after midnight UTC
        assert glance["acton_calls_today"] == 6 * 9 + 4 + 2
    (token,) = glance["tokens"]
    assert token["expires_in"].endswith("min")
    assert not token["expired"]
    assert [w["name"] for w in glance["watermarks"]] == [folders.WATERMARK]


def test_overview_page_draws_a_chart_per_measure_with_the_threshold(seeded: World, make_client) -> None:
    html = make_client().get(f"{BASE}/").text
    for measure in (
        "extracted",
        "quarantined",
        "loaded",
        "removed",
        "rejected",
        "api_calls",
        "duration_seconds",
    ):
        assert f'data-dag="{FORWARD}" data-measure="{measure}" data-runs="6"' in html
    forward = html[html.index(f'id="dag-{FORWARD}"') : html.index(f'id="dag-{REVERSE}"')]
    assert forward.count('class="threshold"') == 1
    assert 'data-run-id="manual__failed"' in forward
    assert 'class="bar failed"' in forward
    assert "NetSuite ↔ Act-On" in html
    assert "Act-On API calls today" in html
    assert "never the token" in html


def test_dag_page_pages_through_every_run(world: World, make_client) -> None:
    for i in range(120):
        world.record(
            FORWARD, f"r{i:03d}", ended=world.now - timedelta(hours=120 - i), report=forward_report()
        )
    client = make_client()
    first = client.get(f"{BASE}/api/dags/{FORWARD}/runs", params={"runs": 100}).json()
    assert (first["total"], first["charted"], len(first["runs"]), first["last_page"]) == (120, 100, 50, 3)
    assert first["runs"][0]["run_id"] == "r119"
    last = client.get(f"{BASE}/api/dags/{FORWARD}/runs", params={"runs": 100, "page": 3}).json()
    assert [r["run_id"] for r in last["runs"]][-1] == "r000"
    assert len(last["runs"]) == 20
    html = client.get(f"{BASE}/dags/{FORWARD}", params={"page": 2}).text
    assert "page 2 of 3" in html
    assert "← newer" in html
    assert "older →" in html
    assert client.get(f"{BASE}/dags/{FORWARD}", params={"runs": 0}).status_code == 422


def test_run_page_shows_counts_rows_removals_and_airflow_links(seeded: World, make_client) -> None:
    html = make_client().get(f"{BASE}/dags/{FORWARD}/runs/scheduled__h3").text
    assert 'data-count="extracted"' in html
    assert "1,003" in html
    assert 'data-item="removed:Leads:stage_changed">removed:Leads:stage_changed: 7' in html
    assert 'data-step="quarantine_validate" data-total="2"' in html
    assert "email_missing" in html
    assert "email_invalid: &lt;email&gt;" in html
    assert "Zebulon" not in html
    assert "555 0101" not in html
    assert 'id="removals" data-total="1"' in html
    assert "deleted" in html
    assert 'href="/dags/netsuite_contacts_to_acton/runs/scheduled__h3"' in html
    assert 'href="/dags/netsuite_contacts_to_acton/runs/scheduled__h3/task_instances"' in html
    assert 'href="/dags/netsuite_contacts_to_acton/runs/scheduled__h3/tasks/report"' in html


def test_failed_run_shows_why_and_the_steps_that_did_not_run(seeded: World, make_client) -> None:
    data = make_client().get(f"{BASE}/api/dags/{FORWARD}/runs/manual__failed").json()
    assert data["run"]["state"] == "failed"
    assert data["problems"] == ["step 'validate' failed; not run: ['transform']"]
    steps = {s["step"]: s for s in data["steps"]}
    assert steps["extract"]["counts"] == [["chunks", "1"], ["rows", "900"]]
    assert steps["validate"]["status"] == "failed or not run"


def test_reverse_and_consent_runs(seeded: World, make_client) -> None:
    reverse = make_client().get(f"{BASE}/api/dags/{REVERSE}/runs/asset_triggered__r1").json()
    results = next(f for f in reverse["files"] if f["step"] == folders.RESULTS)
    assert results["total"] == 1
    assert results["rows"][0]["error_code"] == "INVALID_FLD_VALUE"
    assert reverse["removals"] is None
    consent = make_client().get(f"{BASE}/api/dags/{OPTOUTS}/runs/scheduled__o1").json()
    (change,) = consent["consent_changes"]["rows"]
    assert change["target"] == "Act-On opt-out list"
    assert change["email"].startswith("<email>#")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("delete", "The report file of this run is gone"),
        ("corrupt", "not valid JSON"),
        ("list", "not a run report"),
    ],
)
def test_a_missing_or_corrupt_report_is_a_message(
    seeded: World, make_client, damage: str, message: str
) -> None:
    path = RunStaging(seeded.root, FORWARD, "scheduled__h2").path / "report.json"
    if damage == "delete":
        path.unlink()
    else:
        path.write_text("{cut sho" if damage == "corrupt" else "[1, 2]")
    response = make_client().get(f"{BASE}/dags/{FORWARD}/runs/scheduled__h2")
    assert response.status_code == 200
    assert message in response.text
    assert "Traceback" not in response.text
    assert 'data-measure="extracted">1,002' in response.text  # the history still has the counts


def test_a_corrupt_row_file_is_a_message_too(seeded: World, make_client) -> None:
    folder = RunStaging(seeded.root, FORWARD, "scheduled__h1").step(folders.REJECTED)
    (folder / "part-00000.parquet").write_bytes(b"not parquet")
    html = make_client().get(f"{BASE}/dags/{FORWARD}/runs/scheduled__h1").text
    assert "cannot be shown: the files cannot be read" in html


def test_unknown_dags_and_runs_are_404_pages(seeded: World, make_client) -> None:
    client = make_client()
    other = client.get(f"{BASE}/dags/some_other_dag")
    assert other.status_code == 404
    assert "is not one of this project" in other.text
    missing = client.get(f"{BASE}/dags/{FORWARD}/runs/manual__2026-01-01T00:00:00+00:00")
    assert missing.status_code == 404
    assert "has not reached its report step yet" in missing.text
    assert client.get(f"{BASE}/api/dags/{FORWARD}/runs/nope").json()["detail"].startswith("No run")


def test_run_data_is_never_cached(seeded: World, make_client) -> None:
    client = make_client()
    for url in (f"{BASE}/", f"{BASE}/api/overview", f"{BASE}/dags/{FORWARD}/runs/scheduled__h3"):
        assert client.get(url).headers["cache-control"] == "no-store"
    assert make_client(None).get(f"{BASE}/icon.svg").headers["cache-control"] == "max-age=86400"


def test_the_icon_needs_no_session(make_client) -> None:
    response = make_client(None).get(f"{BASE}/icon.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
