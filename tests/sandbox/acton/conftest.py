"""In-process Act-On sandbox for unit tests: a TestClient seen as a loopback caller, plus upload helpers."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sandbox.acton.app import create_app
from sandbox.acton.settings import Settings

HEADINGS = ["E-mail Address", "First Name", "Last Name", "Act-On score"]
CREDENTIALS = {
    "client_id": "sandbox-client",
    "client_secret": "sandbox-secret",
    "username": "marketing@example.com",
    "password": "sandbox-password",
}


@pytest.fixture
def app() -> FastAPI:
    return create_app(Settings(job_seconds=0.1, rate_per_second=10_000))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, client=("127.0.0.1", 50000)) as test_client:
        yield test_client


@pytest.fixture
def auth(client: TestClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {login(client)['access_token']}"}


def login(client: TestClient, **overrides: str) -> dict:
    response = client.post("/token", data={"grant_type": "password", **CREDENTIALS, **overrides})
    assert response.status_code == 200, response.text
    return response.json()


def csv_bytes(rows: list[list[str]], headings: list[str] = HEADINGS, bom: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headings)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()


def new_list(client: TestClient, records: list[dict] | None = None, headings: list[str] = HEADINGS) -> str:
    response = client.post(
        "/_sandbox/lists", json={"name": "Test", "headings": headings, "records": records or []}
    )
    assert response.status_code == 200, response.text
    return response.json()["id"]


def merge(
    client: TestClient, auth: dict[str, str], list_id: str, body: bytes, mode: str = "UPSERT", **fields: str
):
    spec = [{"dstListId": list_id, "mergeMode": mode, "columnMap": [], "mergeKeyHeading": "E-mail Address"}]
    form = {
        "headings": "Y",
        "fieldseparator": "COMMA",
        "quotecharacter": "DOUBLE_QUOTE",
        "mergespecs": json.dumps(spec),
        "putEmptyValues": "N",
        **fields,
    }
    return client.put(
        f"/api/1/list/{list_id}", headers=auth, data=form, files={"file": ("contacts.csv", body, "text/csv")}
    )


def wait_job(client: TestClient, auth: dict[str, str], job_id: str, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/1/list/{job_id}/status", headers=auth).json()
        if body["status"] not in {"The job is pending", "The job is running"}:
            return body
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not finish")


def merged(
    client: TestClient, auth: dict[str, str], list_id: str, body: bytes, mode: str = "UPSERT", **fields: str
) -> dict:
    """Merge and wait: the finished job's status body."""
    response = merge(client, auth, list_id, body, mode, **fields)
    assert response.status_code == 200, response.text
    return wait_job(client, auth, response.json()["jobId"])


def records(client: TestClient, list_id: str) -> list[dict]:
    return client.get(f"/_sandbox/lists/{list_id}/records").json()


def set_config(client: TestClient, **values: object) -> dict:
    response = client.post("/_sandbox/config", json=values)
    assert response.status_code == 200, response.text
    return response.json()


def error_of(response) -> tuple[int, int]:
    return response.status_code, response.json()["errorCode"]
