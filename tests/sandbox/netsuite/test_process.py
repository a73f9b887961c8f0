"""Integration: the sandbox as a child process, called the way the hook calls it (requests + OAuth1)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
import requests

from sandbox.netsuite.auth import TOKEN_PATH

from .conftest import RECORD, SUITEQL, TRANSIENT, tba_auth

pytestmark = pytest.mark.integration

ONE_ROW = "SELECT id FROM contact WHERE ROWNUM <= 1"
#: How long held requests keep their slots: far longer than the few local calls sent meanwhile take.
HOLD_MS = 2000


def suiteql(base_url: str, q: str, auth: object, limit: int = 1000, offset: int = 0) -> requests.Response:
    return requests.post(
        f"{base_url}{SUITEQL}",
        params={"limit": limit, "offset": offset},
        json={"q": q},
        headers=TRANSIENT,
        auth=auth,
        timeout=30,
    )


def assert_invalid_login(response: requests.Response, reason: str) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["title"] == "Unauthorized"
    assert body["status"] == 401
    assert body["o:errorDetails"][0]["o:errorCode"] == "INVALID_LOGIN_ATTEMPT"
    assert body["o:errorDetails"][0]["detail"].startswith("Invalid login attempt.")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert reason in response.headers["X-Sandbox-Reason"]


def test_tba_accepted_with_query_params(base_url: str) -> None:
    r = suiteql(base_url, "SELECT id FROM contact ORDER BY id", tba_auth(), limit=7, offset=14)
    assert r.status_code == 200, r.text
    assert r.json()["count"] == 7
    r = requests.get(
        f"{base_url}{RECORD}/contact",
        params={"limit": 3, "q": 'lastModifiedDate AFTER "1/1/2020"'},
        auth=tba_auth(),
        timeout=30,
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("auth", "reason"),
    [
        (lambda: tba_auth(signature_method="HMAC-SHA1"), "HMAC-SHA1"),
        (lambda: tba_auth(realm="1234567-sb1"), "realm"),
        (lambda: tba_auth(timestamp=str(int(time.time()) - 400)), "timestamp"),
    ],
)
def test_tba_rejections(base_url: str, auth, reason: str) -> None:
    assert_invalid_login(suiteql(base_url, "SELECT id FROM contact", auth()), reason)


def test_wrong_secret_and_tampered_query(base_url: str) -> None:
    from requests_oauthlib import OAuth1

    wrong = OAuth1(
        "sandbox-consumer-key",
        "nope",
        "sandbox-token-id",
        "sandbox-token-secret",
        signature_method="HMAC-SHA256",
        realm="1234567_SB1",
    )
    assert_invalid_login(suiteql(base_url, "SELECT id FROM contact", wrong), "signature mismatch")
    prepared = requests.Request(
        "POST",
        f"{base_url}{SUITEQL}?limit=5&offset=0",
        json={"q": "SELECT id FROM contact"},
        headers=TRANSIENT,
        auth=tba_auth(),
    ).prepare()
    prepared.url = prepared.url.replace("limit=5", "limit=6")
    with requests.Session() as session:
        assert_invalid_login(session.send(prepared, timeout=30), "signature mismatch")


def test_reused_nonce_is_rejected(base_url: str) -> None:
    prepared = requests.Request("GET", f"{base_url}{RECORD}/contact?limit=1", auth=tba_auth()).prepare()
    with requests.Session() as session:
        assert session.send(prepared, timeout=30).status_code == 200
        assert_invalid_login(session.send(prepared, timeout=30), "nonce")


def test_m2m_token_flow(base_url: str) -> None:
    extra = requests.get(f"{base_url}/_sandbox/connection", params={"auth": "m2m"}, timeout=10).json()[
        "extra"
    ]
    token_url = base_url + TOKEN_PATH
    now = int(time.time())

    def assertion(alg: str = "PS256", **claims: object) -> str:
        payload = {
            "iss": extra["client_id"],
            "scope": "rest_webservices",
            "aud": token_url,
            "iat": now,
            "exp": now + 3600,
            **claims,
        }
        return jwt.encode(
            payload,
            extra["private_key"],
            algorithm=alg,
            headers={"kid": extra["certificate_id"], "typ": "JWT"},
        )

    def ask(client_assertion: str) -> requests.Response:
        return requests.post(
            token_url,
            timeout=30,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": client_assertion,
            },
        )

    r = ask(assertion())
    assert r.status_code == 200, r.text
    token = r.json()
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == "3600"
    bearer = {"Authorization": f"Bearer {token['access_token']}", **TRANSIENT}
    r = requests.post(
        f"{base_url}{SUITEQL}?limit=2", json={"q": "SELECT id FROM contact"}, headers=bearer, timeout=30
    )
    assert r.status_code == 200, r.text

    assert ask(assertion("RS256")).json() == {"error": "invalid_grant"}
    assert ask(assertion(exp=now + 7200)).status_code == 400
    assert ask(assertion(aud="https://elsewhere.example/token")).status_code == 400
    assert ask(assertion(iss="someone-else")).status_code == 400
    assert ask(assertion(scope="restlets")).json() == {"error": "invalid_scope"}

    requests.post(f"{base_url}/_sandbox/config", json={"token_ttl_seconds": 1}, timeout=10)
    short = ask(assertion()).json()
    time.sleep(1.2)
    r = requests.get(
        f"{base_url}{RECORD}/contact?limit=1",
        timeout=30,
        headers={"Authorization": f"Bearer {short['access_token']}"},
    )
    assert_invalid_login(r, "expired")


def test_paging_cap_and_date_rendering(base_url: str) -> None:
    r = suiteql(
        base_url, "SELECT id, datecreated FROM contact ORDER BY id", tba_auth(), limit=1000, offset=1000
    )
    body = r.json()
    assert [link["rel"] for link in body["links"]] == ["previous", "first", "next", "last", "self"]
    assert body["totalResults"] == 3000
    assert body["hasMore"] is True
    assert all(len(item["datecreated"].split("/")) == 3 for item in body["items"])  # M/D/YYYY, no time
    r = suiteql(base_url, "SELECT id FROM contact", tba_auth(), limit=1000, offset=99_500)
    assert r.status_code == 400
    assert r.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_PARAMETER"


def test_patch_round_trip(base_url: str) -> None:
    first = suiteql(base_url, "SELECT id FROM contact WHERE ROWNUM <= 1", tba_auth()).json()["items"][0]["id"]
    r = requests.patch(
        f"{base_url}{RECORD}/contact/{first}",
        json={"custentity_acton_score": 42},
        auth=tba_auth(),
        timeout=30,
    )
    assert r.status_code == 204
    assert r.headers["Location"] == f"{base_url}{RECORD}/contact/{first}"
    item = suiteql(
        base_url, f"SELECT custentity_acton_score FROM contact WHERE id = {first}", tba_auth()
    ).json()
    assert item["items"][0]["custentity_acton_score"] == "42"


def configure(base_url: str, **changes: object) -> None:
    requests.post(f"{base_url}/_sandbox/config", json=changes, timeout=10).raise_for_status()


def sandbox_stats(base_url: str) -> dict[str, Any]:
    return requests.get(f"{base_url}/_sandbox/stats", timeout=10).json()


@contextmanager
def slots_held(base_url: str, count: int) -> Iterator[list[Future[requests.Response]]]:
    """``count`` requests admitted and answered only after ``HOLD_MS``; yields once the sandbox counts them.

    Waiting for the sandbox's own in-flight count, instead of firing threads together and hoping they
    overlap, makes "the limit is full" a fact when the block runs, however loaded the machine.
    """
    configure(base_url, latency_ms=HOLD_MS, concurrency_limit=count)
    with ThreadPoolExecutor(count) as pool:
        held = [pool.submit(suiteql, base_url, ONE_ROW, tba_auth()) for _ in range(count)]
        deadline = time.monotonic() + 30
        while sandbox_stats(base_url)["in_flight"] < count:
            assert time.monotonic() < deadline, "the holding requests were never admitted"
            time.sleep(0.01)
        yield held
        assert sandbox_stats(base_url)["in_flight"] == count, "the slots were freed before the block ended"


def without_transport_headers(response: requests.Response) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items() if k.lower() not in ("date", "server")}


def assert_same_answer(scheduled: requests.Response, real: requests.Response) -> None:
    """A ``fail_next`` rejection must be indistinguishable from the one it stands in for."""
    assert (scheduled.status_code, scheduled.content) == (real.status_code, real.content)
    assert without_transport_headers(scheduled) == without_transport_headers(real)


def test_concurrency_limit_is_exact(base_url: str) -> None:
    requests.post(f"{base_url}/_sandbox/reset", json={}, timeout=10)
    with slots_held(base_url, 3) as held:
        throttled = [suiteql(base_url, ONE_ROW, tba_auth()) for _ in range(5)]
    assert [future.result().status_code for future in held] == [200] * 3
    assert [r.status_code for r in throttled] == [429] * 5
    body = throttled[0].json()
    assert body["status"] == 429
    assert body["o:errorDetails"][0]["o:errorCode"] == "CONCURRENCY_LIMIT_EXCEEDED"
    assert "Retry-After" not in throttled[0].headers
    stats = sandbox_stats(base_url)
    assert stats["max_in_flight"] == 3
    assert stats["throttled_429"] == 5
    assert stats["requests"]["POST /services/rest/query/v1/suiteql"] == {"200": 3, "429": 5}
    configure(base_url, latency_ms=0, fail_next=["429"])
    assert_same_answer(suiteql(base_url, ONE_ROW, tba_auth()), throttled[0])


def test_dropped_connection_and_faults(base_url: str) -> None:
    requests.post(f"{base_url}/_sandbox/config", json={"drop_rate": 1.0}, timeout=10)
    with pytest.raises(requests.ConnectionError):
        suiteql(base_url, "SELECT id FROM contact", tba_auth())
    requests.post(f"{base_url}/_sandbox/config", json={"drop_rate": 0.0, "error_503_rate": 1.0}, timeout=10)
    r = suiteql(base_url, "SELECT id FROM contact", tba_auth())
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("text/html")
    requests.post(f"{base_url}/_sandbox/config", json={"error_503_rate": 0.0}, timeout=10)
    assert suiteql(base_url, "SELECT id FROM contact", tba_auth()).status_code == 200
    assert requests.get(f"{base_url}/_sandbox/stats", timeout=10).json()["faults"] == {"dropped": 1, "503": 1}


def test_unauthorized_under_load_when_told(base_url: str) -> None:
    requests.post(f"{base_url}/_sandbox/reset", json={}, timeout=10)
    configure(base_url, unauthorized_under_load_rate=1.0)
    with slots_held(base_url, 1) as held:
        rejected = [suiteql(base_url, ONE_ROW, tba_auth()) for _ in range(3)]
    assert held[0].result().status_code == 200
    for response in rejected:
        assert_invalid_login(response, "rejected under load")
    stats = sandbox_stats(base_url)
    assert (stats["unauthorized_under_load"], stats["throttled_429"]) == (3, 0)
    configure(base_url, latency_ms=0, unauthorized_under_load_rate=0.0, fail_next=["401"])
    assert_same_answer(suiteql(base_url, ONE_ROW, tba_auth()), rejected[0])


def test_scheduled_drop_closes_the_socket_without_a_byte(base_url: str) -> None:
    configure(base_url, fail_next=["dropped", "503"])
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as raw:
        raw.sendall(b"GET /services/rest/record/v1/contact?limit=1 HTTP/1.1\r\nHost: sandbox\r\n\r\n")
        try:
            answer = raw.recv(1024)  # b"" is the orderly close; a reset is the abort's other face
        except ConnectionResetError:
            answer = b""
    assert answer == b""
    assert suiteql(base_url, ONE_ROW, tba_auth()).status_code == 503  # the next one, in order
    assert suiteql(base_url, ONE_ROW, tba_auth()).status_code == 200
    stats = sandbox_stats(base_url)
    assert stats["faults"] == {"dropped": 1, "503": 1}
    assert stats["requests"]["GET /services/rest/record/v1/contact"] == {"dropped": 1}


def test_create_a_lead_over_http(base_url: str) -> None:
    """A create signed as the hook signs it (the JSON body is not part of the signature), then read back."""
    body = {
        "isPerson": True,
        "firstName": "Http",
        "lastName": "Lead",
        "email": "http.lead@example.org",
        "entityStatus": {"id": "6"},
    }
    response = requests.post(f"{base_url}{RECORD}/customer", json=body, auth=tba_auth(), timeout=30)
    assert response.status_code == 204, response.text
    assert response.content == b""
    location = response.headers["Location"]
    assert location.startswith(f"{base_url}{RECORD}/customer/")
    record = requests.get(location, auth=tba_auth(), timeout=30).json()
    assert (record["firstName"], record["entityStatus"]["refName"]) == ("Http", "LEAD-Unqualified")
    found = requests.get(f"{base_url}/_sandbox/customers", params={"email": body["email"]}, timeout=10).json()
    assert [str(row["id"]) for row in found] == [record["id"]]
    assert requests.get(f"{base_url}/_sandbox/stats", timeout=10).json()["creates"] == 1
