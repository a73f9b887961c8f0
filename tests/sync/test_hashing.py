from __future__ import annotations

import hashlib

import pandas as pd

from netsuite_acton.sync.contract import LIST_NAME, ROW_HASH
from netsuite_acton.sync.diff import changed_rows
from netsuite_acton.sync.hashing import canonical_rows, row_hashes

HEADINGS = ["E-mail Address", "First Name", "Company"]


def _rows(**overrides) -> pd.DataFrame:
    row = {"E-mail Address": "a@x.com", "First Name": "Zoë", "Company": 'Acme, "Inc"\nLtd', LIST_NAME: "L"}
    return pd.DataFrame([{**row, **overrides}])


def test_hash_is_pinned() -> None:
    """Stored hashes are compared on later runs: this value must never change silently."""
    canonical = (
        'nas1\x1elist_name\x1fL\x1eCompany\x1fAcme, "Inc"\nLtd'
        "\x1eE-mail Address\x1fa@x.com\x1eFirst Name\x1fZoë"
    )
    assert canonical_rows(_rows(), HEADINGS).iloc[0] == canonical
    assert row_hashes(_rows(), HEADINGS).iloc[0] == hashlib.sha256(canonical.encode()).hexdigest()
    assert (
        row_hashes(_rows(), HEADINGS).iloc[0]
        == "5351d14c9a68ff796321cbd3c84ebccc775b65c0025d855e582d2e543833e6e8"
    )


def test_hash_ignores_column_order_and_dtype() -> None:
    frame = _rows()
    reordered = frame[[LIST_NAME, "Company", "First Name", "E-mail Address"]].astype(object)
    assert row_hashes(frame, HEADINGS).equals(row_hashes(reordered, list(reversed(HEADINGS))))


def test_hash_changes_with_content_list_and_headings() -> None:
    base = row_hashes(_rows(), HEADINGS).iloc[0]
    assert row_hashes(_rows(**{"First Name": "Zoe"}), HEADINGS).iloc[0] != base
    assert row_hashes(_rows(**{LIST_NAME: "Other"}), HEADINGS).iloc[0] != base
    assert row_hashes(_rows().assign(Title=None), [*HEADINGS, "Title"]).iloc[0] != base


def test_missing_equals_empty_and_separators_cannot_collide() -> None:
    assert row_hashes(_rows(Company=None), HEADINGS).equals(row_hashes(_rows(Company=""), HEADINGS))
    a = _rows(**{"First Name": "x\x1eCompany\x1fy"})
    b = _rows(**{"First Name": "x"})
    assert row_hashes(a, HEADINGS).iloc[0] != row_hashes(b, HEADINGS).iloc[0]


def test_changed_rows_keeps_new_and_changed() -> None:
    frame = pd.concat(
        [_rows(), _rows(**{"E-mail Address": "b@x.com"}), _rows(**{"E-mail Address": "c@x.com"})]
    )
    frame = frame.reset_index(drop=True)
    frame[ROW_HASH] = row_hashes(frame, HEADINGS)
    previous = {"a@x.com": frame.loc[0, ROW_HASH], "b@x.com": "stale"}
    changed, unchanged = changed_rows(frame, previous, email_column="E-mail Address")
    assert changed["E-mail Address"].tolist() == ["b@x.com", "c@x.com"]
    assert unchanged == 1
    everything, none = changed_rows(frame, {}, email_column="E-mail Address")
    assert len(everything) == 3
    assert none == 0
