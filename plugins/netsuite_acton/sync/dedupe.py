"""Duplicate emails across the whole run: the most recently modified contact wins (tie: highest id).

Act-On keys list rows by email, so two NetSuite contacts sharing an address would overwrite each other in
an order nobody chose. The winner must be chosen over the WHOLE run, not per chunk, or the outcome would
depend on how rows happened to be chunked.

Design (two passes, flat memory per chunk):

1. For each cleaned chunk, ``dedupe_keys(chunk)`` keeps three small columns (email, id, lastmodifieddate)
   and ``DuplicateResolver.add`` collects them: about 50 bytes per contact, ~50 MB for a million.
2. ``DuplicateResolver.result()`` sorts once and returns the losers only (usually a handful), each with
   its winner's id and a reason.
3. Each chunk is then filtered with ``drop_losers(chunk, losers)``, which needs nothing but the losers.

The order (lastmodifieddate, id) is total, so the winner does not depend on chunk order. A contact id
that appears twice (overlapping extraction windows) keeps only its latest version; older versions are
reported as ``stale_version`` and the id de-duplication happens before the email one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pandas as pd

from netsuite_acton.sync.cleaning import as_text

KEY_COLUMNS: Final = ("email", "id", "lastmodifieddate")
LOSER_COLUMNS: Final = ("id", "email", "lastmodifieddate", "winner_id", "reason")
DUPLICATE_EMAIL: Final = "duplicate_email"
STALE_VERSION: Final = "stale_version"


@dataclass(frozen=True)
class DuplicateResolution:
    """Rows to drop: ``losers`` (id, email, lastmodifieddate, winner_id, reason) and how many per reason."""

    losers: pd.DataFrame
    keys_seen: int

    @property
    def counts(self) -> dict[str, int]:
        """Losers per reason, for the run report (no emails)."""
        return {str(k): int(v) for k, v in sorted(self.losers["reason"].value_counts().items())}


def dedupe_keys(cleaned: pd.DataFrame) -> pd.DataFrame:
    """The three columns the resolver needs, in compact dtypes, from a cleaned chunk."""
    return pd.DataFrame(
        {
            "email": as_text(cleaned["email"]),
            "id": as_text(cleaned["id"]),
            "lastmodifieddate": pd.to_datetime(cleaned["lastmodifieddate"], utc=True),
        }
    )


def _ranked(keys: pd.DataFrame) -> pd.DataFrame:
    """Keys sorted best-first: newest modification, then highest id (numeric ids compare as numbers)."""
    ranked = keys.assign(_id_number=pd.to_numeric(keys["id"], errors="coerce"))
    return ranked.sort_values(
        ["lastmodifieddate", "_id_number", "id"], ascending=False, na_position="last", kind="mergesort"
    )


class DuplicateResolver:
    """Collects keys chunk by chunk, then decides every duplicate in one sort."""

    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []

    def add(self, keys: pd.DataFrame) -> None:
        """Keep one chunk's keys (output of ``dedupe_keys``)."""
        missing = set(KEY_COLUMNS) - set(keys.columns)
        if missing:
            raise KeyError(f"dedupe keys need columns {sorted(missing)}")
        self._parts.append(keys.loc[:, list(KEY_COLUMNS)])

    def result(self) -> DuplicateResolution:
        """Losers of the whole run with their winners' ids."""
        if not self._parts:
            return DuplicateResolution(pd.DataFrame(columns=list(LOSER_COLUMNS)), 0)
        keys = pd.concat(self._parts, ignore_index=True)
        seen = len(keys)
        # identical versions (same id, same modification time) are one record seen twice
        ranked = _ranked(keys.drop_duplicates(["id", "lastmodifieddate"]))
        by_id = ranked.duplicated("id", keep="first")
        stale = ranked.loc[by_id].assign(winner_id=lambda f: f["id"], reason=STALE_VERSION)
        current = ranked.loc[~by_id]
        by_email = current.duplicated("email", keep="first")
        winner_of = current.loc[~by_email].set_index("email")["id"]
        shadowed = current.loc[by_email]
        shadowed = shadowed.assign(winner_id=shadowed["email"].map(winner_of), reason=DUPLICATE_EMAIL)
        losers = pd.concat([stale, shadowed], ignore_index=True).loc[:, list(LOSER_COLUMNS)]
        losers = losers.sort_values(["reason", "id"], kind="mergesort", ignore_index=True)
        return DuplicateResolution(losers, seen)


def drop_losers(cleaned: pd.DataFrame, losers: pd.DataFrame) -> pd.DataFrame:
    """The chunk without the losing versions (matched on id and lastmodifieddate).

    A row repeated verbatim inside the chunk is kept once.
    """
    keys = dedupe_keys(cleaned)
    if len(losers):
        lost = pd.MultiIndex.from_frame(losers[["id", "lastmodifieddate"]].astype({"id": "str"}))
        mine = pd.MultiIndex.from_frame(keys[["id", "lastmodifieddate"]])
        cleaned, keys = cleaned.loc[~mine.isin(lost)], keys.loc[~mine.isin(lost)]
    return cleaned.loc[~keys.duplicated(["id", "lastmodifieddate"])]
