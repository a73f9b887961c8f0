"""Diff step: keep only rows whose content hash differs from what was last loaded for that email.

Sending only what changed is what keeps an hourly sync of a large account inside Act-On's daily budget.
``previous_hashes`` comes from the state store (``StateStore.loaded_hashes``) for the chunk's emails only,
so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from netsuite_acton.sync.contract import LIST_NAME, NETSUITE_ID, ROW_HASH


def changed_rows(
    frame: pd.DataFrame,
    previous_hashes: Mapping[str, str],
    *,
    email_column: str,
    hash_column: str = ROW_HASH,
) -> tuple[pd.DataFrame, int]:
    """(rows that are new or changed, number of unchanged rows).

    ``frame`` must already carry ``hash_column`` (``hashing.row_hashes``); an email never loaded before
    counts as changed.
    """
    if hash_column not in frame:
        raise KeyError(f"column {hash_column!r} is missing: add hashing.row_hashes(...) first")
    previous = frame[email_column].map(dict(previous_hashes)) if previous_hashes else None
    if previous is None:
        return frame, 0
    unchanged = previous.eq(frame[hash_column]).fillna(False).astype(bool)
    return frame.loc[~unchanged], int(unchanged.sum())


def loaded_records(
    rows: pd.DataFrame, *, email_column: str, hash_column: str = ROW_HASH
) -> list[dict[str, str]]:
    """``{email, list_name, row_hash, netsuite_id}`` dicts for ``StateStore.record_loaded`` after a load."""
    records = pd.DataFrame(
        {
            "email": rows[email_column],
            "list_name": rows[LIST_NAME],
            "row_hash": rows[hash_column],
            "netsuite_id": rows[NETSUITE_ID],
        }
    )
    return records.astype("object").to_dict("records")
