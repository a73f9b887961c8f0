from __future__ import annotations

import pandas as pd
import pytest

from netsuite_acton.operators.diff_contacts import CHANGED, DiffContactsOperator
from netsuite_acton.operators.transform_contacts import TRANSFORMED
from netsuite_acton.sync.contract import LIST_NAME, NETSUITE_ID, ROW_HASH
from netsuite_acton.sync.hashing import row_hashes
from tests.operators.data import act_on_rows


@pytest.fixture
def seeded(store, make_context, staging_for, config):
    """Three rows: ``same`` stored with its current hash, ``edited`` with an old one, ``new`` not at all."""
    fwd = config.forward
    rows = act_on_rows(
        fwd,
        [
            {"id": 1, "email": "same@example.com", "list": "NetSuite Leads"},
            {"id": 2, "email": "edited@example.com", "list": "NetSuite Leads"},
            {"id": 3, "email": "new@example.com", "list": "NetSuite Customers"},
        ],
    )
    context = make_context()
    staging = staging_for(context)
    staging.reset_step(TRANSFORMED)
    staging.write_chunk(TRANSFORMED, 0, rows.iloc[:2])
    staging.write_chunk(TRANSFORMED, 1, rows.iloc[2:])
    hashes = row_hashes(rows, fwd.headings)
    store.record_loaded(
        [
            {
                "email": "same@example.com",
                "list_name": "NetSuite Leads",
                "row_hash": hashes.iloc[0],
                "netsuite_id": "1",
            },
            {
                "email": "edited@example.com",
                "list_name": "NetSuite Leads",
                "row_hash": "old",
                "netsuite_id": "2",
            },
        ]
    )
    return context, staging


def _op(staging_root: str) -> DiffContactsOperator:
    return DiffContactsOperator(task_id="diff", staging_root=staging_root)


def test_keeps_only_new_and_changed_rows(seeded, staging_root, config) -> None:
    context, staging = seeded
    out = _op(staging_root).execute(context)
    changed = pd.concat(staging.iter_chunks(CHANGED))
    assert sorted(changed[config.forward.email_heading]) == ["edited@example.com", "new@example.com"]
    assert {ROW_HASH, LIST_NAME, NETSUITE_ID} <= set(changed.columns)
    assert changed[ROW_HASH].str.len().eq(64).all()
    assert out["report"]["unchanged"] == 1
    assert out["report"]["to_load"] == {"NetSuite Leads": 1, "NetSuite Customers": 1}
    assert out["force_reload"] is False


def test_force_reload_keeps_every_row(seeded, staging_root, make_context, config) -> None:
    context, staging = seeded
    context["params"]["force_reload"] = True
    out = _op(staging_root).execute(context)
    changed = pd.concat(staging.iter_chunks(CHANGED))
    assert len(changed) == 3
    assert out["report"]["unchanged"] == 0
    assert out["report"]["to_load"] == {"NetSuite Leads": 2, "NetSuite Customers": 1}
    assert out["force_reload"] is True


def test_unchanged_rerun_sends_nothing(seeded, staging_root, store, config) -> None:
    context, staging = seeded
    _op(staging_root).execute(context)
    changed = pd.concat(staging.iter_chunks(CHANGED))
    store.record_loaded(
        changed.rename(columns={config.forward.email_heading: "email"})[
            ["email", LIST_NAME, ROW_HASH, NETSUITE_ID]
        ].to_dict("records")
    )
    out = _op(staging_root).execute(context)
    assert out["report"]["unchanged"] == 3
    assert out["report"]["to_load"] == {}
    assert staging.chunk_paths(CHANGED) == [], "the previous attempt's chunks were cleared"


def test_a_list_change_is_a_change(seeded, staging_root, store, config) -> None:
    context, staging = seeded
    rows = pd.concat(staging.iter_chunks("transformed"))
    moved = rows.assign(**{LIST_NAME: "NetSuite Customers"})
    store.record_loaded(
        [
            {"email": e, "list_name": "NetSuite Leads", "row_hash": h, "netsuite_id": i}
            for e, h, i in zip(
                rows[config.forward.email_heading],
                row_hashes(rows, config.forward.headings),
                rows[NETSUITE_ID],
                strict=True,
            )
        ]
    )
    staging.reset_step("transformed")
    staging.write_chunk("transformed", 0, moved)
    out = _op(staging_root).execute(context)
    # the two Leads rows moved list (same cells): changed; the Customers row did not move
    assert out["report"]["unchanged"] == 1
    assert out["report"]["to_load"] == {"NetSuite Customers": 2}
