"""``lose_next_creates``: a create commits its record, then its answer is lost (502, or a dropped socket)."""

from __future__ import annotations

import pytest
import requests

from .conftest import RECORD, tba_auth

pytestmark = pytest.mark.integration


def _lead(n: int) -> dict[str, object]:
    return {
        "isPerson": True,
        "firstName": "Lost",
        "lastName": f"Answer{n}",
        "email": f"lost.answer{n}@example.org",
        "entityStatus": {"id": "6"},
    }


def _create(base_url: str, n: int) -> requests.Response:
    return requests.post(f"{base_url}{RECORD}/customer", json=_lead(n), auth=tba_auth(), timeout=30)


def _customers(base_url: str, n: int) -> list[dict[str, object]]:
    email = _lead(n)["email"]
    return requests.get(f"{base_url}/_sandbox/customers", params={"email": email}, timeout=10).json()


def _configure(base_url: str, **values: object) -> requests.Response:
    return requests.post(f"{base_url}/_sandbox/config", json=values, timeout=10)


def test_lost_answers_commit_the_record_in_order(base_url: str) -> None:
    requests.post(f"{base_url}/_sandbox/reset", json={}, timeout=10)
    assert _configure(base_url, lose_next_creates=["502", "dropped"]).status_code == 200

    refused = requests.post(
        f"{base_url}{RECORD}/customer", json={"isPerson": True}, auth=tba_auth(), timeout=30
    )
    assert refused.status_code == 400, "a refused create must not consume a lost answer"

    gateway = _create(base_url, 1)
    assert gateway.status_code == 502
    assert gateway.headers["content-type"].startswith("text/html")
    assert "Location" not in gateway.headers
    with pytest.raises(requests.ConnectionError):
        _create(base_url, 2)
    answered = _create(base_url, 3)
    assert answered.status_code == 204

    for n in (1, 2, 3):
        assert len(_customers(base_url, n)) == 1, "the record was committed before the answer was lost"
    config = requests.get(f"{base_url}/_sandbox/config", timeout=10).json()
    assert config["lose_next_creates"] == []
    stats = requests.get(f"{base_url}/_sandbox/stats", timeout=10).json()
    assert stats["creates"] == 3
    assert stats["faults"] == {"lost_create_502": 1, "lost_create_dropped": 1}
    assert stats["requests"]["POST /services/rest/record/v1/customer"] == {
        "400": 1,
        "502": 1,
        "dropped": 1,
        "204": 1,
    }


def test_lose_next_creates_is_validated(base_url: str) -> None:
    bad = _configure(base_url, lose_next_creates=["500"])
    assert bad.status_code == 400
    assert "lose_next_creates" in bad.text
    assert _configure(base_url, lose_next_creates=[]).status_code == 200
