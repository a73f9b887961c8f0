"""Act-On fields pushed back into NetSuite by policy (``reverse.fields``): typed, validated, resolved.

Act-On cells are text. Each configured field has a NetSuite type; every value is converted to it *before*
any PATCH, and a value that does not convert is refused here with a reason (never sent, never silent).
Converted values travel as canonical text (``"12"``, ``"12.5"``, ``"true"``, ``"2026-01-31"``) so the
stage files stay one dtype and the diff compares like with like; :func:`typed` turns one back into the
JSON value NetSuite wants. A blank cell means "Act-On has nothing": it never clears a NetSuite field.

Which record a value goes to: ``record: contact`` is every contact linked to the address;
``record: customer`` is the company of each linked contact, or the individual's own record. When the
contacts of one company disagree, the company gets nothing and the conflict is counted.

Pure pandas: the operators gather the rows and links and write what this returns.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, Literal

import pandas as pd

from netsuite_acton.sync.cleaning import as_text, canonical_email
from netsuite_acton.sync.contract import COMPANY_RECORD, CONTACT_RECORD, INDIVIDUAL_PREFIX
from netsuite_acton.sync.frames import empty_frame

FieldType = Literal["integer", "float", "text", "checkbox", "date"]
Policy = Literal["always", "if_empty"]

#: Columns of a field-update frame (and of the rows the push step writes).
FIELD_UPDATE_COLUMNS: Final = ("record_type", "record_id", "field_id", "value", "field_type", "policy")
#: Columns of the refused values file (no value: a refused cell may be anything a marketer typed).
REFUSED_COLUMNS: Final = ("email", "heading", "field_id", "reason")

_TRUE: Final = frozenset({"true", "t", "yes", "y", "1", "on", "checked", "x"})
_FALSE: Final = frozenset({"false", "f", "no", "n", "0", "off", "unchecked"})
_US_DATE: Final = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
#: NetSuite integer fields are 32-bit.
_INT_RANGE: Final = (-(2**31), 2**31 - 1)


@dataclass(frozen=True)
class PushedField:
    """One ``reverse.fields`` entry, as the resolver needs it (see ``sync.config.PushedFieldConfig``)."""

    heading: str
    field: str
    record: str
    type: FieldType
    policy: Policy


def convert(value: str, field_type: FieldType) -> tuple[str | None, str | None]:
    """(canonical text, None) or (None, reason) for one non-blank Act-On cell.

    Dates: ISO ``YYYY-MM-DD`` (a time part is dropped) or Act-On's US ``M/D/YYYY``; checkboxes: yes/no,
    true/false, 1/0, on/off (any case).
    """
    text = value.strip()
    if field_type == "text":
        return text, None
    if field_type == "checkbox":
        folded = text.lower()
        if folded in _TRUE:
            return "true", None
        if folded in _FALSE:
            return "false", None
        return None, "not_a_checkbox"
    if field_type == "date":
        return _date(text)
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        return None, "not_a_number" if field_type == "float" else "not_an_integer"
    if not math.isfinite(number):
        return None, "not_a_number"
    if field_type == "float":
        return repr(number), None
    if not number.is_integer():
        return None, "not_an_integer"
    if not _INT_RANGE[0] <= number <= _INT_RANGE[1]:
        return None, "integer_out_of_range"
    return str(int(number)), None


def _date(text: str) -> tuple[str | None, str | None]:
    match = _US_DATE.match(text)
    try:
        if match:
            month, day, year = (int(part) for part in match.groups())
            return date(year, month, day).isoformat(), None
        return datetime.fromisoformat(text).date().isoformat(), None
    except ValueError:
        return None, "not_a_date"


def typed(text: str, field_type: str) -> Any:
    """The JSON value NetSuite's record API takes for a canonical text of this type."""
    if field_type == "integer":
        return int(text)
    if field_type == "float":
        return float(text)
    if field_type == "checkbox":
        return text == "true"
    return text  # text, and dates as ISO-8601


@dataclass
class FieldResolution:
    """Field updates (``FIELD_UPDATE_COLUMNS``), refused cells (``REFUSED_COLUMNS``) and counts."""

    updates: pd.DataFrame
    refused: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)


def empty_field_updates() -> pd.DataFrame:
    return empty_frame(FIELD_UPDATE_COLUMNS)


def resolve_fields(
    rows: pd.DataFrame | Iterable[pd.DataFrame],
    links: pd.DataFrame,
    fields: Sequence[PushedField],
    *,
    email_column: str,
) -> FieldResolution:
    """Field updates for every linked record, from validated list rows (one frame or several).

    ``links`` is ``sync.scores.links_frame`` output (netsuite_id, email, company_id, company_stage).
    An address in several lists with different values for a heading is a conflict: nothing is written for
    it (counted ``field_conflicts:<heading>``), as for a company whose contacts disagree.
    """
    frames = [rows] if isinstance(rows, pd.DataFrame) else list(rows)
    updates: list[pd.DataFrame] = []
    refused: list[pd.DataFrame] = []
    counts: dict[str, int] = {}
    for spec in fields:
        cells = _cells(frames, email_column, spec.heading)
        converted = [convert(v, spec.type) for v in cells["value"]]
        cells = cells.assign(
            value=[text for text, _ in converted], reason=[reason for _, reason in converted]
        )
        bad = cells["reason"].notna()
        if bad.any():
            refused.append(
                pd.DataFrame(
                    {
                        "email": cells.loc[bad, "email"].to_numpy(),
                        "heading": spec.heading,
                        "field_id": spec.field,
                        "reason": cells.loc[bad, "reason"].to_numpy(),
                    }
                )
            )
            for reason, n in cells.loc[bad, "reason"].value_counts().items():
                counts[f"field_refused:{spec.heading}:{reason}"] = int(n)
        good = cells.loc[~bad, ["email", "value"]].drop_duplicates()
        several = good["email"].duplicated(keep=False)
        if several.any():
            counts[f"field_conflicts:{spec.heading}"] = int(good.loc[several, "email"].nunique())
        targets = _targets(good.loc[~several], links, spec.record)
        split = targets.groupby(["record_type", "record_id"])["value"].nunique()
        disagree = split[split > 1]
        if len(disagree):
            counts[f"field_conflicts:{spec.heading}"] = counts.get(
                f"field_conflicts:{spec.heading}", 0
            ) + len(disagree)
            keys = pd.MultiIndex.from_frame(targets[["record_type", "record_id"]])
            targets = targets.loc[~keys.isin(disagree.index)]
        targets = targets.drop_duplicates(["record_type", "record_id"])
        updates.append(
            targets.assign(field_id=spec.field, field_type=spec.type, policy=spec.policy).loc[
                :, list(FIELD_UPDATE_COLUMNS)
            ]
        )
        counts[f"field_updates:{spec.heading}"] = len(targets)
    update_frame = pd.concat(updates, ignore_index=True).astype(object) if updates else empty_field_updates()
    refused_frame = pd.concat(refused, ignore_index=True) if refused else empty_frame(REFUSED_COLUMNS)
    return FieldResolution(update_frame, refused_frame, counts)


def _cells(frames: list[pd.DataFrame], email_column: str, heading: str) -> pd.DataFrame:
    """(email, value) of every non-blank cell of ``heading``; frames without the column give none."""
    parts = [
        pd.DataFrame({"email": canonical_email(f[email_column]), "value": as_text(f[heading])})
        for f in frames
        if heading in f.columns and len(f)
    ]
    if not parts:
        return pd.DataFrame({"email": pd.Series(dtype=object), "value": pd.Series(dtype=object)})
    cells = pd.concat(parts, ignore_index=True)
    blank = cells["email"].isna() | cells["value"].isna() | cells["value"].str.strip().eq("")
    return cells.loc[~blank].reset_index(drop=True)


def _targets(cells: pd.DataFrame, links: pd.DataFrame, record: str) -> pd.DataFrame:
    """(record_type, record_id, value) for each linked record of ``record`` kind."""
    joined = cells.merge(links, on="email", how="inner")
    individual = joined["netsuite_id"].str.startswith(INDIVIDUAL_PREFIX)
    if record == CONTACT_RECORD:
        chosen = joined.loc[~individual]
        ids = chosen["netsuite_id"]
    else:
        chosen = joined.loc[individual | joined["company_id"].notna()]
        ids = chosen["company_id"]
    return pd.DataFrame(
        {
            "record_type": CONTACT_RECORD if record == CONTACT_RECORD else COMPANY_RECORD,
            "record_id": as_text(ids).to_numpy(),
            "value": chosen["value"].to_numpy(),
        }
    )


def diff_fields(
    updates: pd.DataFrame, previously_pushed: Mapping[tuple[str, str, str], str | None]
) -> tuple[pd.DataFrame, int]:
    """(updates to send, number left alone).

    ``always``: sent when the value differs from the last one the sync wrote. ``if_empty``: sent only if
    the sync never wrote that field of that record (the push step also checks NetSuite's value is empty).
    """
    if updates.empty:
        return updates, 0
    keys = list(zip(updates["record_type"], updates["record_id"], updates["field_id"], strict=True))
    previous = [previously_pushed.get(key) for key in keys]
    known = [key in previously_pushed for key in keys]
    keep = [
        (not seen) if policy == "if_empty" else (value != before)
        for value, before, seen, policy in zip(
            updates["value"], previous, known, updates["policy"], strict=True
        )
    ]
    mask = pd.Series(keep, index=updates.index, dtype=bool)
    return updates.loc[mask], int((~mask).sum())
