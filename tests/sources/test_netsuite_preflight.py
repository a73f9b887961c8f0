"""run_preflight against a transport-level fake: what is missing is named, and nothing is written then."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from netsuite_acton.sources.netsuite_preflight import NetSuitePreflightError, run_preflight
from tests.support.fake_netsuite import BASE, SUITEQL, make_hook, nserror

RECORD = f"{BASE}/services/rest/record/v1/contact"


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
