from __future__ import annotations

import pandas as pd
import pytest

from netsuite_acton.operators.resolve_scores import (
    TO_PUSH,
    UNLINKED,
    UPDATES,
    DiffScoresOperator,
    ResolveScoresOperator,
)
from netsuite_acton.operators.validate_scores import VALID_SCORES
from tests.operators.conftest import REVERSE_DAG

EMAIL, SCORE = "E-mail Address", "Act-On score"
CONTACT_FIELD, LEAD_FIELD = "custentity_acton_score", "custentity_acton_lead_score"


@pytest.fixture
def resolved(store, staging_root, make_context, staging_for):
    """a and b work for LEAD company 10 (a is shared by contacts 1 and 4), c for customer 12; z is unknown."""
    store.record_links(
        [
            {"netsuite_id": "1", "email": "a@x.com", "company_id": "10", "company_stage": "LEAD"},
            {"netsuite_id": "4", "email": "a@x.com", "company_id": "10", "company_stage": "LEAD"},
            {"netsuite_id": "2", "email": "b@x.com", "company_id": "10", "company_stage": "LEAD"},
            {"netsuite_id": "3", "email": "c@x.com", "company_id": "12", "company_stage": "CUSTOMER"},
        ]
    )
    context = make_context(dag_id=REVERSE_DAG)
    staging = staging_for(context)
    staging.reset_step(VALID_SCORES)
    staging.write_chunk(VALID_SCORES, 0, pd.DataFrame({EMAIL: ["A@x.com", "b@x.com"], SCORE: ["40", "75"]}))
    staging.write_chunk(VALID_SCORES, 1, pd.DataFrame({EMAIL: ["c@x.com", "z@x.com"], SCORE: ["5", "9"]}))
    out = ResolveScoresOperator(task_id="resolve", staging_root=staging_root).execute(context)
    return out, context, staging


def _updates(staging) -> dict[tuple[str, str, str], float]:
    frame = pd.concat(staging.iter_chunks(UPDATES))
    return {(r.record_type, r.record_id, r.field_id): r.value for r in frame.itertuples()}


def test_resolve_maps_emails_to_every_linked_contact_and_leads(resolved) -> None:
    out, _, staging = resolved
    assert _updates(staging) == {
        ("contact", "1", CONTACT_FIELD): 40.0,
        ("contact", "4", CONTACT_FIELD): 40.0,
        ("contact", "2", CONTACT_FIELD): 75.0,
        ("contact", "3", CONTACT_FIELD): 5.0,
        ("customer", "10", LEAD_FIELD): 75.0,
    }
    unlinked = pd.concat(staging.iter_chunks(UNLINKED))
    assert unlinked["email"].tolist() == ["z@x.com"]
    assert out["report"]["direction"] == "reverse"
    assert out["report"]["counters"]["emails_scored"] == 4


def _diff(staging_root, context):
    return DiffScoresOperator(task_id="diff", staging_root=staging_root).execute(context)


def test_diff_keeps_only_changed_values(resolved, store, staging_root) -> None:
    _, context, staging = resolved
    store.record_pushed(
        [
            {"record_type": "contact", "record_id": "1", "field_id": CONTACT_FIELD, "value": 40.0},
            {"record_type": "contact", "record_id": "2", "field_id": CONTACT_FIELD, "value": 70.0},
            # same id, other record type: must not shadow customer 10's value
            {"record_type": "contact", "record_id": "10", "field_id": LEAD_FIELD, "value": 75.0},
        ]
    )
    out = _diff(staging_root, context)
    pushed = pd.concat(staging.iter_chunks(TO_PUSH))
    assert sorted(zip(pushed["record_type"], pushed["record_id"], strict=True)) == [
        ("contact", "2"),
        ("contact", "3"),
        ("contact", "4"),
        ("customer", "10"),
    ]
    assert out["report"]["unchanged"] == 1
    assert out["report"]["to_load"] == {f"contact.{CONTACT_FIELD}": 3, f"customer.{LEAD_FIELD}": 1}
    assert out["full_push"] is False


def test_full_push_keeps_every_value(resolved, store, staging_root) -> None:
    _, context, staging = resolved
    store.record_pushed(
        [{"record_type": "contact", "record_id": "1", "field_id": CONTACT_FIELD, "value": 40.0}]
    )
    context["params"]["full_push"] = True
    out = _diff(staging_root, context)
    assert len(pd.concat(staging.iter_chunks(TO_PUSH))) == 5
    assert out["report"]["unchanged"] == 0
    assert out["full_push"] is True


def test_nothing_scored_gives_an_empty_push(store, staging_root, make_context, staging_for) -> None:
    context = make_context(dag_id=REVERSE_DAG)
    staging = staging_for(context)
    staging.reset_step(VALID_SCORES)  # no valid score at all
    ResolveScoresOperator(task_id="resolve", staging_root=staging_root).execute(context)
    out = _diff(staging_root, context)
    assert pd.concat(staging.iter_chunks(TO_PUSH)).empty
    assert out["report"]["to_load"] == {}
