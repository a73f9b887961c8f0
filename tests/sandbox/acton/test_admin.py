"""The admin API: setup, scores, config, stats and reset, for loopback callers only."""

from __future__ import annotations

import time

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


def test_recipients_opt_out_bounce_and_complain(client: TestClient) -> None:
    added = client.post(
        "/_sandbox/optouts",
        json={"emails": ["ada@example.com", "alan@example.com"], "timestamp": 1_700_000_000_000},
    ).json()
    assert added == {"added": 2, "unchanged": 0, "total": 2}
    again = client.post("/_sandbox/optouts", json={"emails": ["ADA@example.com"]}).json()
    assert again == {"added": 0, "unchanged": 1, "total": 2}
    assert client.get("/_sandbox/optouts").json() == [
        {"email": "ada@example.com", "timestamp": 1_700_000_000_000, "origin": "Recipient: unsubscribe link"},
        {
            "email": "alan@example.com",
            "timestamp": 1_700_000_000_000,
            "origin": "Recipient: unsubscribe link",
        },
    ]
    client.post(
        "/_sandbox/hardbounces", json={"emails": ["gone@example.com"], "origin": "Recipient: mailbox full"}
    )
    client.post("/_sandbox/spamcomplaints", json={"emails": ["angry@example.com"]})
    (bounce,) = client.get("/_sandbox/hardbounces").json()
    assert (bounce["email"], bounce["origin"]) == ("gone@example.com", "Recipient: mailbox full")
    assert abs(bounce["timestamp"] - time.time() * 1000) < 60_000  # now, in epoch ms
    assert [e["email"] for e in client.get("/_sandbox/spamcomplaints").json()] == ["angry@example.com"]
    bad = client.post("/_sandbox/optouts", json={"emails": ["fine@example.com", "nope"]})
    assert bad.status_code == 400
    assert "nope" in bad.json()["message"]
    assert len(client.get("/_sandbox/optouts").json()) == 2  # nothing of a refused call is added


def test_a_data_reset_clears_the_consent_lists(client: TestClient) -> None:
    for kind in ("optouts", "hardbounces", "spamcomplaints"):
        client.post(f"/_sandbox/{kind}", json={"emails": ["ada@example.com"]})
    client.post("/_sandbox/reset", json={})
    assert len(client.get("/_sandbox/optouts").json()) == 1  # data kept
    client.post("/_sandbox/reset", json={"data": True})
    for kind in ("optouts", "hardbounces", "spamcomplaints"):
        assert client.get(f"/_sandbox/{kind}").json() == []


def test_consent_admin_is_loopback_only(app: FastAPI) -> None:
    with TestClient(app, client=("203.0.113.9", 5000)) as remote:
        assert remote.get("/_sandbox/optouts").status_code == 403
        assert remote.post("/_sandbox/optouts", json={"emails": []}).status_code == 403
