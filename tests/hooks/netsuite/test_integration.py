"""NetSuiteHook against the NetSuite sandbox on a free port: volume, governance, auth, mutations, writes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
import requests
from requests_oauthlib import OAuth1

from netsuite_acton.client.retries import RetryPolicy
from netsuite_acton.hooks.netsuite import NetSuiteHook
from netsuite_acton.hooks.netsuite.errors import NetSuiteError
from netsuite_acton.sources.netsuite_contacts import NetSuiteContacts
from netsuite_acton.sources.netsuite_preflight import run_preflight
from sandbox.launcher import SandboxProcess
from sandbox.launcher import sandbox_connection as launcher_connection
from tests.support.sandboxes import env, running

pytestmark = pytest.mark.integration

BIG = 150_000
SUITEQL_PATH = "/services/rest/query/v1/suiteql"


@pytest.fixture(scope="module")
def big() -> Iterator[SandboxProcess]:
    with running("sandbox.netsuite", "--contacts", str(BIG), "--concurrency-limit", "4") as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def small() -> Iterator[SandboxProcess]:
    with running("sandbox.netsuite", "--contacts", "6000", "--concurrency-limit", "5") as sandbox:
        yield sandbox


def admin(sandbox: SandboxProcess, method: str, path: str, **kwargs: object) -> requests.Response:
    response = requests.request(method, f"{sandbox.base_url}/_sandbox/{path}", timeout=30, **kwargs)
    response.raise_for_status()
    return response


def configure(sandbox: SandboxProcess, **changes: object) -> None:
    admin(sandbox, "POST", "config", json=changes)


def sandbox_connection(sandbox: SandboxProcess, auth: str = "tba") -> dict:
    return launcher_connection(sandbox.base_url, **({"auth": auth} if auth != "tba" else {}))


@contextmanager
def hook_on(sandbox: SandboxProcess, auth: str = "tba", **extra: object) -> Iterator[NetSuiteHook]:
    """A hook on the sandbox's ready-made connection, with ``extra`` overriding connection fields."""
    conn = sandbox_connection(sandbox, auth)
    conn["extra"] = {**conn["extra"], **extra}
    with env({"AIRFLOW_CONN_NETSUITE_IT": json.dumps(conn)}):
        yield NetSuiteHook(
            "netsuite_it", retry_policy=RetryPolicy(max_attempts=12, initial_wait=0.05, max_wait=2)
        )


def contact_count(hook: NetSuiteHook) -> int:
    return int(hook.suiteql("SELECT COUNT(*) AS n FROM contact c", limit=1)["items"][0]["n"])


def extract_all(hook: NetSuiteHook, **kwargs: object) -> pd.DataFrame:
    frames = list(NetSuiteContacts(hook).extract(**kwargs))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["id"])


# --- volume and governance ----------------------------------------------------------------------------


def test_150k_contacts_come_out_exactly_once_within_the_cap(big: SandboxProcess) -> None:
    configure(big, latency_ms=10, concurrency_limit=4)
    admin(big, "POST", "reset", json={"stats_only": True})
    with hook_on(big, max_concurrency=4) as hook:
        expected = contact_count(hook)
        frames = list(NetSuiteContacts(hook).extract(chunk_rows=25_000))
    assert expected == BIG
    assert all(len(frame) <= 25_000 for frame in frames)
    ids = pd.concat([frame["id"] for frame in frames], ignore_index=True)
    assert len(ids) == expected
    assert ids.is_unique
    stats = admin(big, "GET", "stats").json()
    # the sandbox admits at most 4 by construction; what matters is that the hook never tried a fifth
    assert stats["max_concurrent_attempts"] <= 4
    assert stats["throttled_429"] == 0


def test_429_storm_loses_no_page(small: SandboxProcess) -> None:
    """Six workers against a limit of two are throttled as the timing allows; the scheduled 429s are
    certain, so the storm happens on every run, and every 429 the sandbox sent was seen and retried."""
    admin(small, "POST", "reset")
    configure(small, latency_ms=30, concurrency_limit=2, fail_next=["429"] * 4)
    try:
        with hook_on(small, max_concurrency=6) as hook:
            expected = contact_count(hook)
            everything = extract_all(hook, chunk_rows=1_000)
            throttled = hook.limiter.throttled_count
        stats = admin(small, "GET", "stats").json()
    finally:
        configure(small, latency_ms=0, concurrency_limit=5, fail_next=[])
    assert throttled >= 4
    assert stats["throttled_429"] == throttled
    assert len(everything) == expected
    assert everything["id"].is_unique


def record_nonces(session: requests.Session, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The OAuth nonce of every request ``session`` sends from now on, retries and dropped ones included."""
    nonces: list[str] = []
    send = session.send

    def recording_send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        header = request.headers["Authorization"]
        header = header.decode() if isinstance(header, bytes) else header
        nonce = re.search(r'oauth_nonce="([^"]+)"', header)
        assert nonce is not None, "a request went out unsigned"
        nonces.append(nonce.group(1))
        return send(request, **kwargs)

    monkeypatch.setattr(session, "send", recording_send)
    return nonces


SCHEDULED_FAULTS = ["503", "500", "dropped", "429", "401", "503"]


def test_faults_are_retried_and_signed_afresh(small: SandboxProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every kind of transient failure, scheduled so each happens on every run, is retried to a whole result.

    The faults come after the count succeeded: a 401 before any success means bad credentials, and the
    hook rightly fails fast on it. Signing afresh is checked on the wire, not inferred from the result:
    the sandbox answers these faults before authentication, so it never sees a faulted request's nonce
    and would accept a replayed retry. Every request the session sends is recorded instead; the nonces
    must all differ, and there must be as many as the sandbox received (no replay below the session).
    """
    with hook_on(small, max_concurrency=2) as hook:
        expected = contact_count(hook)
        nonces = record_nonces(hook.get_conn(), monkeypatch)
        admin(small, "POST", "reset")
        configure(small, fail_next=SCHEDULED_FAULTS)
        try:
            everything = extract_all(hook, chunk_rows=500)
        finally:
            configure(small, fail_next=[])
    stats = admin(small, "GET", "stats").json()
    assert stats["faults"] == {"503": 2, "500": 1, "dropped": 1}
    assert (stats["throttled_429"], stats["unauthorized_under_load"]) == (1, 1)
    assert len(everything) == expected
    assert everything["id"].is_unique
    assert len(nonces) == stats["total_requests"]
    assert len(set(nonces)) == len(nonces)


def test_401_under_load_after_success_is_retried(small: SandboxProcess) -> None:
    """NetSuite's other answer under load, a 401 to a client it already let in, is retried, not fatal.

    Three workers against a limit of two, every over-limit request answered 401, give real ones as the
    timing allows; the two scheduled after the first success make the scenario certain on every run.
    """
    admin(small, "POST", "reset")
    configure(small, latency_ms=100, concurrency_limit=2, unauthorized_under_load_rate=1.0)
    try:
        with hook_on(small, max_concurrency=3) as hook:
            expected = contact_count(hook)
            configure(small, fail_next=["401", "401"])
            everything = extract_all(hook)
        unauthorized = admin(small, "GET", "stats").json()["unauthorized_under_load"]
    finally:
        configure(small, latency_ms=0, concurrency_limit=5, unauthorized_under_load_rate=0.0, fail_next=[])
    assert unauthorized >= 2
    assert len(everything) == expected
    assert everything["id"].is_unique


# --- authentication -----------------------------------------------------------------------------------


def test_wrong_credentials_are_rejected_clearly(small: SandboxProcess) -> None:
    with hook_on(small, token_secret="not-the-secret") as hook:
        with pytest.raises(NetSuiteError) as info:
            hook.suiteql("SELECT c.id FROM contact c", limit=1)
        ok, message = hook.test_connection()
    assert info.value.status == 401
    assert "not-the-secret" not in str(info.value)
    assert not ok
    assert "401" in message


def _signed(
    sandbox: SandboxProcess, signature_method: str = "HMAC-SHA256"
) -> tuple[requests.Session, requests.PreparedRequest]:
    extra = sandbox_connection(sandbox)["extra"]
    session = requests.Session()
    session.auth = OAuth1(
        extra["consumer_key"],
        extra["consumer_secret"],
        extra["token_id"],
        extra["token_secret"],
        signature_method=signature_method,
        realm=extra["account_id"].upper(),
    )
    request = requests.Request(
        "POST",
        f"{sandbox.base_url}{SUITEQL_PATH}",
        params={"limit": 1, "offset": 0},
        json={"q": "SELECT c.id FROM contact c"},
        headers={"Prefer": "transient"},
    )
    return session, session.prepare_request(request)


def _error_code(response: requests.Response) -> str:
    body = response.json()
    details = body.get("o:errorDetails") or [{}]
    return details[0].get("o:errorCode") or body.get("o:errorCode") or ""


def test_reused_nonce_is_rejected(small: SandboxProcess) -> None:
    session, prepared = _signed(small)
    assert session.send(prepared, timeout=30).status_code == 200
    replay = session.send(prepared, timeout=30)
    assert replay.status_code == 401
    assert _error_code(replay) == "INVALID_LOGIN_ATTEMPT"


def test_tampered_signature_is_rejected(small: SandboxProcess) -> None:
    session, prepared = _signed(small)
    header = prepared.headers["Authorization"]
    header = header.decode() if isinstance(header, bytes) else header
    prepared.headers["Authorization"] = re.sub(r'oauth_signature="[^"]+"', 'oauth_signature="AAAA"', header)
    assert session.send(prepared, timeout=30).status_code == 401
    session, prepared = _signed(small)
    prepared.url = prepared.url.replace("limit=1", "limit=2")  # signed for limit=1
    assert session.send(prepared, timeout=30).status_code == 401


def test_hmac_sha1_is_rejected(small: SandboxProcess) -> None:
    session, prepared = _signed(small, "HMAC-SHA1")
    assert session.send(prepared, timeout=30).status_code == 401


def test_m2m_works(small: SandboxProcess) -> None:
    with hook_on(small, auth="m2m") as hook:
        assert hook.settings.auth_method == "m2m"
        expected = contact_count(hook)
        everything = extract_all(hook)
        fetches = hook.get_conn().auth.fetch_count
    assert len(everything) == expected
    assert fetches == 1


def test_m2m_es256() -> None:
    with (
        running("sandbox.netsuite", "--contacts", "300", "--m2m-key-type", "ec") as sandbox,
        hook_on(sandbox, auth="m2m") as hook,
    ):
        everything = extract_all(hook)
        assert hook.get_conn().auth._algorithm == "ES256"
    assert len(everything) == 300


def test_m2m_with_an_unknown_certificate_is_rejected(small: SandboxProcess) -> None:
    with (
        hook_on(small, auth="m2m", certificate_id="some-other-cert") as hook,
        pytest.raises(NetSuiteError) as info,
    ):
        hook.suiteql("SELECT c.id FROM contact c", limit=1)
    assert info.value.status in (400, 401)


# --- records modified during an extraction ------------------------------------------------------------


def test_contacts_modified_during_extraction_are_caught_next_run(small: SandboxProcess) -> None:
    """The operator's contract: watermark = extraction start minus a lookback; run 1 + run 2 = the truth.

    The mutator edits random contacts throughout run 1, as colleagues would. So that the test means
    something on every run, whatever the mutator's timing, contacts run 1 has already delivered are also
    edited through the record API before run 1 ends: run 1 is stale for them for certain.
    """
    log_start = admin(small, "GET", "mutations").json()["last_seq"]
    configure(small, latency_ms=300, mutator_per_second=100)
    try:
        with hook_on(small, max_concurrency=1) as hook:
            started = datetime.now(UTC)
            frames: list[pd.DataFrame] = []
            edited: dict[str, str] = {}
            for frame in NetSuiteContacts(hook).extract(chunk_rows=1_000):
                if not edited:
                    edited = {rid: f"edited during run 1 ({rid})" for rid in frame["id"].iloc[:5]}
                    results = hook.update_records(
                        "contact", [(rid, {"title": t}) for rid, t in edited.items()]
                    )
                    assert all(result.ok for result in results)
                frames.append(frame)
            first = pd.concat(frames, ignore_index=True)
            configure(small, mutator_per_second=0)
            second = extract_all(hook, modified_since=started - timedelta(minutes=1))
            configure(small, latency_ms=0)
            truth = extract_all(hook)
    finally:
        configure(small, latency_ms=0, mutator_per_second=0)
    mutated = {
        str(item["id"])
        for item in admin(small, "GET", "mutations", params={"since": log_start}).json()["items"]
    }
    assert mutated | set(edited) <= set(second["id"])
    # run 1 read them before the edit (the mutator may edit them again later: truth is checked below)
    assert not first.set_index("id").loc[list(edited), "title"].isin(edited.values()).any()
    merged = (
        pd.concat([first, second], ignore_index=True)
        .sort_values("lastmodifieddate", kind="stable")
        .drop_duplicates("id", keep="last")
        .set_index("id")
        .sort_index()
    )
    truth = truth.set_index("id").sort_index()
    pd.testing.assert_frame_equal(merged, truth, check_like=True)


# --- writes and preflight -----------------------------------------------------------------------------


def test_update_records_reports_a_locked_record_without_blocking_others(small: SandboxProcess) -> None:
    with hook_on(small) as hook:
        ids = [
            item["id"] for item in hook.suiteql("SELECT c.id FROM contact c ORDER BY c.id", limit=4)["items"]
        ]
        admin(small, "POST", "locks", json={"record_type": "contact", "ids": [int(ids[1])], "locked": True})
        try:
            results = hook.update_records(
                "contact", [(rid, {"custentity_acton_score": 40 + n}) for n, rid in enumerate(ids)]
            )
        finally:
            admin(
                small, "POST", "locks", json={"record_type": "contact", "ids": [int(ids[1])], "locked": False}
            )
        assert [r.ok for r in results] == [True, False, True, True]
        assert results[1].error_code == "USER_ERROR"
        assert results[1].status == 400
        unknown = hook.update_records("contact", [(ids[0], {"custentity_no_such_field": 1})])[0]
        assert (unknown.ok, unknown.error_code) == (False, "NONEXISTENT_FIELD")
        assert hook.get_record("contact", ids[2])["custentity_acton_score"] == 42
    assert admin(small, "GET", f"contacts/{ids[3]}").json()["custentity_acton_score"] == 43


def test_preflight_passes_and_names_a_missing_field(small: SandboxProcess) -> None:
    with hook_on(small) as hook:
        good = run_preflight(hook, customer_fields=("custentity_acton_lead_score",))
        assert good.ok, good.summary()
        bad = run_preflight(hook, contact_fields=("custentity_acton_score", "custentity_not_there"))
    assert [check.name for check in bad.problems] == ["field contact.custentity_not_there"]
    assert "does not exist" in bad.problems[0].detail
    with pytest.raises(Exception, match="custentity_not_there"):
        bad.raise_for_problems()
