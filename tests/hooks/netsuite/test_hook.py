"""NetSuiteHook against a transport-level fake (``responses``): signing, retries, errors, records, M2M."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import parse_qs, urlparse

import jwt
import pandas as pd
import pytest
import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from netsuite_acton.hooks.netsuite import NetSuiteHook
from netsuite_acton.hooks.netsuite.auth import M2MBearerAuth, NetSuiteSettings
from netsuite_acton.hooks.netsuite.errors import NetSuiteConfigError, NetSuiteError
from tests.support.fake_netsuite import (
    BASE,
    CONSUMER_SECRET,
    SUITEQL,
    TBA_EXTRA,
    TOKEN_SECRET,
    TOKEN_URL,
    header,
    make_hook,
    nserror,
    oauth_params,
    set_conn,
)
from tests.support.sandboxes import env

# --- connection ---------------------------------------------------------------------------------------


def test_settings_derive_base_url_and_realm() -> None:
    settings = NetSuiteSettings.from_connection(None, TBA_EXTRA)
    assert settings.base_url == BASE
    assert settings.realm == "1234567_SB1"
    assert settings.max_concurrency == 3
    assert settings.verify is True
    override = NetSuiteSettings.from_connection("http://127.0.0.1:9/", {**TBA_EXTRA, "verify": "false"})
    assert override.base_url == "http://127.0.0.1:9"
    assert override.verify is False


def test_settings_name_missing_fields_never_values() -> None:
    with pytest.raises(NetSuiteConfigError) as info:
        NetSuiteSettings.from_connection(None, {**TBA_EXTRA, "token_secret": "", "token_id": None})
    assert "token_id" in str(info.value)
    assert "token_secret" in str(info.value)
    assert CONSUMER_SECRET not in str(info.value)
    assert CONSUMER_SECRET not in repr(NetSuiteSettings.from_connection(None, TBA_EXTRA))
    with pytest.raises(NetSuiteConfigError, match="timezone"):
        NetSuiteSettings.from_connection(None, {**TBA_EXTRA, "timezone": "Mars/Olympus"})
    with pytest.raises(NetSuiteConfigError, match="max_concurrency"):
        NetSuiteSettings.from_connection(None, {**TBA_EXTRA, "max_concurrency": 0})


def test_session_verifies_tls_and_sizes_pool(fake: responses.RequestsMock) -> None:
    session = make_hook().get_conn()
    assert session.verify is True
    adapter = session.get_adapter(BASE)
    assert adapter._pool_maxsize >= 3


# --- signing and retries ------------------------------------------------------------------------------


def test_suiteql_request_shape_and_tba_header(fake: responses.RequestsMock) -> None:
    fake.post(
        SUITEQL, json={"items": [{"id": "1", "links": []}], "hasMore": False, "count": 1, "totalResults": 1}
    )
    page = make_hook().suiteql("SELECT c.id FROM contact c", limit=5, offset=10)
    assert page["items"][0]["id"] == "1"
    request = fake.calls[0].request
    assert parse_qs(urlparse(request.url).query) == {"limit": ["5"], "offset": ["10"]}
    assert header(request, "Prefer") == "transient"
    assert json.loads(request.body) == {"q": "SELECT c.id FROM contact c"}
    params = oauth_params(request)
    assert params["realm"] == "1234567_SB1"
    assert params["oauth_signature_method"] == "HMAC-SHA256"
    assert params["oauth_consumer_key"] == "ck-1"
    assert params["oauth_token"] == "tid-1"


def test_every_retry_is_signed_afresh(fake: responses.RequestsMock) -> None:
    fake.post(SUITEQL, status=503, json=nserror(503, "UNEXPECTED_ERROR", "busy"))
    fake.post(SUITEQL, status=500, json=nserror(500, "UNEXPECTED_ERROR", "oops"))
    fake.post(SUITEQL, json={"items": [], "hasMore": False})
    make_hook().suiteql("SELECT c.id FROM contact c")
    nonces = [oauth_params(call.request)["oauth_nonce"] for call in fake.calls]
    signatures = [oauth_params(call.request)["oauth_signature"] for call in fake.calls]
    assert len(nonces) == 3
    assert len(set(nonces)) == 3
    assert len(set(signatures)) == 3


def test_retry_after_is_honoured(fake: responses.RequestsMock) -> None:
    fake.post(
        SUITEQL,
        status=429,
        headers={"Retry-After": "7"},
        json=nserror(429, "CONCURRENCY_LIMIT_EXCEEDED", "x"),
    )
    fake.post(SUITEQL, json={"items": [], "hasMore": False})
    sleeps: list[float] = []
    make_hook(sleeps).suiteql("SELECT c.id FROM contact c")
    assert len(sleeps) == 1
    assert 7 <= sleeps[0] < 7.1


def test_429_storm_is_ridden_out_and_shrinks_concurrency(fake: responses.RequestsMock) -> None:
    body = nserror(429, "CONCURRENCY_LIMIT_EXCEEDED", "Concurrent request limit exceeded. Request blocked.")
    for _ in range(5):
        fake.post(SUITEQL, status=429, json=body)
    fake.post(SUITEQL, json={"items": [{"id": "1"}], "hasMore": False})
    sleeps: list[float] = []
    hook = make_hook(sleeps)
    assert hook.suiteql("SELECT c.id FROM contact c")["items"] == [{"id": "1"}]
    assert len(sleeps) == 5
    assert hook.limiter.limit == 1
    assert hook.limiter.throttled_count == 5


def test_retries_run_out_with_the_code(fake: responses.RequestsMock) -> None:
    fake.post(SUITEQL, status=503, json=nserror(503, "UNEXPECTED_ERROR", "down"))
    with pytest.raises(NetSuiteError) as info:
        make_hook().suiteql("SELECT c.id FROM contact c")
    assert info.value.status == 503
    assert len(fake.calls) == 6


def test_dropped_connections_are_retried(fake: responses.RequestsMock) -> None:
    fake.post(SUITEQL, body=requests.ConnectionError("reset by peer"))
    fake.post(SUITEQL, json={"items": [], "hasMore": False})
    make_hook().suiteql("SELECT c.id FROM contact c")
    assert len(fake.calls) == 2


def test_errors_carry_code_and_detail_but_no_secret_or_email(fake: responses.RequestsMock) -> None:
    detail = f"Invalid search for jane.doe@example.com near {TOKEN_SECRET}"
    fake.post(SUITEQL, status=400, json=nserror(400, "INVALID_PARAMETER", detail))
    with pytest.raises(NetSuiteError) as info:
        make_hook().suiteql("SELECT nope FROM contact")
    message = str(info.value)
    assert info.value.code == "INVALID_PARAMETER"
    assert info.value.status == 400
    assert "Invalid search" in message
    assert "jane.doe@example.com" not in message
    assert TOKEN_SECRET not in message
    assert len(fake.calls) == 1  # a 400 is not retried


def test_bad_credentials_fail_fast(fake: responses.RequestsMock) -> None:
    fake.post(SUITEQL, status=401, json=nserror(401, "INVALID_LOGIN_ATTEMPT", "Invalid login attempt."))
    hook = make_hook()
    with pytest.raises(NetSuiteError, match="INVALID_LOGIN_ATTEMPT") as info:
        hook.suiteql("SELECT c.id FROM contact c")
    assert info.value.status == 401
    assert len(fake.calls) == 1
    ok, message = hook.test_connection()
    assert not ok
    assert "INVALID_LOGIN_ATTEMPT" in message


def test_401_under_load_after_success_is_retried(fake: responses.RequestsMock) -> None:
    fake.post(SUITEQL, json={"items": [], "hasMore": False})
    fake.post(SUITEQL, status=401, json=nserror(401, "INVALID_LOGIN_ATTEMPT", "Invalid login attempt."))
    fake.post(SUITEQL, json={"items": [], "totalResults": 3, "hasMore": False})
    hook = make_hook()
    hook.suiteql("SELECT c.id FROM contact c")
    ok, message = hook.test_connection()
    assert ok
    assert "1234567_SB1" in message


def test_suiteql_refuses_pages_beyond_the_cap() -> None:
    with pytest.raises(ValueError, match="100,000"):
        NetSuiteHook("netsuite_unit").suiteql("SELECT 1", limit=1000, offset=99_500)


# --- records ------------------------------------------------------------------------------------------

RECORD = f"{BASE}/services/rest/record/v1/contact"


def test_update_records_keeps_every_outcome(fake: responses.RequestsMock) -> None:
    fake.patch(f"{RECORD}/1", status=204, headers={"Location": f"{RECORD}/1"})
    fake.patch(
        f"{RECORD}/2", status=400, json=nserror(400, "USER_ERROR", "The record is locked by a workflow.")
    )
    fake.patch(f"{RECORD}/3", status=503, json=nserror(503, "UNEXPECTED_ERROR", "x"))
    fake.patch(f"{RECORD}/3", status=204)
    results = make_hook().update_records(
        "contact",
        [
            ("1", {"custentity_acton_score": 5}),
            ("2", {"custentity_acton_score": 6}),
            ("3", {"custentity_acton_score": 7}),
            ("1/../../x", {"custentity_acton_score": 8}),
        ],
    )
    assert [(r.record_id, r.ok, r.status, r.error_code) for r in results] == [
        ("1", True, 204, None),
        ("2", False, 400, "USER_ERROR"),
        ("3", True, 204, None),
        ("1/../../x", False, None, "INVALID_ID"),
    ]
    assert "locked" in results[1].detail
    patch = next(call.request for call in fake.calls if call.request.url.endswith("/1"))
    assert json.loads(patch.body) == {"custentity_acton_score": 5}
    assert header(patch, "X-NetSuite-PropertyNameValidation") == "error"


def test_update_records_from_frame_sends_json_types(fake: responses.RequestsMock) -> None:
    fake.patch(re.compile(rf"{RECORD}/\d+"), status=204)
    frame = pd.DataFrame({"id": ["10", "11"], "custentity_acton_score": [87, None]})
    frame["custentity_acton_score"] = frame["custentity_acton_score"].astype("Int64")
    results = make_hook().update_records("contact", frame, max_workers=8)
    assert all(r.ok for r in results)
    bodies = {call.request.url.rsplit("/", 1)[1]: json.loads(call.request.body) for call in fake.calls}
    assert bodies == {"10": {"custentity_acton_score": 87}, "11": {"custentity_acton_score": None}}


def test_update_records_rejects_bad_record_type() -> None:
    with pytest.raises(ValueError, match="identifier"):
        NetSuiteHook("netsuite_unit").update_records("contact/../x", [])


def test_get_record(fake: responses.RequestsMock) -> None:
    fake.get(f"{RECORD}/5", json={"id": "5", "custentity_acton_score": 3})
    assert make_hook().get_record("contact", 5)["custentity_acton_score"] == 3


# --- M2M ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def m2m_extra(key: rsa.RSAPrivateKey) -> dict:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {
        "account_id": "1234567_SB1",
        "auth_method": "m2m",
        "client_id": "client-1",
        "certificate_id": "cert-1",
        "private_key": pem.decode(),
    }


def test_m2m_token_is_fetched_once_and_shared(rsa_key: rsa.RSAPrivateKey) -> None:
    with env(set_conn(m2m_extra(rsa_key))), responses.RequestsMock() as fake:
        fake.post(TOKEN_URL, json={"access_token": "tok-1", "expires_in": 3600, "token_type": "Bearer"})
        fake.post(SUITEQL, json={"items": [], "hasMore": False})
        hook = make_hook()
        for _ in range(3):
            hook.suiteql("SELECT c.id FROM contact c")
        token_calls = [c for c in fake.calls if c.request.url == TOKEN_URL]
        assert len(token_calls) == 1
        assert all(c.request.headers["Authorization"] == "Bearer tok-1" for c in fake.calls[1:])
        form = parse_qs(token_calls[0].request.body)
        assert form["grant_type"] == ["client_credentials"]
        assert form["client_assertion_type"] == ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
        assertion = form["client_assertion"][0]
        header = jwt.get_unverified_header(assertion)
        assert header["alg"] == "PS256"
        assert header["kid"] == "cert-1"
        claims = jwt.decode(assertion, rsa_key.public_key(), algorithms=["PS256"], audience=TOKEN_URL)
        assert claims["iss"] == "client-1"
        assert claims["scope"] == "rest_webservices"
        assert claims["exp"] - claims["iat"] <= 3600


def test_m2m_token_renewed_before_expiry(rsa_key: rsa.RSAPrivateKey) -> None:
    now = [1_000_000.0]
    settings = NetSuiteSettings.from_connection(None, m2m_extra(rsa_key))
    auth = M2MBearerAuth(settings, clock=lambda: now[0])
    with responses.RequestsMock() as fake:
        fake.post(TOKEN_URL, json={"access_token": "tok-1", "expires_in": 3600})
        fake.post(TOKEN_URL, json={"access_token": "tok-2", "expires_in": 3600})
        assert auth.token() == "tok-1"
        now[0] += 3500
        assert auth.token() == "tok-1"
        now[0] += 50  # within the 60 s margin
        assert auth.token() == "tok-2"


def test_m2m_bad_client_is_a_clear_error(rsa_key: rsa.RSAPrivateKey) -> None:
    with env(set_conn(m2m_extra(rsa_key))), responses.RequestsMock() as fake:
        fake.post(
            TOKEN_URL, status=400, json={"error": "invalid_client", "error_description": "Unknown client"}
        )
        with pytest.raises(NetSuiteError, match="invalid_client") as info:
            make_hook().suiteql("SELECT c.id FROM contact c")
        assert "BEGIN" not in str(info.value)
        assert len(fake.calls) == 1


def test_m2m_signs_es256_with_an_ec_key() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    extra = {
        "account_id": "1",
        "auth_method": "m2m",
        "client_id": "c",
        "certificate_id": "k",
        "private_key": pem.decode(),
    }
    assertion = M2MBearerAuth(NetSuiteSettings.from_connection(None, extra)).client_assertion()
    assert jwt.get_unverified_header(assertion)["alg"] == "ES256"
    with pytest.raises(NetSuiteConfigError, match="does not match"):
        M2MBearerAuth(NetSuiteSettings.from_connection(None, {**extra, "algorithm": "PS256"}))
    with pytest.raises(NetSuiteConfigError, match="algorithm"):
        NetSuiteSettings.from_connection(None, {**extra, "algorithm": "RS256"})


def test_m2m_rejects_a_bad_key() -> None:
    extra = {
        "account_id": "1",
        "auth_method": "m2m",
        "client_id": "c",
        "certificate_id": "k",
        "private_key": "nope",
    }
    with pytest.raises(NetSuiteConfigError, match="PEM"):
        M2MBearerAuth(NetSuiteSettings.from_connection(None, extra))


def test_concurrent_requests_stay_under_max_concurrency(fake: responses.RequestsMock) -> None:
    def slow(_request: requests.PreparedRequest):
        time.sleep(0.02)
        return 204, {}, ""

    fake.add_callback(responses.PATCH, re.compile(rf"{RECORD}/\d+"), callback=slow)
    hook = make_hook()
    results = hook.update_records(
        "contact", [(str(i), {"custentity_acton_score": i}) for i in range(1, 40)], 10
    )
    assert all(r.ok for r in results)
    assert hook.limiter.peak_in_flight <= 3
