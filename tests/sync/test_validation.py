from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from netsuite_acton.sync.validation import ContactValidator, ScoreValidator, SuiteError, load_suite
from tests.sync.conftest import contacts


@pytest.fixture(scope="module")
def contact_validator(config) -> ContactValidator:
    return ContactValidator(config.expectations.contacts)


@pytest.fixture(scope="module")
def score_validator(config) -> ScoreValidator:
    return ScoreValidator(config.expectations.scores, config.reverse.score_range)


def test_contacts_quarantined_with_every_reason(contact_validator) -> None:
    frame = contacts(
        [
            {"id": "1", "email": " Ok@Example.com ", "stage": "lead"},
            {"id": "2", "email": "   ", "stage": "BOGUS"},
            {"id": "2", "email": "no-at-sign", "stage": None},
            {"id": None, "email": "x@example.com"},
            {"id": "5", "email": "a" * 250 + "@example.com"},
            {"id": "6", "email": "=cmd|' /C calc'!A0"},
        ]
    )
    frame.index = [100, 101, 102, 103, 104, 105]  # a non-default index is preserved
    outcome = contact_validator.validate(frame)
    assert outcome.valid.index.tolist() == [100]
    reasons = outcome.quarantine["reasons"].to_dict()
    assert reasons == {
        101: "email_missing; id_duplicate; stage_unknown",
        102: "email_syntax; id_duplicate",
        103: "id_missing",
        104: "email_too_long",
        105: "email_syntax",
    }
    assert outcome.counts_by_reason == {
        "email_missing": 1,
        "email_syntax": 2,
        "email_too_long": 1,
        "id_duplicate": 2,
        "id_missing": 1,
        "stage_unknown": 1,
    }
    assert outcome.gx_success is False
    assert len(outcome.valid) + len(outcome.quarantine) == len(frame)
    # the valid rows are the input rows, unchanged (cleaning happens later)
    assert outcome.valid.loc[100, "email"] == " Ok@Example.com "


def test_clean_chunk_passes(contact_validator, nasty) -> None:
    ok = nasty[nasty["id"].isin(["1", "5", "6", "7"])]
    outcome = contact_validator.validate(ok)
    assert outcome.gx_success is True
    assert outcome.quarantine.empty
    assert outcome.counts_by_reason == {}


def test_scores_validated(score_validator) -> None:
    frame = pd.DataFrame(
        {
            "_contact_id_": ["l-1:1", "l-1:2", "l-1:3", "l-1:4", "l-1:5", "l-1:6", "l-1:7"],
            "E-mail Address": ["a@x.com", "", None, "d@x.com", "e@x.com", "f@x.com", "g@x.com"],
            "Act-On score": ["5", "abc", "7", "150", "", " 42.5 ", "inf"],
        }
    )
    outcome = score_validator.validate(frame, "E-mail Address", "Act-On score")
    assert outcome.valid["_contact_id_"].tolist() == ["l-1:1", "l-1:5", "l-1:6"]
    assert outcome.quarantine.set_index("_contact_id_")["reasons"].to_dict() == {
        "l-1:2": "email_missing; score_not_numeric",
        "l-1:3": "email_missing",
        "l-1:4": "score_out_of_range",
        "l-1:7": "score_not_numeric",
    }


def test_score_range_comes_from_config(config) -> None:
    narrow = ScoreValidator(config.expectations.scores, (0, 10))
    frame = pd.DataFrame({"email": ["a@x.com", "b@x.com"], "score": ["10", "11"]})
    outcome = narrow.validate(frame, "email", "score")
    assert outcome.counts_by_reason == {"score_out_of_range": 1}


def test_suite_edits_are_picked_up(tmp_path, config) -> None:
    suite = load_suite(config.expectations.contacts)
    suite["expectations"].append(
        {"type": "expect_column_value_lengths_to_be_between", "kwargs": {"column": "title", "max_value": 10}}
    )
    path = tmp_path / "contacts.json"
    path.write_text(json.dumps(suite))
    frame = contacts([{"id": "1", "email": "a@x.com", "title": "x" * 11}])
    outcome = ContactValidator(path).validate(frame)
    # no meta.reason: the reason names the column and the expectation
    assert outcome.quarantine["reasons"].iloc[0] == "title:expect_column_value_lengths_to_be_between"


def test_bad_suite_files(tmp_path, config) -> None:
    with pytest.raises(SuiteError, match="cannot read"):
        ContactValidator(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"expectations": [')
    with pytest.raises(SuiteError, match="not valid JSON at line 1"):
        ContactValidator(broken)
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({"name": "x", "expectations": [{"type": "expect_nothing", "kwargs": {}}]}))
    with pytest.raises(SuiteError, match=r"expectations\[0\] \(expect_nothing\) is not valid"):
        ContactValidator(unknown).validate(contacts([{"id": "1", "email": "a@x.com"}]))
    wrong_column = tmp_path / "column.json"
    wrong_column.write_text(
        json.dumps(
            {
                "name": "x",
                "expectations": [
                    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "fax"}}
                ],
            }
        )
    )
    with pytest.raises(SuiteError, match="fax"):
        ContactValidator(wrong_column).validate(contacts([{"id": "1", "email": "a@x.com"}]))


def test_fifty_thousand_rows_is_fast(contact_validator) -> None:
    n = 50_000
    ids = np.arange(n).astype(str)
    frame = contacts([{"id": "0", "email": "a@x.com"}]).iloc[[0] * n].reset_index(drop=True)
    frame["id"] = ids
    frame["email"] = [f"user{i}@example.com" if i % 100 else "broken" for i in range(n)]
    frame["stage"] = np.where(np.arange(n) % 3 == 0, "LEAD", None)
    started = time.perf_counter()
    outcome = contact_validator.validate(frame)
    elapsed = time.perf_counter() - started
    assert outcome.counts_by_reason == {"email_syntax": n // 100}
    assert elapsed < 5, f"GX took {elapsed:.2f}s for {n} rows"
