"""The admin API: setup, scores, config, stats and reset, for loopback callers only."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.sandbox.acton.conftest import HEADINGS, login, new_list, records

ADA = {"E-mail Address": "Ada@Example.com", "First Name": "Ada", "Last Name": "", "Act-On score": "1"}


def test_health_and_connection(client: TestClient) -> None:
    assert client.get("/_sandbox/health").json() == {"status": "ok"}
    conn = client.get("/_sandbox/connection").json()
    assert conn["conn_type"] == "acton"
    assert conn["host"] == "http://testserver"
    assert (conn["login"], conn["password"]) == ("marketing@example.com", "sandbox-password")
    assert conn["extra"] == {
        "client_id": "sandbox-client",
        "client_secret": "sandbox-secret",
        "calls_per_second": 4,
        "timeout": 60,
        "verify": True,
    }


def test_admin_refuses_non_loopback_callers(app: FastAPI) -> None:
    with TestClient(app, client=("203.0.113.9", 5000)) as remote:
        assert remote.get("/_sandbox/health").status_code == 403


def test_create_list_and_read_every_record(client: TestClient) -> None:
    list_id = new_list(client, [ADA])
    (entry,) = client.get("/_sandbox/lists").json()
    assert (entry["id"], entry["headings"], entry["count"]) == (list_id, HEADINGS, 1)
    assert (entry["email_heading"], entry["score_field"]) == ("E-mail Address", "Act-On score")
    assert records(client, list_id) == [{"_contact_id_": f"{list_id}:1", **ADA}]


def test_scores_by_email_across_lists_and_evolution(client: TestClient) -> None:
    first, second = new_list(client, [ADA]), new_list(client, [ADA])
    no_score = new_list(client, [{"E-mail Address": "ada@example.com"}], headings=["E-mail Address"])
    result = client.post("/_sandbox/scores", json={"scores": {" ADA@example.com": 77}}).json()
    assert result == {"updated": 2, "by_list": {first: 1, second: 1}}
    assert records(client, second)[0]["Act-On score"] == "77"
    assert (
        client.post("/_sandbox/scores", json={"scores": {"a@b.c": 1}, "list_id": no_score}).status_code == 400
    )
    evolved = client.post(
        "/_sandbox/scores/evolve", json={"list_id": first, "fraction": 1.0, "seed": 3}
    ).json()
    assert evolved["updated"] <= 1
    assert 0 <= int(records(client, first)[0]["Act-On score"]) <= 100


def test_per_list_score_field(client: TestClient) -> None:
    response = client.post(
        "/_sandbox/lists",
        json={
            "name": "B",
            "headings": ["E-mail Address", "Behavior Score"],
            "score_field": "Behavior Score",
            "records": [{"E-mail Address": "b@example.com"}],
        },
    )
    list_id = response.json()["id"]
    client.post("/_sandbox/scores", json={"scores": {"b@example.com": 5}})
    assert records(client, list_id)[0]["Behavior Score"] == "5"


def test_config_validates_keys(client: TestClient) -> None:
    config = client.post("/_sandbox/config", json={"rate_per_second": 7, "fail_next_jobs": 2}).json()
    assert (config["rate_per_second"], config["fail_next_jobs"]) == (7, 2)
    assert client.post("/_sandbox/config", json={"password": "x"}).status_code == 400


def test_stats_and_reset(client: TestClient) -> None:
    login(client)
    list_id = new_list(client, [ADA])
    stats = client.get("/_sandbox/stats").json()
    assert stats["calls"] == {"POST /token": {"200": 1}}
    assert (stats["password_logins"], stats["quota_used"]) == (1, 1)
    client.post("/_sandbox/reset", json={})
    assert client.get("/_sandbox/stats").json() == {"calls": {}, "quota_used": 0, "max_calls_in_1s": 0}
    assert records(client, list_id)  # data kept
    client.post("/_sandbox/reset", json={"data": True})
    assert client.get("/_sandbox/lists").json() == []
