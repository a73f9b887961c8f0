from __future__ import annotations

import pandas as pd

from netsuite_acton.sync.scores import collect_scores, diff_scores, pushed_records, resolve_scores

EMAIL, SCORE = "E-mail Address", "Act-On score"
CONTACT, LEAD = "custentity_acton_score", "custentity_acton_lead_score"


def _lists() -> list[pd.DataFrame]:
    customers = pd.DataFrame(
        {
            "_contact_id_": ["l-1:1", "l-1:2", "l-1:3", "l-1:4"],
            EMAIL: ["Shared@Example.com", "lead1@example.com", "lead2@example.com", "noscore@example.com"],
            SCORE: ["40", "70", "55.5", ""],
        }
    )
    leads = pd.DataFrame(
        {
            "_contact_id_": ["l-2:1", "l-2:2"],
            EMAIL: [" shared@example.com", "ghost@example.com"],
            SCORE: ["35", "90"],
        }
    )
    return [customers, leads]


LINKS = [
    {"netsuite_id": "1", "email": "shared@example.com", "company_id": "100", "company_stage": "CUSTOMER"},
    {"netsuite_id": "2", "email": "shared@example.com", "company_id": None, "company_stage": None},
    {"netsuite_id": "3", "email": "lead1@example.com", "company_id": "200", "company_stage": "LEAD"},
    {"netsuite_id": "4", "email": "lead2@example.com", "company_id": "200", "company_stage": "Lead"},
    {"netsuite_id": "5", "email": "noscore@example.com", "company_id": "200", "company_stage": "LEAD"},
]


def test_collect_scores_normalises_and_takes_max_across_lists() -> None:
    scores, counts = collect_scores(_lists(), email_column=EMAIL, score_column=SCORE)
    assert dict(zip(scores["email"], scores["score"], strict=True)) == {
        "ghost@example.com": 90.0,
        "lead1@example.com": 70.0,
        "lead2@example.com": 55.5,
        "shared@example.com": 40.0,
    }
    assert counts == {"score_rows": 6, "score_blank": 1, "emails_in_several_lists": 1, "emails_scored": 4}


def test_resolve_multi_link_unlinked_and_lead_max() -> None:
    scores, _ = collect_scores(_lists(), email_column=EMAIL, score_column=SCORE)
    result = resolve_scores(scores, LINKS, contact_field=CONTACT, lead_field=LEAD)
    rows = result.updates.values.tolist()
    assert rows == [
        ["contact", "1", CONTACT, 40.0],
        ["contact", "2", CONTACT, 40.0],
        ["contact", "3", CONTACT, 70.0],
        ["contact", "4", CONTACT, 55.5],
        ["customer", "200", LEAD, 70.0],  # the best score among the LEAD company's contacts
    ]
    assert result.unlinked["email"].tolist() == ["ghost@example.com"]
    assert result.multi_linked.values.tolist() == [["shared@example.com", 2]]
    assert result.counts == {
        "unlinked_emails": 1,
        "multi_linked_emails": 1,
        "contacts_via_shared_emails": 2,
        "contact_updates": 4,
        "lead_updates": 1,
        "individual_updates": 0,
    }


def test_individuals_get_their_own_score_on_their_customer_record() -> None:
    """An individual lead is its own LEAD company (lead field); any other individual gets its own score in
    the individual field; no contact update is made for either, though contact 7 shares the number."""
    individuals = [
        {
            "netsuite_id": "customer:7",
            "email": "lead1@example.com",
            "company_id": "7",
            "company_stage": "LEAD",
        },
        {
            "netsuite_id": "customer:8",
            "email": "lead2@example.com",
            "company_id": "8",
            "company_stage": "CUSTOMER",
        },
        {"netsuite_id": "7", "email": "shared@example.com", "company_id": None, "company_stage": None},
    ]
    scores, _ = collect_scores(_lists(), email_column=EMAIL, score_column=SCORE)
    result = resolve_scores(
        scores, individuals, contact_field=CONTACT, lead_field=LEAD, individual_field=CONTACT
    )
    assert sorted(result.updates.values.tolist()) == [
        ["contact", "7", CONTACT, 40.0],
        ["customer", "7", LEAD, 70.0],
        ["customer", "8", CONTACT, 55.5],
    ]
    assert result.counts["individual_updates"] == 1
    without = resolve_scores(
        scores, individuals, contact_field=CONTACT, lead_field=LEAD, individual_field=None
    )
    assert without.updates.values.tolist() == [["contact", "7", CONTACT, 40.0], ["customer", "7", LEAD, 70.0]]


def test_lead_field_disabled() -> None:
    scores, _ = collect_scores(_lists(), email_column=EMAIL, score_column=SCORE)
    result = resolve_scores(scores, pd.DataFrame(LINKS), contact_field=CONTACT, lead_field=None)
    assert set(result.updates["record_type"]) == {"contact"}


def test_no_links_at_all() -> None:
    scores, _ = collect_scores(_lists(), email_column=EMAIL, score_column=SCORE)
    result = resolve_scores(scores, [], contact_field=CONTACT, lead_field=LEAD)
    assert result.updates.empty
    assert result.counts["unlinked_emails"] == 4


def test_diff_scores_keys_by_record_type() -> None:
    scores, _ = collect_scores(_lists(), email_column=EMAIL, score_column=SCORE)
    updates = resolve_scores(scores, LINKS, contact_field=CONTACT, lead_field=LEAD).updates
    previous = {
        ("contact", "1", CONTACT): 40.0,  # unchanged
        ("contact", "3", CONTACT): 69.0,  # changed
        ("contact", "4", CONTACT): None,  # cleared before: changed
        ("customer", "2", LEAD): 40.0,  # another record type with the same id: irrelevant
        ("customer", "200", LEAD): 70.0,  # unchanged
    }
    changed, unchanged = diff_scores(updates, previous)
    assert changed["record_id"].tolist() == ["2", "3", "4"]
    assert unchanged == 2
    assert pushed_records(changed)[0] == {
        "record_type": "contact",
        "record_id": "2",
        "field_id": CONTACT,
        "value": 40.0,
    }
    same, none = diff_scores(updates, {})
    assert len(same) == len(updates)
    assert none == 0


def test_an_account_with_nothing_scored_resolves_to_no_updates() -> None:
    """First run on a fresh account: no list downloaded yet, no links stored."""
    scores, counts = collect_scores(iter([]), email_column="E-mail Address", score_column="Act-On score")
    assert counts["emails_scored"] == 0
    resolution = resolve_scores(
        scores, [], contact_field="custentity_acton_score", lead_field="custentity_acton_lead_score"
    )
    assert resolution.updates.empty
    assert resolution.counts["contact_updates"] == 0
