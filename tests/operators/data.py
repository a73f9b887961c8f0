"""Small frames in the shapes the steps hand each other."""

from __future__ import annotations

from typing import Any

import pandas as pd

from netsuite_acton.sync.config import ForwardConfig
from netsuite_acton.sync.contract import CONTACT_COLUMNS, LIST_NAME, NETSUITE_ID

T0 = pd.Timestamp("2026-03-01 09:00", tz="UTC")


def contacts(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Contacts in the NetSuite hook's contract; columns a row omits get harmless defaults."""
    base = {column: None for column in CONTACT_COLUMNS}
    base.update({"isinactive": False, "datecreated": T0, "lastmodifieddate": T0})
    frame = pd.DataFrame([{**base, **row} for row in rows], columns=list(CONTACT_COLUMNS))
    frame["isinactive"] = frame["isinactive"].astype(bool)
    for column in ("datecreated", "lastmodifieddate"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def act_on_rows(fwd: ForwardConfig, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as the transform step writes them: every heading, ``list_name`` and ``netsuite_id``.

    Each row gives ``email``, ``list`` and ``id``; the other headings get a value derived from the id.
    """
    out = []
    for row in rows:
        record = {heading: f"{heading}-{row['id']}" for heading in fwd.headings}
        record[fwd.email_heading] = row["email"]
        record["NetSuite Contact ID"] = str(row["id"])
        record.update(row.get("extra", {}))
        record[LIST_NAME] = row["list"]
        record[NETSUITE_ID] = str(row["id"])
        out.append(record)
    return pd.DataFrame(out).astype("str")
