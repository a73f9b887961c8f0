"""NetSuiteHook.create_record: one POST, the new id from ``Location``, re-sent only when NetSuite cannot
have created the record (429, 401 under load, no connection); any other failure is ambiguous, never
re-sent by the hook."""

from __future__ import annotations

import json

import pytest
import requests
import responses
import urllib3

from netsuite_acton.client.retries import request_never_sent
from netsuite_acton.hooks.netsuite.errors import NetSuiteAmbiguousError, NetSuiteError
from tests.support.fake_netsuite import BASE, SUITEQL, header, make_hook, nserror, oauth_params

CREATE = f"{BASE}/services/rest/record/v1/customer"
LEAD = {"isPerson": True, "firstName": "Ada", "lastName": "Lovelace", "entityStatus": {"id": "6"}}


def _created(new_id: int = 647) -> dict:
    return {"status": 204, "headers": {"Location": f"{CREATE}/{new_id}"}}


def _refused_connection() -> requests.ConnectionError:
    reason = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection: refused")
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, CREATE, reason))


def _posts(fake: responses.RequestsMock) -> list[responses.Call]:
    return [call for call in fake.calls if call.request.method == "POST" and call.request.url == CREATE]


def test_create_returns_the_new_id_and_sends_the_body(fake: responses.RequestsMock) -> None:
    fake.post(CREATE, **_created(647))
    assert make_hook().create_record("customer", {**LEAD, "phone": float("nan")}) == "647"
    (call,) = _posts(fake)
    assert json.loads(call.request.body) == {**LEAD, "phone": None}
    assert header(call.request, "X-NetSuite-PropertyNameValidation") == "error"


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 502, "body": "<html>Bad Gateway</html>", "content_type": "text/html"},
        {"status": 500, "json": nserror(500, "UNEXPECTED_ERROR", "An unexpected error occurred.")},
        {"status": 503, "body": "<html>down</html>", "content_type": "text/html"},
        {"body": requests.ConnectionError("Connection aborted.: RemoteDisconnected")},
        {"body": requests.ReadTimeout("read timed out")},
        {"status": 204},  # created, but no Location says which record
        {"status": 204, "headers": {"Location": f"{BASE}/services/rest/record/v1/customer/abc"}},
    ],
)
def test_an_ambiguous_failure_is_never_resent_by_the_hook(fake: responses.RequestsMock, answer: dict) -> None:
    fake.post(CREATE, **answer)
    fake.post(CREATE, **_created())
    with pytest.raises(NetSuiteAmbiguousError) as info:
        make_hook().create_record("customer", LEAD)
    assert len(_posts(fake)) == 1, "a create that may have happened was sent again"
    assert not isinstance(info.value, requests.RequestException)


def test_refusals_at_the_door_are_resent_each_signed_afresh(fake: responses.RequestsMock) -> None:
    fake.post(SUITEQL, json={"items": [], "hasMore": False})  # authenticated once: a later 401 is load
    fake.post(CREATE, status=429, json=nserror(429, "CONCURRENCY_LIMIT_EXCEEDED", "Request blocked."))
    fake.post(CREATE, status=401, json=nserror(401, "INVALID_LOGIN_ATTEMPT", "Invalid login attempt."))
    fake.post(CREATE, body=_refused_connection())
    fake.post(CREATE, **_created(9))
    sleeps: list[float] = []
    hook = make_hook(sleeps)
    hook.suiteql("SELECT c.id FROM contact c")
    assert hook.create_record("customer", LEAD) == "9"
    posts = _posts(fake)
    assert len(posts) == 4
    assert len(sleeps) == 3
    assert len({oauth_params(call.request)["oauth_nonce"] for call in posts}) == 4


def test_a_refused_record_is_an_error_with_netsuites_code(fake: responses.RequestsMock) -> None:
    fake.post(CREATE, status=400, json=nserror(400, "USER_ERROR", "Invalid subsidiary reference key 7."))
    with pytest.raises(NetSuiteError) as info:
        make_hook().create_record("customer", {**LEAD, "subsidiary": {"id": "7"}})
    assert not isinstance(info.value, NetSuiteAmbiguousError)
    assert (info.value.status, info.value.code) == (400, "USER_ERROR")
    assert "subsidiary" in info.value.detail
    assert len(_posts(fake)) == 1


def test_create_refuses_a_bad_record_type() -> None:
    with pytest.raises(ValueError, match="identifier"):
        make_hook().create_record("customer/1; DROP", LEAD)


def test_request_never_sent_only_when_no_connection_was_made() -> None:
    assert request_never_sent(_refused_connection())
    assert request_never_sent(requests.ConnectTimeout("connect timed out"))
    assert not request_never_sent(requests.ConnectionError("Connection aborted.: RemoteDisconnected"))
    assert not request_never_sent(requests.ReadTimeout("read timed out"))
    assert not request_never_sent(ValueError("x"))
