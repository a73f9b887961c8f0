"""NetSuiteHook against a transport-level fake (``responses``): signing, retries, errors, extraction."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import jwt
import pandas as pd
import pytest
import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from netsuite_acton.client.retries import RetryPolicy
from netsuite_acton.hooks.netsuite import NetSuiteHook
from netsuite_acton.hooks.netsuite_auth import M2MBearerAuth, NetSuiteSettings
from netsuite_acton.hooks.netsuite_errors import NetSuiteConfigError, NetSuiteError
from netsuite_acton.hooks.suiteql_keyset import KeysetError
from netsuite_acton.sources.netsuite_contacts import NetSuiteContacts
from netsuite_acton.sources.netsuite_preflight import NetSuitePreflightError, run_preflight
from tests.support.sandboxes import env

BASE = "https://1234567-sb1.suitetalk.api.netsuite.com"
SUITEQL = f"{BASE}/services/rest/query/v1/suiteql"
TOKEN_URL = f"{BASE}/services/rest/auth/oauth2/v1/token"
CONSUMER_SECRET = "consumer-s3cret-value"
TOKEN_SECRET = "token-s3cret-value"
TBA_EXTRA = {
    "account_id": "1234567_SB1",
    "auth_method": "tba",
    "consumer_key": "ck-1",
    "consumer_secret": CONSUMER_SECRET,
    "token_id": "tid-1",
    "token_secret": TOKEN_SECRET,
    "timezone": "America/Los_Angeles",
    "max_concurrency": 3,
}


def nserror(status: int, code: str, detail: str) -> dict:
    return {
        "type": "x",
        "title": "Error",
        "status": status,
        "o:errorDetails": [{"detail": detail, "o:errorCode": code}],
    }


def set_conn(extra: dict, host: str | None = None) -> dict[str, str]:
    conn = {"conn_type": "netsuite", "extra": extra}
    if host:
        conn["host"] = host
    return {"AIRFLOW_CONN_NETSUITE_UNIT": json.dumps(conn)}


@pytest.fixture
def fake() -> Iterator[responses.RequestsMock]:
    with env(set_conn(TBA_EXTRA)), responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def make_hook(sleeps: list[float] | None = None) -> NetSuiteHook:
    hook = NetSuiteHook(
        "netsuite_unit", retry_policy=RetryPolicy(max_attempts=6, initial_wait=0.01, max_wait=30)
    )
    hook._sleep = sleeps.append if sleeps is not None else (lambda _s: None)
    return hook


def header(request: requests.PreparedRequest, name: str) -> str:
    """requests-oauthlib turns signed requests' headers into bytes."""
    value = request.headers[name]
    return value.decode() if isinstance(value, bytes) else value


def oauth_params(request: requests.PreparedRequest) -> dict[str, str]:
    header_value = header(request, "Authorization")
    assert header_value.startswith("OAuth ")
    return dict(re.findall(r'(\w+)="([^"]*)"', header_value))


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


# --- extraction ---------------------------------------------------------------------------------------

PAGE = re.compile(r"c\.id > (-?\d+) AND c\.id <= (\d+)")
SINCE = re.compile(r"TO_TIMESTAMP\('([^']+)'")


def fake_account(rows: int) -> list[dict]:
    stages = ["Customer", "Prospect", "Lead", None]
    contacts = []
    for i in range(1, rows + 1):
        cid = i * 3  # sparse ids, like entity ids shared across record types
        month = 1 + i % 12
        contact = {
            "id": str(cid),
            "entityid": f"C{cid}",
            "firstname": f"Ann{i}",
            "isinactive": "T" if i % 10 == 0 else "F",
            "datecreated": "2025-01-01 00:00:00",
            "lastmodifieddate": f"2026-{month:02d}-15 12:00:00",
        }
        if stages[i % 4]:
            contact.update(company=str(cid + 1), companyname=f"Co {i}", searchstage=stages[i % 4])
        contacts.append(contact)
    return contacts


def suiteql_callback(contacts: list[dict], seen_queries: list[str]):
    def callback(request: requests.PreparedRequest):
        query = json.loads(request.body)["q"]
        seen_queries.append(query)
        since = SINCE.search(query).group(1)
        matching = [c for c in contacts if c["lastmodifieddate"] >= since]
        limit = int(parse_qs(urlparse(request.url).query)["limit"][0])
        if query.startswith("SELECT MIN"):
            ids = [int(c["id"]) for c in matching]
            item = {"n": str(len(ids))}
            if ids:
                item.update(min_id=str(min(ids)), max_id=str(max(ids)))
            return 200, {}, json.dumps({"items": [item], "hasMore": False})
        after, upper = (int(v) for v in PAGE.search(query).groups())
        hits = [c for c in matching if after < int(c["id"]) <= upper]
        page = [{**c, "links": []} for c in hits[:limit]]
        return 200, {}, json.dumps({"items": page, "hasMore": len(hits) > limit, "totalResults": len(hits)})

    return callback


def test_extract_contacts_reads_each_contact_once_in_bounded_chunks(fake: responses.RequestsMock) -> None:
    contacts = fake_account(7_500)
    queries: list[str] = []
    fake.add_callback(responses.POST, SUITEQL, callback=suiteql_callback(contacts, queries))
    frames = list(NetSuiteContacts(make_hook()).extract(chunk_rows=2_000))
    assert all(len(frame) <= 2_000 for frame in frames)
    everything = pd.concat(frames, ignore_index=True)
    assert len(everything) == 7_500
    assert everything["id"].is_unique
    assert set(everything["id"]) == {c["id"] for c in contacts}
    assert str(everything["lastmodifieddate"].dtype) == "datetime64[ns, UTC]"
    assert set(everything["stage"].dropna()) == {"CUSTOMER", "PROSPECT", "LEAD"}
    assert everything["isinactive"].sum() == 750
    assert all("offset=0" in call.request.url for call in fake.calls)
    assert "1900-01-01 00:00:00" in queries[0]


def test_extract_contacts_incremental_filters_in_account_time(fake: responses.RequestsMock) -> None:
    contacts = fake_account(1_200)
    queries: list[str] = []
    fake.add_callback(responses.POST, SUITEQL, callback=suiteql_callback(contacts, queries))
    since = datetime(2026, 11, 15, 20, 0, tzinfo=UTC)  # 12:00 PST: only November and December rows
    everything = pd.concat(NetSuiteContacts(make_hook()).extract(modified_since=since), ignore_index=True)
    months = {c["lastmodifieddate"][:7] for c in contacts if c["id"] in set(everything["id"])}
    assert months == {"2026-11", "2026-12"}
    assert (everything["lastmodifieddate"] >= pd.Timestamp(since)).all()
    assert "TO_TIMESTAMP('2026-11-15 11:00:00'" in queries[0]  # 12:00 PST minus the DST margin


def test_incremental_keeps_rows_saved_in_the_same_second(fake: responses.RequestsMock) -> None:
    contacts = [{"id": "3", "isinactive": "F", "lastmodifieddate": "2026-01-15 04:00:00"}]
    fake.add_callback(responses.POST, SUITEQL, callback=suiteql_callback(contacts, []))
    since = datetime(2026, 1, 15, 12, 0, 0, 700_000, tzinfo=UTC)  # NetSuite shows 04:00:00 PST for 12:00:00.9
    frames = list(NetSuiteContacts(make_hook()).extract(modified_since=since))
    assert [frame["id"].tolist() for frame in frames] == [["3"]]


def test_extract_contacts_with_nothing_to_read(fake: responses.RequestsMock) -> None:
    fake.post(SUITEQL, json={"items": [{"n": "0"}], "hasMore": False})
    assert list(NetSuiteContacts(make_hook()).extract(modified_since=datetime.now(UTC))) == []


def test_extract_contacts_fails_loudly_when_a_page_fails(fake: responses.RequestsMock) -> None:
    fake.post(SUITEQL, json={"items": [{"n": "5000", "min_id": "1", "max_id": "5000"}], "hasMore": False})
    fake.post(SUITEQL, status=400, json=nserror(400, "INVALID_SEARCH", "Unknown column c.title"))
    with pytest.raises(NetSuiteError, match="INVALID_SEARCH"):
        list(NetSuiteContacts(make_hook()).extract())


def test_keyset_must_advance(fake: responses.RequestsMock) -> None:
    fake.post(SUITEQL, json={"items": [{"n": "2", "min_id": "1", "max_id": "2000"}], "hasMore": False})
    fake.post(SUITEQL, json={"items": [{"id": "0"}], "hasMore": True})
    with pytest.raises(KeysetError, match="ORDER BY"):
        list(NetSuiteContacts(make_hook()).extract())


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


# --- preflight ----------------------------------------------------------------------------------------


def _preflight_fake(fake: responses.RequestsMock) -> None:
    def callback(request: requests.PreparedRequest):
        query = json.loads(request.body)["q"]
        if "custentity_missing" in query:
            return (
                400,
                {},
                json.dumps(nserror(400, "INVALID_SEARCH", "Field 'custentity_missing' was not found.")),
            )
        return 200, {}, json.dumps({"items": [{"id": "5"}], "totalResults": 1, "hasMore": False})

    fake.add_callback(responses.POST, SUITEQL, callback=callback)
    fake.get(f"{RECORD}/5", json={"id": "5", "custentity_acton_score": 12})
    fake.patch(f"{RECORD}/5", status=204)
    fake.get(f"{BASE}/services/rest/record/v1/customer/5", json={"id": "5"})
    fake.patch(
        f"{BASE}/services/rest/record/v1/customer/5",
        status=403,
        json=nserror(403, "INSUFFICIENT_PERMISSION", "Permission Violation"),
    )


def test_preflight_names_the_missing_field_and_writes_nothing(fake: responses.RequestsMock) -> None:
    _preflight_fake(fake)
    report = run_preflight(
        make_hook(),
        contact_fields=("custentity_acton_score", "custentity_missing"),
        customer_fields=("custentity_lead",),
    )
    assert not report.ok
    assert [c.name for c in report.problems] == ["field contact.custentity_missing"]
    assert not [c for c in fake.calls if c.request.method == "PATCH"], "a failing preflight wrote"
    with pytest.raises(NetSuitePreflightError, match="custentity_missing"):
        report.raise_for_problems()


def test_preflight_names_a_field_it_may_not_write(fake: responses.RequestsMock) -> None:
    _preflight_fake(fake)
    report = run_preflight(
        make_hook(), contact_fields=("custentity_acton_score",), customer_fields=("custentity_lead",)
    )
    assert [c.name for c in report.problems] == ["field customer.custentity_lead"]
    assert "INSUFFICIENT_PERMISSION" in report.problems[0].detail
    noop = next(c.request for c in fake.calls if c.request.method == "PATCH" and "/contact/" in c.request.url)
    assert json.loads(noop.body) == {"custentity_acton_score": 12}


def test_preflight_without_write_check_only_reads(fake: responses.RequestsMock) -> None:
    _preflight_fake(fake)
    report = run_preflight(make_hook(), contact_fields=("custentity_acton_score",), write_check=False)
    assert report.ok
    assert not [c for c in fake.calls if c.request.method == "PATCH"]


def test_preflight_reports_bad_credentials(fake: responses.RequestsMock) -> None:
    fake.post(SUITEQL, status=401, json=nserror(401, "INVALID_LOGIN_ATTEMPT", "Invalid login attempt."))
    report = run_preflight(make_hook())
    assert [c.name for c in report.problems] == ["authentication"]


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
