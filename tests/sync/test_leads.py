"""Lead planning (pure): candidates from an Act-On list, what NetSuite already has left out, the cap; and the
``reverse.create_leads`` configuration."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml

from netsuite_acton.sync.config import ConfigError, SyncConfig, parse_config
from netsuite_acton.sync.leads import (
    ALREADY,
    DEFERRED,
    DUPLICATES,
    KNOWN,
    LEAD_COLUMNS,
    LISTED,
    NAME_MISSING,
    OPTED_OUT,
    PLAN_COLUMNS,
    TO_CREATE,
    lead_candidates,
    plan_leads,
)
from tests.sync.conftest import SYNC_YAML

HEADINGS = {
    "email": "E-mail Address",
    "first_name": "First Name",
    "last_name": "Last Name",
    "phone": "Business Phone",
    "company": "Company",
}


def _rows(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(HEADINGS.values()))


# -- candidates ---------------------------------------------------------------------------------------
def test_candidates_are_canonical_tidy_and_one_per_address() -> None:
    rows = _rows(
        ("  Ada@Example.COM ", " Ada ", "Lovelace", "+44 20 7946 0000", "Analytical\tEngines "),
        ("ada@example.com", "Other", "Row", "", ""),  # the same address again: the first row wins
        ("bob@example.org", "", "Only-Last", None, None),
    )
    out = lead_candidates(rows, HEADINGS)
    assert list(out.frame.columns) == list(LEAD_COLUMNS)
    assert out.frame.to_dict("records") == [
        {
            "email": "ada@example.com",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "phone": "+44 20 7946 0000",
            "company": "Analytical Engines",
        },
        {
            "email": "bob@example.org",
            "first_name": None,
            "last_name": "Only-Last",
            "phone": None,
            "company": None,
        },
    ]
    assert out.quarantine.empty
    assert out.counts[LISTED] == 3
    assert out.counts[DUPLICATES] == 1


def test_unusable_rows_are_quarantined_with_every_reason_never_dropped() -> None:
    rows = _rows(
        ("not-an-email", "Ann", "Smith", "", ""),
        ("", "No", "Address", "", ""),
        ("=cmd@evil.com", "Eve", "Il", "", ""),
        ("nameless@example.com", " ", None, "+14155550100", "Acme"),
        ("broken@", None, "", "", ""),
        ("fine@example.com", "Fine", "", "", ""),
    )
    out = lead_candidates(rows, HEADINGS)
    assert list(out.frame["email"]) == ["fine@example.com"]
    reasons = dict(zip(out.quarantine["email"].fillna(""), out.quarantine["reasons"], strict=True))
    assert reasons == {
        "not-an-email": "email_invalid",
        "": "email_missing",
        "=cmd@evil.com": "email_formula_prefix",
        "nameless@example.com": NAME_MISSING,
        "broken@": f"email_invalid; {NAME_MISSING}",
    }
    assert len(out.frame) + len(out.quarantine) == len(rows)
    assert out.counts["leads:quarantined:name_missing"] == 2
    assert out.counts["leads:quarantined:email_invalid"] == 2


def test_headings_the_list_lacks_read_as_empty_and_an_empty_list_plans_nothing() -> None:
    rows = pd.DataFrame({"E-mail Address": ["x@example.com"], "Last Name": ["Ex"]})
    out = lead_candidates(rows, HEADINGS)
    assert out.frame.to_dict("records") == [
        {"email": "x@example.com", "first_name": None, "last_name": "Ex", "phone": None, "company": None}
    ]
    empty = lead_candidates(pd.DataFrame(), HEADINGS)
    assert empty.frame.empty
    assert empty.quarantine.empty
    assert empty.counts[LISTED] == 0
    assert plan_leads(empty.frame, known=set(), created=set(), opted_out=set(), max_per_run=5).to_create.empty


# -- plan -----------------------------------------------------------------------------------------------
def _candidates(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "email": [f"p{i}@example.com" for i in range(n)],
            "first_name": [f"P{i}" for i in range(n)],
            "last_name": ["Person"] * n,
            "phone": [None] * n,
            "company": [None] * n,
        }
    )


def test_plan_leaves_out_known_and_created_addresses_and_caps_in_list_order() -> None:
    plan = plan_leads(
        _candidates(8),
        known={"p0@example.com", "p3@example.com"},
        created={"p1@example.com", "p3@example.com"},
        opted_out={"p4@example.com", "p7@example.com"},
        max_per_run=3,
    )
    assert list(plan.to_create.columns) == list(PLAN_COLUMNS)
    assert list(plan.to_create["email"]) == ["p2@example.com", "p4@example.com", "p5@example.com"]
    assert list(plan.to_create["opted_out"]) == [False, True, False]
    assert list(plan.deferred["email"]) == ["p6@example.com", "p7@example.com"]
    assert plan.counts == {KNOWN: 2, ALREADY: 1, TO_CREATE: 3, DEFERRED: 2, OPTED_OUT: 1}


def test_plan_refuses_a_cap_below_one() -> None:
    with pytest.raises(ValueError, match="max_per_run"):
        plan_leads(_candidates(1), known=set(), created=set(), opted_out=set(), max_per_run=0)


# -- configuration --------------------------------------------------------------------------------------
@pytest.fixture
def raw() -> dict:
    return yaml.safe_load(SYNC_YAML.read_text())


def _with(raw: dict, **create_leads: object) -> SyncConfig:
    data = copy.deepcopy(raw)
    data["reverse"]["create_leads"] = create_leads
    return parse_config(data, source="sync.yaml")


def test_create_leads_is_off_by_default(config: SyncConfig) -> None:
    assert config.reverse.create_leads is None


def test_create_leads_defaults_and_headings_from_the_forward_mapping(raw: dict) -> None:
    leads = _with(raw, list="Webinar", entity_status="Unqualified").reverse.create_leads
    assert leads is not None
    assert (leads.list, leads.entity_status, leads.subsidiary, leads.max_per_run) == (
        "Webinar",
        "Unqualified",
        None,
        500,
    )
    forward = parse_config(raw).forward
    assert leads.headings(forward) == HEADINGS

    raw["forward"]["mapping"] = {"Email": "email", "Given": "firstname", "Tel": "phone"}
    raw["forward"]["email_heading"] = "Email"
    config = _with(raw, list="W", entity_status=6, last_name_heading="Surname")
    assert config.reverse.create_leads.headings(config.forward) == {
        "email": "Email",
        "first_name": "Given",
        "last_name": "Surname",
        "phone": "Tel",
        "company": "Company",
    }


@pytest.mark.parametrize(
    ("value", "expected"), [(6, 6), (" 7 ", 7), ("  LEAD-Unqualified ", "LEAD-Unqualified")]
)
def test_entity_status_is_an_id_or_a_name(raw: dict, value: object, expected: object) -> None:
    assert _with(raw, list="W", entity_status=value).reverse.create_leads.entity_status == expected


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"list": "W", "entity_status": "  "},
            "reverse.create_leads.entity_status: must be a customer status id",
        ),
        (
            {"list": "W", "entity_status": 0},
            "reverse.create_leads.entity_status: must be a customer status id",
        ),
        (
            {"list": "W", "entity_status": True},
            "reverse.create_leads.entity_status: must be a customer status id",
        ),
        ({"entity_status": 6}, "reverse.create_leads.list: required key is missing"),
        ({"list": "W", "entity_status": 6, "max_per_run": 0}, "reverse.create_leads.max_per_run"),
        ({"list": "W", "entity_status": 6, "subsidiary": 0}, "reverse.create_leads.subsidiary"),
        ({"list": "W", "entity_status": 6, "subsidary": 1}, "reverse.create_leads.subsidary: unknown key"),
        ({"list": "W", "entity_status": 6, "claim_timeout_minutes": 1}, "claim_timeout_minutes"),
    ],
)
def test_create_leads_mistakes_name_the_key(raw: dict, values: dict, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _with(raw, **values)
    assert message in str(info.value)
