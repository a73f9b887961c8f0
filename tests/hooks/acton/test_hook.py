"""ActOnHook against a transport-level fake (``responses``): tokens, retries, merges, jobs, downloads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

import pandas as pd
import pytest
import responses
import sqlalchemy as sa
from requests_toolbelt.multipart.decoder import MultipartDecoder

from netsuite_acton.client.rate_limit import RateLimiter
from netsuite_acton.client.retries import RetryPolicy
from netsuite_acton.hooks.acton import ActOnError, ActOnHook, MergeResult
from netsuite_acton.hooks.acton.settings import base_url
from netsuite_acton.state import StateStore
from tests.support.sandboxes import env

BASE = "https://acton.test"
PASSWORD = "s3cret-password"
CLIENT_SECRET = "client-s3cret"
USERNAME = "marketing@example.com"
CONN = {
    "conn_type": "acton",
    "host": BASE,
    "login": USERNAME,
    "password": PASSWORD,
    "extra": {"client_id": "app-1", "client_secret": CLIENT_SECRET, "calls_per_second": 5},
}


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return StateStore(f"sqlite:///{tmp_path / 'state.db'}")


@pytest.fixture
def fake() -> Iterator[responses.RequestsMock]:
    with (
        env({"AIRFLOW_CONN_ACTON_UNIT": json.dumps(CONN)}),
        responses.RequestsMock(assert_all_requests_are_fired=False) as rsps,
    ):
        yield rsps


def make_hook(store: StateStore) -> ActOnHook:
    hook = ActOnHook("acton_unit", state=store, retry_policy=RetryPolicy(max_attempts=4, initial_wait=0.01))
    hook._sleep = lambda _seconds: None
    hook._limiter = RateLimiter(10_000)
    return hook


def token_reply(access: str, refresh: str, expires_in: int = 3600) -> dict:
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": expires_in,
    }


def form(call: responses.Call) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(call.request.body).items()}


def token_calls(fake: responses.RequestsMock) -> list[dict[str, str]]:
    return [form(c) for c in fake.calls if c.request.url.endswith("/token")]


def lists_reply(*items: dict) -> dict:
    return {"offset": 0, "count": len(items), "totalCount": len(items), "result": list(items)}


def multipart(call: responses.Call) -> dict[str, bytes]:
    body = call.request.body
    raw = body.read() if hasattr(body, "read") else body
    decoded = MultipartDecoder(raw, call.request.headers["Content-Type"])
    out = {}
    for part in decoded.parts:
        disposition = part.headers[b"Content-Disposition"].decode()
        name = disposition.split('name="', 1)[1].split('"', 1)[0]
        out[name] = part.content
    return out


# -- tokens -----------------------------------------------------------------------------------------
def test_password_login_once_then_token_shared_encrypted(
    fake: responses.RequestsMock, store: StateStore
) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
    fake.get(f"{BASE}/api/1/list", json=lists_reply())

    make_hook(store).list_lists()
    second = make_hook(store)
    second.list_lists()

    grants = token_calls(fake)
    assert [g["grant_type"] for g in grants] == ["password"]
    assert grants[0]["client_secret"] == CLIENT_SECRET
    assert fake.calls[-1].request.headers["Authorization"] == "Bearer access-1"
    assert second.calls_made == 1
    with store.engine.connect() as conn:
        row = conn.execute(sa.text("select access_token, refresh_token from nas_api_tokens")).one()
    assert "access-1" not in row.access_token
    assert "refresh-1" not in row.refresh_token


def test_expiring_token_rotates_with_single_use_refresh(
    fake: responses.RequestsMock, store: StateStore
) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1", expires_in=30))
    fake.post(f"{BASE}/token", json=token_reply("access-2", "refresh-2", expires_in=30))
    fake.post(f"{BASE}/token", json=token_reply("access-3", "refresh-3", expires_in=3600))
    fake.get(f"{BASE}/api/1/list", json=lists_reply())

    for _ in range(3):
        make_hook(store).list_lists()

    grants = token_calls(fake)
    assert [g["grant_type"] for g in grants] == ["password", "refresh_token", "refresh_token"]
    assert [g.get("refresh_token") for g in grants[1:]] == ["refresh-1", "refresh-2"]


def test_rejected_refresh_falls_back_to_password(fake: responses.RequestsMock, store: StateStore) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1", expires_in=10))
    fake.post(
        f"{BASE}/token",
        status=403,
        json={"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."},
    )
    fake.post(f"{BASE}/token", json=token_reply("access-2", "refresh-2"))
    fake.get(f"{BASE}/api/1/list", json=lists_reply())

    make_hook(store).list_lists()
    make_hook(store).list_lists()

    assert [g["grant_type"] for g in token_calls(fake)] == ["password", "refresh_token", "password"]
    assert fake.calls[-1].request.headers["Authorization"] == "Bearer access-2"


def test_401_reacquires_token_once(fake: responses.RequestsMock, store: StateStore) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
    fake.post(f"{BASE}/token", json=token_reply("access-2", "refresh-2"))
    fake.get(
        f"{BASE}/api/1/list", status=401, json={"error": "invalid_token", "error_description": "expired"}
    )
    fake.get(f"{BASE}/api/1/list", json=lists_reply({"id": "l-0001", "name": "Leads"}))

    assert make_hook(store).find_list("Leads") == {"id": "l-0001", "name": "Leads"}
    assert [g["grant_type"] for g in token_calls(fake)] == ["password", "refresh_token"]
    assert fake.calls[-1].request.headers["Authorization"] == "Bearer access-2"


def test_persistent_401_raises(fake: responses.RequestsMock, store: StateStore) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
    fake.get(f"{BASE}/api/1/list", status=401, json={"error": "invalid_token", "error_description": "nope"})

    with pytest.raises(ActOnError) as info:
        make_hook(store).list_lists()
    assert info.value.status == 401
    assert len(token_calls(fake)) == 2


def test_refused_login_is_clear_and_secret_free(fake: responses.RequestsMock, store: StateStore) -> None:
    fake.post(
        f"{BASE}/token",
        status=403,
        json={"error": "invalid_grant", "error_description": f"Wrong email or password for {USERNAME}"},
    )
    with pytest.raises(ActOnError) as info:
        make_hook(store).list_lists()
    message = str(info.value)
    assert "refused the password login" in message
    assert "invalid_grant" in message
    assert PASSWORD not in message
    assert USERNAME not in message
    assert CLIENT_SECRET not in message


# -- retries and errors -----------------------------------------------------------------------------
def test_429_without_retry_after_is_retried(fake: responses.RequestsMock, store: StateStore) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
    fake.get(f"{BASE}/api/1/list", status=429, json={"errorCode": 429, "message": "Too many requests"})
    fake.get(f"{BASE}/api/1/list", status=503, body="upstream")
    fake.get(f"{BASE}/api/1/list", json=lists_reply())

    hook = make_hook(store)
    assert hook.list_lists() == []
    assert hook.calls_made == 4


def test_daily_quota_is_not_retried(fake: responses.RequestsMock, store: StateStore) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
    fake.get(
        f"{BASE}/api/1/list",
        status=429,
        json={"errorCode": 429, "message": "Daily limit of 30000 API calls reached"},
    )
    hook = make_hook(store)
    with pytest.raises(ActOnError) as info:
        hook.list_lists()
    assert info.value.code == "DAILY_QUOTA"
    assert hook.calls_made == 2


def test_generic_run_is_authenticated_and_keeps_emails_out_of_logs(
    fake: responses.RequestsMock, store: StateStore, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
    url = f"{BASE}/api/1/list/l-0001/record"
    fake.put(url, status=503, body="busy")
    fake.put(url, json={"status": "success", "id": "l-0001:3"})
    hook = ActOnHook("acton_unit", state=store, method="PUT", retry_policy=RetryPolicy(initial_wait=0.01))
    hook._sleep = lambda _seconds: None

    response = hook.run(f"api/1/list/l-0001/record?email={USERNAME}", json_body={"Act-On score": 42})

    assert response.json()["id"] == "l-0001:3"
    sent = fake.calls[-1].request
    assert sent.headers["Authorization"] == "Bearer access-1"
    assert json.loads(sent.body) == {"Act-On score": 42}
    logged = capsys.readouterr()
    assert "retrying" in logged.out + logged.err
    assert USERNAME not in logged.out + logged.err


def test_error_carries_code_without_secrets(fake: responses.RequestsMock, store: StateStore) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
    fake.get(
        f"{BASE}/api/1/list/l-0009",
        status=400,
        json={"errorCode": 10004, "message": f"Invalid list for {USERNAME} ({PASSWORD})"},
    )
    with pytest.raises(ActOnError) as info:
        list(make_hook(store).download_list("l-0009"))
    assert info.value.code == "10004"
    assert info.value.status == 400
    assert "Invalid list" in str(info.value)
    for secret in (USERNAME, PASSWORD, "access-1"):
        assert secret not in str(info.value)


# -- merge ------------------------------------------------------------------------------------------
def job_replies(fake: responses.RequestsMock, job: str, details: dict) -> None:
    fake.get(f"{BASE}/api/1/list/{job}/status", json={"status": "The job is pending"})
    fake.get(f"{BASE}/api/1/list/{job}/status", json={"status": "The job is running"})
    fake.get(
        f"{BASE}/api/1/list/{job}/status",
        json={"status": "success", "jobDetails": json.dumps(details), "details": details},
    )


def ok_details(append: int = 0, update: int = 0, rejected: int = 0, **extra: object) -> dict:
    return {
        "status": "ok",
        "listId": "l-0001",
        "appendCount": append,
        "updateCount": update,
        "failedCount": 0,
        "rejectedCount": rejected,
        **extra,
    }


def list_headers(fake: responses.RequestsMock, *headings: str) -> None:
    names = headings or ("E-mail Address", "First Name", "Company")
    fake.get(
        f"{BASE}/api/1/list/l-0001", json={"headers": ["_contact_id_", *names], "data": [], "totalCount": 0}
    )


def contacts(rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "E-mail Address": [f"user{i}@example.com" for i in range(rows)],
            "First Name": [f"Name {i}" for i in range(rows)],
            "Company": ["=HYPERLINK(1)", "'=already", '-5 "quoted", comma', "@cmd", "\tTab", "plain"][:rows]
            + ["Acme"] * max(0, rows - 6),
        }
    )


def test_merge_builds_safe_csv_and_polls_job(fake: responses.RequestsMock, store: StateStore) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
    list_headers(fake)
    fake.put(
        f"{BASE}/api/1/list/l-0001", json={"status": "success", "message": "Upload completed", "jobId": "77"}
    )
    job_replies(fake, "77", ok_details(append=4, update=2))

    result = make_hook(store).merge_contacts("l-0001", contacts(6))

    assert isinstance(result, MergeResult)
    assert (result.uploads, result.appended, result.updated, result.rejected) == (1, 4, 2, 0)
    assert result.calls == 6  # token, headings, PUT, three polls
    assert result.rejected_rows.empty
    sent = multipart(next(c for c in fake.calls if c.request.method == "PUT"))
    csv_text = sent["file"].decode("utf-8")
    lines = csv_text.split("\n")
    assert lines[0] == '"E-mail Address","First Name","Company"'
    assert lines[1] == '"user0@example.com","Name 0","\'=HYPERLINK(1)"'
    assert lines[2].endswith('"\'=already"')  # already neutralised: not prefixed twice
    assert lines[3].endswith('"\'-5 ""quoted"", comma"')
    assert lines[4].endswith('"\'@cmd"')
    assert lines[5].endswith('"\'\tTab"')
    spec = json.loads(sent["mergespecs"])[0]
    assert spec == {
        "dstListId": "l-0001",
        "mergeMode": "UPSERT",
        "columnMap": [],
        "mergeKeyHeading": "E-mail Address",
    }
    upload_specs = json.loads(sent["uploadspecs"])
    assert upload_specs[0]["columnType"] == "EMAIL"
    assert sent["fieldseparator"] == b"COMMA"
    assert sent["putEmptyValues"] == b"N"


def test_merge_splits_uploads_by_size(fake: responses.RequestsMock, store: StateStore) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
    list_headers(fake)
    for job in ("1", "2", "3", "4", "5", "6"):
        fake.put(f"{BASE}/api/1/list/l-0001", json={"jobId": job})
        fake.get(
            f"{BASE}/api/1/list/{job}/status", json={"status": "success", "details": ok_details(append=1)}
        )
    frame = contacts(300)

    result = make_hook(store).merge_contacts("l-0001", frame, max_upload_bytes=4_000)

    puts = [multipart(c)["file"] for c in fake.calls if c.request.method == "PUT"]
    assert result.uploads == len(puts) > 1
    assert all(len(part) <= 4_000 for part in puts)
    assert all(part.startswith(b'"E-mail Address"') for part in puts)
    assert sum(part.count(b"\n") - 1 for part in puts) == len(frame)


def test_failed_job_raises_clear_error(fake: responses.RequestsMock, store: StateStore) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
    list_headers(fake)
    fake.put(f"{BASE}/api/1/list/l-0001", json={"jobId": "9"})
    fake.get(f"{BASE}/api/1/list/9/status", json={"status": "failed", "message": "Undefined column Foo"})

    with pytest.raises(ActOnError, match=r"job 9 failed: failed; Undefined column Foo") as info:
        make_hook(store).merge_contacts("l-0001", contacts(2))
    assert info.value.code == "JOB_FAILED"


def test_rejected_rows_come_back_with_reasons(fake: responses.RequestsMock, store: StateStore) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
    list_headers(fake)
    fake.put(f"{BASE}/api/1/list/l-0001", json={"jobId": "5"})
    details = ok_details(append=1, rejected=1, rejectedFileName="rej-5.csv")
    fake.get(f"{BASE}/api/1/list/5/status", json={"status": "success", "details": details})
    fake.get(
        f"{BASE}/api/1/list/rejectedUploadRecords",
        body='"E-mail Address","First Name","Reason"\r\n"not-an-email","X","Invalid email address"\r\n',
        content_type="text/csv",
    )

    result = make_hook(store).merge_contacts("l-0001", contacts(2))

    assert result.rejected == 1
    assert result.rejected_rows.to_dict("records") == [
        {"email": "not-an-email", "reason": "Invalid email address"}
    ]
    assert fake.calls[-1].request.params == {"filename": "rej-5.csv"}


def test_merge_pads_list_headings_and_rejects_unknown_ones(
    fake: responses.RequestsMock, store: StateStore
) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
    list_headers(fake, "Act-On score", "E-mail Address", "First Name", "Company")
    fake.put(f"{BASE}/api/1/list/l-0001", json={"jobId": "3"})
    fake.get(f"{BASE}/api/1/list/3/status", json={"status": "success", "details": ok_details(update=1)})
    hook = make_hook(store)

    hook.merge_contacts("l-0001", contacts(1))

    sent = multipart(next(c for c in fake.calls if c.request.method == "PUT"))
    assert sent["file"].decode().split("\n")[:2] == [
        '"Act-On score","E-mail Address","First Name","Company"',
        '"","user0@example.com","Name 0","\'=HYPERLINK(1)"',
    ]
    with pytest.raises(ActOnError, match="no heading"):
        hook.merge_contacts("l-0001", contacts(1).assign(Extra="x"))
    with pytest.raises(ActOnError, match="wiped"):
        hook.merge_contacts("l-0001", contacts(1), put_empty_values=True)
    assert sum(1 for c in fake.calls if c.request.method == "PUT") == 1


def test_empty_frame_makes_no_call(store: StateStore) -> None:
    hook = make_hook(store)
    result = hook.merge_contacts("l-0001", contacts(0))
    assert (result.uploads, result.calls, hook.calls_made) == (0, 0, 0)


def test_merge_validates_inputs(store: StateStore) -> None:
    hook = make_hook(store)
    with pytest.raises(ValueError, match="mode"):
        hook.merge_contacts("l-1", contacts(1), mode="MERGE")
    with pytest.raises(ValueError, match="merge key"):
        hook.merge_contacts("l-1", pd.DataFrame({"Email": ["a@b.c"]}))


# -- lists ------------------------------------------------------------------------------------------
def test_list_lists_reads_every_page(fake: responses.RequestsMock, store: StateStore) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
    page1 = [{"id": f"l-{i}", "name": f"L{i}"} for i in range(1000)]
    fake.get(f"{BASE}/api/1/list", json={"offset": 0, "count": 1000, "totalCount": 1001, "result": page1})
    fake.get(
        f"{BASE}/api/1/list",
        json={"offset": 1000, "count": 1, "totalCount": 1001, "result": [{"id": "l-x", "name": "Last"}]},
    )
    assert len(make_hook(store).list_lists()) == 1001
    assert fake.calls[-1].request.params["offset"] == "1000"


def test_ensure_list_returns_existing_after_checking_headings(
    fake: responses.RequestsMock, store: StateStore
) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
    fake.get(f"{BASE}/api/1/list", json=lists_reply({"id": "l-0002", "name": "Leads"}))
    fake.get(
        f"{BASE}/api/1/list/l-0002",
        json={"headers": ["_contact_id_", "E-mail Address", "First Name"], "data": [], "totalCount": 0},
    )
    hook = make_hook(store)
    assert hook.ensure_list("Leads", ["E-mail Address", "First Name"]) == "l-0002"
    reads = [c for c in fake.calls if c.request.url.split("?")[0].endswith("/api/1/list/l-0002")]
    assert len(reads) == 1, "the list's headings are read once, not once per heading"
    with pytest.raises(ActOnError, match="Company"):
        hook.ensure_list("Leads", ["E-mail Address", "Company"])


def test_ensure_list_creates_once_despite_ambiguous_failure(
    fake: responses.RequestsMock, store: StateStore
) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
    fake.get(f"{BASE}/api/1/list", json=lists_reply())  # not there yet
    fake.post(f"{BASE}/api/1/list", status=502, body="bad gateway")  # ...but it was created
    fake.get(f"{BASE}/api/1/list", json=lists_reply({"id": "l-0003", "name": "Customers"}))

    assert make_hook(store).ensure_list("Customers", ["E-mail Address"]) == "l-0003"
    assert sum(1 for c in fake.calls if c.request.method == "POST" and "/api/1/list" in c.request.url) == 1


def test_ensure_list_creates_with_header_only_csv(fake: responses.RequestsMock, store: StateStore) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
    fake.get(f"{BASE}/api/1/list", json=lists_reply())
    fake.post(f"{BASE}/api/1/list", json={"status": "success", "jobId": "31"})
    fake.get(f"{BASE}/api/1/list/31/status", json={"status": "success", "details": ok_details()})

    assert make_hook(store).ensure_list("Customers", ["E-mail Address", "First Name"], folder="F") == "l-0001"
    sent = multipart(next(c for c in fake.calls if c.request.method == "POST" and "/api/" in c.request.url))
    assert sent["file"] == b'"E-mail Address","First Name"\n'
    assert sent["listname"] == b"Customers"
    assert sent["foldername"] == b"F"
    assert sent["headings"] == b"Y"


def test_download_list_pages_with_filters(fake: responses.RequestsMock, store: StateStore) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
    headers = ["_contact_id_", "E-mail Address", "Act-On score"]
    fake.get(
        f"{BASE}/api/1/list/l-0001",
        json={
            "headers": headers,
            "totalCount": 3,
            "data": [["l-0001:1", "a@x.com", "5"], ["l-0001:2", "b@x.com", "7"]],
        },
    )
    fake.get(
        f"{BASE}/api/1/list/l-0001",
        json={"headers": headers, "totalCount": 3, "data": [["l-0001:3", "c@x.com", ""]]},
    )
    since = datetime(2026, 1, 1, tzinfo=UTC)

    frames = list(
        make_hook(store).download_list("l-0001", ["E-mail Address", "Act-On score"], since, page_size=2)
    )

    assert [len(f) for f in frames] == [2, 1]
    assert list(frames[0].columns) == headers
    params = fake.calls[1].request.params
    assert params["fields"] == "E-mail Address;Act-On score"
    assert params["modafter"] == str(int(since.timestamp() * 1000))
    assert params["responseformat"] == "JSON"
    assert params["count"] == "2"


def test_incomplete_connection_fails_before_any_call(fake: responses.RequestsMock, store: StateStore) -> None:
    conn = {**CONN, "extra": {"client_id": "app-1"}}
    with env({"AIRFLOW_CONN_ACTON_PARTIAL": json.dumps(conn)}):
        hook = ActOnHook("acton_partial", state=store)
        with pytest.raises(ActOnError, match="client_secret"):
            hook.list_lists()
        ok, message = hook.test_connection()
    assert not ok
    assert "client_secret" in message
    assert len(fake.calls) == 0


def test_test_connection(fake: responses.RequestsMock, store: StateStore) -> None:
    fake.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
    fake.get(f"{BASE}/api/1/list", json={"offset": 0, "count": 1, "totalCount": 4, "result": []})
    ok, message = make_hook(store).test_connection()
    assert ok
    assert "4 lists" in message


@pytest.mark.parametrize(
    ("host", "port", "region", "expected"),
    [
        (None, None, None, "https://api.actonsoftware.com"),
        ("", None, "eu", "https://api-eu.actonsoftware.com"),
        ("http://127.0.0.1:8080/", None, "eu", "http://127.0.0.1:8080"),
        ("restapi.actonsoftware.com", None, None, "https://restapi.actonsoftware.com"),
        ("127.0.0.1", 9000, None, "https://127.0.0.1:9000"),
        ("http://127.0.0.1", 9000, None, "http://127.0.0.1:9000"),
    ],
)
def test_base_url(host: str | None, port: int | None, region: str | None, expected: str) -> None:
    assert base_url(host, port, region) == expected
