from __future__ import annotations

import pandas as pd

from netsuite_acton.sync.dedupe import DuplicateResolution, DuplicateResolver, dedupe_keys, drop_losers
from tests.sync.conftest import T0, contacts

H = pd.Timedelta(hours=1)


def _resolve(keys: pd.DataFrame) -> DuplicateResolution:
    """All keys in one ``add``: the reference the chunked use must agree with."""
    resolver = DuplicateResolver()
    resolver.add(keys)
    return resolver.result()


def _chunks():
    """The same email in different chunks and cases: cleaning lower-cases it before keys are taken."""
    first = contacts(
        [
            {"id": "10", "email": "dup@example.com", "lastmodifieddate": T0},
            {"id": "11", "email": "solo@example.com", "lastmodifieddate": T0},
            {"id": "9", "email": "tie@example.com", "lastmodifieddate": T0},
        ]
    )
    second = contacts(
        [
            {"id": "12", "email": "dup@example.com", "lastmodifieddate": T0 + H},  # newest wins
            {"id": "100", "email": "tie@example.com", "lastmodifieddate": T0},  # tie: highest id (numeric)
            {"id": "13", "email": "dup@example.com", "lastmodifieddate": T0 - H},
        ]
    )
    return first, second


def test_winner_across_chunks_newest_then_highest_id() -> None:
    first, second = _chunks()
    resolver = DuplicateResolver()
    resolver.add(dedupe_keys(first))
    resolver.add(dedupe_keys(second))
    result = resolver.result()
    losers = result.losers.set_index("id")
    assert sorted(losers.index) == ["10", "13", "9"]
    assert losers.loc["10", "winner_id"] == "12"
    assert losers.loc["13", "winner_id"] == "12"
    assert losers.loc["9", "winner_id"] == "100"  # "100" > "9" as numbers, not as strings
    assert set(losers["reason"]) == {"duplicate_email"}
    assert result.counts == {"duplicate_email": 3}
    kept = pd.concat([drop_losers(first, result.losers), drop_losers(second, result.losers)])
    assert sorted(kept["id"]) == ["100", "11", "12"]


def test_chunk_order_does_not_matter() -> None:
    first, second = _chunks()
    one = _resolve(pd.concat([dedupe_keys(first), dedupe_keys(second)]))
    resolver = DuplicateResolver()
    resolver.add(dedupe_keys(second))
    resolver.add(dedupe_keys(first))
    assert resolver.result().losers.equals(one.losers)


def test_same_contact_seen_twice_keeps_latest_version() -> None:
    frame = contacts(
        [
            {"id": "1", "email": "old@example.com", "lastmodifieddate": T0},
            {"id": "1", "email": "new@example.com", "lastmodifieddate": T0 + H},
            {"id": "2", "email": "x@example.com", "lastmodifieddate": T0},
            {"id": "2", "email": "x@example.com", "lastmodifieddate": T0},  # verbatim repeat
        ]
    )
    result = _resolve(dedupe_keys(frame))
    assert result.losers[["id", "email", "winner_id", "reason"]].values.tolist() == [
        ["1", "old@example.com", "1", "stale_version"]
    ]
    kept = drop_losers(frame, result.losers)
    assert kept[["id", "email"]].values.tolist() == [["1", "new@example.com"], ["2", "x@example.com"]]


def test_no_keys_no_losers() -> None:
    result = DuplicateResolver().result()
    assert result.losers.empty
    assert result.counts == {}
