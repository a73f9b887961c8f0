from __future__ import annotations

import pandas as pd
import pytest

from netsuite_acton.operators.transform_contacts import (
    DUPLICATES,
    LINKS,
    QUARANTINE_CLEAN,
    TRANSFORMED,
    TransformContactsOperator,
)
from netsuite_acton.operators.validate_contacts import VALIDATED
from netsuite_acton.sync.contract import LIST_NAME, NETSUITE_ID
from tests.operators.data import T0, contacts

LATER = T0 + pd.Timedelta(hours=1)


def _seed(staging) -> None:
    """The loser of a duplicate email is in chunk 0, its winner in chunk 1."""
    staging.reset_step(VALIDATED)
    staging.write_chunk(
        VALIDATED,
        0,
        contacts(
            [
                {"id": "1", "email": "dup@example.com", "company": "10", "stage": "CUSTOMER"},
                {"id": "2", "email": "solo@example.com", "company": "11", "stage": "LEAD"},
            ]
        ),
    )
    staging.write_chunk(
        VALIDATED,
        1,
        contacts(
            [
                {
                    "id": "3",
                    "email": " DUP@Example.com ",
                    "company": "12",
                    "stage": "PROSPECT",
                    "lastmodifieddate": LATER,
                },
                {"id": "4", "email": "not@@an-email", "company": "10", "stage": "CUSTOMER"},
                {"id": "5", "email": "nobody@example.com"},
            ]
        ),
    )


@pytest.fixture
def run(staging_root, make_context, staging_for):
    context = make_context()
    staging = staging_for(context)
    _seed(staging)
    out = TransformContactsOperator(task_id="transform", staging_root=staging_root).execute(context)
    return out, staging


def test_duplicate_loser_in_another_chunk_is_dropped(run, config) -> None:
    out, staging = run
    rows = pd.concat(staging.iter_chunks(TRANSFORMED))
    email = config.forward.email_heading
    assert sorted(rows[NETSUITE_ID]) == ["2", "3", "5"]
    winner = rows.loc[rows[NETSUITE_ID] == "3"].iloc[0]
    assert winner[email] == "dup@example.com"
    assert winner[LIST_NAME] == "NetSuite Prospects"
    assert rows[email].is_unique
    assert out["rows"] == 3
    assert out["report"]["duplicates"] == 1
    assert out["report"]["counters"]["duplicates:duplicate_email"] == 1


def test_losers_are_written_with_their_winner(run) -> None:
    out, staging = run
    assert out["duplicates"] == str(staging.step(DUPLICATES))
    losers = pd.concat(staging.iter_chunks(DUPLICATES))
    assert losers[["id", "winner_id", "reason"]].values.tolist() == [["1", "3", "duplicate_email"]]


def test_links_cover_losers_too(run) -> None:
    _, staging = run
    links = pd.concat(staging.iter_chunks(LINKS))
    assert sorted(links["netsuite_id"]) == ["1", "2", "3", "5"], "id 4 was quarantined, 1 lost"
    assert set(links.loc[links["netsuite_id"].isin(["1", "3"]), "email"]) == {"dup@example.com"}
    assert list(links.columns) == ["netsuite_id", "email", "company_id", "company_stage"]


def test_routing_and_quarantine(run) -> None:
    out, staging = run
    rows = pd.concat(staging.iter_chunks(TRANSFORMED)).set_index(NETSUITE_ID)
    assert rows.loc["2", LIST_NAME] == "NetSuite Leads"
    assert rows.loc["5", LIST_NAME] == "NetSuite Unaffiliated"
    quarantined = pd.concat(staging.iter_chunks(QUARANTINE_CLEAN))
    assert quarantined["id"].tolist() == ["4"]
    assert out["report"]["quarantined_rows"] == 1
    assert sum(out["report"]["quarantined"].values()) == 1


def test_rerun_gives_the_same_output(run, staging_root, make_context) -> None:
    first, staging = run
    again = TransformContactsOperator(task_id="transform", staging_root=staging_root).execute(make_context())
    assert again == first
    assert sum(len(c) for c in staging.iter_chunks(TRANSFORMED)) == 3
    assert sum(len(c) for c in staging.iter_chunks(LINKS)) == 4
    assert sum(len(c) for c in staging.iter_chunks(DUPLICATES)) == 1
