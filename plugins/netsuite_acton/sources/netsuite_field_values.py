"""NetSuite's side of ``reverse.fields``: which fields are still empty, and the typed PATCH of the rest.

``policy: if_empty`` must not overwrite what a salesperson typed, and the state store only knows what the
sync wrote: so before writing, the current values are read (one SuiteQL per batch of records and record
type, every field of the batch in one SELECT). A record gets one PATCH carrying all its fields, each
value turned into the JSON type NetSuite wants (``sync.field_values.typed``); a refusal is a result with
NetSuite's code for every field of that record, never an exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, Final

import pandas as pd

from netsuite_acton.hooks.netsuite import NetSuiteHook
from netsuite_acton.hooks.netsuite.suiteql import render, sql_extra_columns, sql_identifier, sql_int_list
from netsuite_acton.sources.suiteql_templates import load_template
from netsuite_acton.sync.field_values import typed
from netsuite_acton.sync.frames import empty_frame

#: Records per SuiteQL read (far below the page limit and the statement size).
READ_BATCH: Final = 500
#: What an "empty" field reads as: null, blank, and an unticked checkbox ("F").
_EMPTY: Final = frozenset({"", "f", "false"})
#: Columns of the field results frame: the record write's outcome, per field.
RESULT_COLUMNS: Final = (
    "record_type",
    "record_id",
    "ok",
    "status",
    "error_code",
    "detail",
    "field_id",
    "value",
)


def current_values(
    hook: NetSuiteHook,
    record_type: str,
    record_ids: Sequence[str],
    field_ids: Sequence[str],
    *,
    suiteql_dir: str | Path | None = None,
) -> dict[tuple[str, str], str | None]:
    """(record id, field id) -> the field's value in NetSuite now, as SuiteQL returns it (text or None)."""
    template = load_template("field_values", suiteql_dir)
    columns = [sql_identifier(name).text for name in dict.fromkeys(field_ids)]
    ids = list(dict.fromkeys(str(rid) for rid in record_ids))
    found: dict[tuple[str, str], str | None] = {}
    for start in range(0, len(ids), READ_BATCH):
        batch = ids[start : start + READ_BATCH]
        query = render(
            template,
            record_type=sql_identifier(record_type),
            columns=sql_extra_columns(columns),
            ids=sql_int_list(batch),
        )
        for item in hook.suiteql(query, limit=READ_BATCH).get("items") or []:
            for column in columns:
                value = item.get(column)
                found[(str(item["id"]), column)] = None if value is None else str(value)
    return found


def is_empty(value: str | None) -> bool:
    """Nothing in the field: null, blank, or an unticked checkbox."""
    return value is None or value.strip().lower() in _EMPTY


def drop_filled(
    hook: NetSuiteHook, to_push: pd.DataFrame, *, suiteql_dir: str | Path | None = None
) -> tuple[pd.DataFrame, int]:
    """(``to_push`` without the ``if_empty`` values whose field NetSuite already fills, how many went)."""
    guarded = to_push["policy"].eq("if_empty")
    if not guarded.any():
        return to_push, 0
    keep = pd.Series(True, index=to_push.index)
    for record_type, group in to_push.loc[guarded].groupby("record_type"):
        now = current_values(
            hook,
            str(record_type),
            group["record_id"].tolist(),
            group["field_id"].tolist(),
            suiteql_dir=suiteql_dir,
        )
        filled = [
            not is_empty(now.get((str(rid), str(fid))))
            for rid, fid in zip(group["record_id"], group["field_id"], strict=True)
        ]
        keep.loc[group.index[filled]] = False
    return to_push.loc[keep], int((~keep).sum())


def push_field_values(hook: NetSuiteHook, to_push: pd.DataFrame) -> pd.DataFrame:
    """One PATCH per record with all its fields; a frame of ``RESULT_COLUMNS``, one row per field."""
    parts = []
    for record_type, group in to_push.groupby("record_type", sort=True):
        bodies: dict[str, dict[str, Any]] = {}  # plain dicts: a frame per record would cost ~10 KB each
        for rid, fid, value, kind in zip(
            group["record_id"], group["field_id"], group["value"], group["field_type"], strict=True
        ):
            bodies.setdefault(str(rid), {})[str(fid)] = typed(str(value), str(kind))
        outcomes = pd.DataFrame(
            [asdict(o) for o in hook.update_records(str(record_type), list(bodies.items()))]
        )
        written = group.loc[:, ["record_id", "field_id", "value"]].merge(
            outcomes.drop(columns="record_type"), on="record_id", how="left"
        )
        parts.append(written.assign(record_type=str(record_type)))
    if not parts:
        return empty_frame(RESULT_COLUMNS)
    return pd.concat(parts, ignore_index=True).loc[:, list(RESULT_COLUMNS)]
