"""reverse.fields values: converted to the NetSuite type before any PATCH, resolved to records, diffed."""

from __future__ import annotations

import pandas as pd
import pytest

from netsuite_acton.sync.field_values import PushedField, convert, diff_fields, resolve_fields, typed

EMAIL = "E-mail Address"


@pytest.mark.parametrize(
    ("value", "field_type", "expected"),
    [
        ("42", "integer", ("42", None)),
        (" 4.0 ", "integer", ("4", None)),
        ("1,200", "integer", ("1200", None)),
        ("4.5", "integer", (None, "not_an_integer")),
        ("high", "integer", (None, "not_an_integer")),
        ("99999999999", "integer", (None, "integer_out_of_range")),
        ("2.50", "float", ("2.5", None)),
        ("nan", "float", (None, "not_a_number")),
        ("abc", "float", (None, "not_a_number")),
        ("Yes", "checkbox", ("true", None)),
        ("off", "checkbox", ("false", None)),
        ("maybe", "checkbox", (None, "not_a_checkbox")),
        ("3/15/2026", "date", ("2026-03-15", None)),
        ("2026-03-15T10:00:00", "date", ("2026-03-15", None)),
        ("2/30/2026", "date", (None, "not_a_date")),
        ("  Webinar ", "text", ("Webinar", None)),
    ],
)
def test_convert_gives_canonical_text_or_a_reason(value: str, field_type: str, expected: tuple) -> None:
    assert convert(value, field_type) == expected


def test_typed_gives_the_json_value_netsuite_takes() -> None:
    assert typed("42", "integer") == 42
    assert typed("2.5", "float") == 2.5
    assert typed("true", "checkbox") is True
    assert typed("false", "checkbox") is False
    assert typed("2026-03-15", "date") == "2026-03-15"


LINKS = pd.DataFrame(
    {
        "netsuite_id": ["1", "2", "3", "customer:9"],
        "email": ["a@x.com", "b@x.com", "c@x.com", "i@x.com"],
        "company_id": ["50", "50", None, "9"],
        "company_stage": ["LEAD", "LEAD", None, "LEAD"],
    }
)


def _rows(**columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({EMAIL: ["A@x.com", "b@x.com", "c@x.com", "i@x.com"], **columns})


def test_contact_fields_go_to_contacts_and_customer_fields_to_companies_or_individuals() -> None:
    rating = PushedField("Rating", "custentity_r", "contact", "integer", "always")
    engaged = PushedField("Engaged", "custentity_e", "customer", "checkbox", "if_empty")
    rows = _rows(Rating=["1", "", "x", "7"], Engaged=["yes", "", "no", "no"])
    out = resolve_fields(rows, LINKS, [rating, engaged], email_column=EMAIL)
    got = sorted(out.updates[["record_type", "record_id", "field_id", "value", "policy"]].values.tolist())
    assert got == [
        ["contact", "1", "custentity_r", "1", "always"],
        ["customer", "50", "custentity_e", "true", "if_empty"],
        ["customer", "9", "custentity_e", "false", "if_empty"],
    ]
    # the individual's contact-level value goes nowhere; c's 'x' is refused with its reason, blanks skipped
    assert out.refused[["email", "heading", "reason"]].values.tolist() == [
        ["c@x.com", "Rating", "not_an_integer"]
    ]
    assert out.counts["field_refused:Rating:not_an_integer"] == 1


def test_a_company_whose_contacts_disagree_gets_nothing() -> None:
    engaged = PushedField("Engaged", "custentity_e", "customer", "checkbox", "always")
    out = resolve_fields(_rows(Engaged=["yes", "no", "", ""]), LINKS, [engaged], email_column=EMAIL)
    assert out.updates.empty
    assert out.counts["field_conflicts:Engaged"] == 1


def test_an_address_with_two_values_in_two_lists_is_a_conflict() -> None:
    rating = PushedField("Rating", "custentity_r", "contact", "integer", "always")
    first = pd.DataFrame({EMAIL: ["a@x.com"], "Rating": ["1"]})
    second = pd.DataFrame({EMAIL: ["a@x.com"], "Rating": ["2"]})
    same = pd.DataFrame({EMAIL: ["a@x.com"], "Rating": ["1.0"]})
    assert resolve_fields([first, second], LINKS, [rating], email_column=EMAIL).updates.empty
    agreed = resolve_fields([first, same], LINKS, [rating], email_column=EMAIL)
    assert agreed.updates["value"].tolist() == ["1"]


def test_frames_without_the_heading_give_no_values() -> None:
    rating = PushedField("Rating", "custentity_r", "contact", "integer", "always")
    out = resolve_fields(pd.DataFrame({EMAIL: ["a@x.com"]}), LINKS, [rating], email_column=EMAIL)
    assert out.updates.empty
    assert out.refused.empty


def test_diff_always_sends_changes_and_if_empty_only_what_the_sync_never_wrote() -> None:
    updates = pd.DataFrame(
        {
            "record_type": ["contact"] * 4,
            "record_id": ["1", "2", "3", "4"],
            "field_id": ["f_always", "f_always", "f_once", "f_once"],
            "value": ["5", "6", "web", "web"],
            "field_type": ["integer", "integer", "text", "text"],
            "policy": ["always", "always", "if_empty", "if_empty"],
        }
    )
    previous = {
        ("contact", "1", "f_always"): "5",
        ("contact", "2", "f_always"): "5",
        ("contact", "3", "f_once"): "ad",
    }
    send, unchanged = diff_fields(updates, previous)
    assert send["record_id"].tolist() == ["2", "4"]
    assert unchanged == 2
