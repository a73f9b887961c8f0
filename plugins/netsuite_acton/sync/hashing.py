"""Content hashes of Act-On rows: "has this contact changed since we last loaded it?"

The hash must stay the same across pandas versions, processes and machines, because it is stored and
compared on later runs; ``pandas.util.hash_pandas_object`` gives no such promise. So each row is written
as one canonical string and hashed with SHA-256:

    "nas1" RS "list_name" US <list> RS <heading> US <value> RS ...    (headings sorted by name)

RS/US are the ASCII record/unit separators; backslash, RS and US inside names and values are escaped, so
no two different rows serialise alike. Missing and empty values serialise alike because Act-On stores
them alike. Headings are sorted, so reordering the YAML mapping does not force a full reload, while
adding or renaming a heading does (the new column must be loaded).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final

import pandas as pd

from netsuite_acton.sync.cleaning import as_text
from netsuite_acton.sync.contract import LIST_NAME

VERSION: Final = "nas1"
_RS: Final = "\x1e"
_US: Final = "\x1f"


def _escape(text: pd.Series) -> pd.Series:
    return (
        text.str.replace("\\", "\\\\", regex=False)
        .str.replace(_RS, "\\x1e", regex=False)
        .str.replace(_US, "\\x1f", regex=False)
    )


def _escape_name(name: str) -> str:
    return name.replace("\\", "\\\\").replace(_RS, "\\x1e").replace(_US, "\\x1f")


def canonical_rows(frame: pd.DataFrame, headings: Sequence[str]) -> pd.Series:
    """The canonical serialisation of each row (headings + ``list_name``); vectorised string joins."""
    columns = [LIST_NAME, *sorted(set(headings) - {LIST_NAME})]
    missing = [c for c in columns if c not in frame]
    if missing:
        raise KeyError(f"cannot hash rows: columns {missing} are missing")
    text = pd.Series(VERSION, index=frame.index, dtype="str")
    for column in columns:
        text = text + (_RS + _escape_name(column) + _US) + _escape(as_text(frame[column]).fillna(""))
    return text


def row_hashes(frame: pd.DataFrame, headings: Sequence[str]) -> pd.Series:
    """SHA-256 hex digest per row of the canonical serialisation (see the module docstring)."""
    canonical = canonical_rows(frame, headings)
    digests = [hashlib.sha256(value.encode("utf-8")).hexdigest() for value in canonical.tolist()]
    return pd.Series(digests, index=frame.index, dtype="str", name="row_hash")
