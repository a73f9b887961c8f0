"""What a page may show of a row: addresses masked the way the logs mask them, nothing else personal.

Every string that reaches a page or a JSON response goes through :func:`mask_text`: the one redactor of
``client/redaction.py`` (anything shaped like an address becomes ``<email>``), then any other word that
holds an ``@``. An email column is masked
whole, whatever its shape (a quarantined ``jane.example.com`` is no address to the regex, but it is one
to its owner), as ``<email>#`` plus the short SHA-256 the consent audit logs use
(:func:`netsuite_acton.sync.consent.email_digest`): two rows of one address can be matched, the address
cannot be read. Columns that are neither an id, a reason nor an address (names, phones, postal
addresses) are left out of previews: the full file is a download for users allowed to see it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from netsuite_acton.client.redaction import redact
from netsuite_acton.sync.consent import email_digest

#: Columns a preview shows besides the email and reason columns, in this order when present.
PREVIEW_COLUMNS = (
    "id",
    "record_type",
    "record_id",
    "netsuite_id",
    "list_name",
    "field_id",
    "stage",
    "company",
    "winner_id",
    "kind",
    "status",
    "outcome",
    "customer_id",
    "ok",
)
#: Any word with an "@" in it: stricter than the log redactor, whose pattern needs a well-formed
#: ``local@domain`` (a quarantined ``jane@@example..com`` is exactly what a page shows).
_AT_WORD = re.compile(r"[^\s,;()\[\]<>\"']*@[^\s,;()\[\]<>\"']*")
#: Columns holding the reason a row did not make it, in order of preference.
REASON_COLUMNS = ("reasons", "reason", "error_code", "error", "detail", "last_error")


def mask_text(text: str) -> str:
    """Free text as a page may show it: the log redactor, then every word holding an ``@`` masked."""
    return _AT_WORD.sub("<email>", redact(text))


def is_email_column(name: str) -> bool:
    """``email``, ``E-mail Address``, ``salesrep_email``: any column named after an address."""
    return "email" in name.lower().replace("-", "")


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value)) or value != value
    except (TypeError, ValueError):  # pandas.NA refuses comparisons
        return True


def mask_email(value: Any) -> str:
    """``<email>#1a2b3c4d5e6f7a8b``: the log's placeholder and the audit trail's digest of the address."""
    if _missing(value) or not str(value).strip():
        return ""
    return f"<email>#{email_digest(str(value).strip().lower())}"


def cell(column: str, value: Any) -> str:
    """One cell as a page shows it: addresses masked, times in ISO form, every other text redacted."""
    if is_email_column(column):
        return mask_email(value)
    if _missing(value):
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return mask_text(str(value))


def preview_columns(columns: Sequence[str]) -> list[str]:
    """The columns a preview shows: ids and context, then the address, then the reasons."""
    present = list(columns)
    chosen = [c for c in PREVIEW_COLUMNS if c in present]
    chosen += [c for c in present if is_email_column(c) and c not in chosen][:1]
    chosen += [c for c in REASON_COLUMNS if c in present]
    return chosen


def masked_rows(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> list[dict[str, str]]:
    """``rows`` cut to ``columns``, every cell masked by :func:`cell`."""
    return [{c: cell(c, row.get(c)) for c in columns} for row in rows]


def scrub(value: Any) -> Any:
    """A JSON-able structure with every string redacted (the report's problems, step outputs)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {mask_text(str(k)): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value
