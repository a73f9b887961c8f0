"""SuiteQL built safely: templates whose placeholders only take values we validated and formatted, and
account-time-zone handling of datetimes (keyset range planning is in :mod:`suiteql_keyset`).

Nothing a user typed is ever interpolated: placeholders accept :class:`SqlLiteral` objects only, made by
:func:`sql_int`, :func:`sql_timestamp` or :func:`sql_identifier`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

SUITEQL_DATETIME = "YYYY-MM-DD HH24:MI:SS"
_PY_DATETIME = "%Y-%m-%d %H:%M:%S"
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: Subtracted from a watermark rendered in the account time zone: a local time in a DST fall-back hour
#: names two instants, and the earlier reading must not exclude rows of the later one.
DST_SAFETY_MARGIN = timedelta(hours=1)
#: Stands for "no filter" so every query keeps one shape (NetSuite sets lastmodifieddate on all records).
EPOCH_FLOOR = datetime(1900, 1, 1)


@dataclass(frozen=True)
class SqlLiteral:
    """SuiteQL text made by one of this module's validators; the only thing :func:`render` substitutes."""

    text: str

    def __str__(self) -> str:
        return self.text


def sql_int(value: object) -> SqlLiteral:
    """An integer literal from an int or a digit string (NetSuite sends numbers as strings); nothing else."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not an id")
    if isinstance(value, int | np.integer):
        return SqlLiteral(str(int(value)))
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,18}", value.strip()):
        return SqlLiteral(str(int(value)))
    raise ValueError(f"not an integer: {type(value).__name__}")


def sql_int_list(values: Sequence[object]) -> SqlLiteral:
    """``1, 2, 3`` for an ``IN (...)`` list: every item an integer (see :func:`sql_int`), at least one."""
    if not values:
        raise ValueError("an IN list needs at least one id")
    return SqlLiteral(", ".join(sql_int(value).text for value in values))


def sql_string_list(values: Sequence[str], max_length: int = 320) -> SqlLiteral:
    """``'a@x.com', 'o''brien@y.org'`` for an ``IN (...)`` list of text (email addresses, names).

    Quotes are doubled (SuiteQL's only escape); control characters and over-long values are refused, so a
    value can neither end the literal nor smuggle a statement in.
    """
    if not values:
        raise ValueError("an IN list needs at least one value")
    quoted = []
    for value in values:
        if not isinstance(value, str) or len(value) > max_length or _CONTROL.search(value):
            raise ValueError("not a plain text value (type, length or control characters)")
        quoted.append("'" + value.replace("'", "''") + "'")
    return SqlLiteral(", ".join(quoted))


def sql_extra_columns(names: Sequence[str]) -> SqlLiteral:
    """``, col_a, col_b`` to append to a SELECT list (empty when there are none); identifiers only."""
    return SqlLiteral("".join(f", {sql_identifier(name).text}" for name in names))


def sql_timestamp(local: datetime) -> SqlLiteral:
    """``TO_TIMESTAMP('YYYY-MM-DD HH:MM:SS', ...)`` of a naive datetime already in the account time zone."""
    if not isinstance(local, datetime) or local.tzinfo is not None:
        raise ValueError("sql_timestamp takes a naive datetime in the account time zone")
    return SqlLiteral(f"TO_TIMESTAMP('{local.strftime(_PY_DATETIME)}', '{SUITEQL_DATETIME}')")


def sql_identifier(name: str) -> SqlLiteral:
    """A column or field id such as ``custentity_acton_score``: letters, digits and underscores only."""
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise ValueError(f"not a SuiteQL identifier: {name!r}"[:120])
    return SqlLiteral(name.lower())


def strip_comments(template: str) -> str:
    """Drop whole-line ``--`` comments (documentation for the data team) before the query is sent."""
    return "\n".join(line for line in template.splitlines() if not line.lstrip().startswith("--")).strip()


def render(template: str, **values: SqlLiteral) -> str:
    """Fill ``$name`` placeholders with validated literals; a missing value or a raw string is an error."""
    for name, value in values.items():
        if not isinstance(value, SqlLiteral):
            raise TypeError(f"placeholder ${name} needs a validated SqlLiteral, got {type(value).__name__}")
    try:
        return string.Template(strip_comments(template)).substitute({k: v.text for k, v in values.items()})
    except KeyError as exc:
        raise ValueError(f"SuiteQL template needs a value for ${exc.args[0]}") from None
    except ValueError as exc:
        raise ValueError(f"SuiteQL template has an invalid placeholder: {exc}") from None


# --- time zones -------------------------------------------------------------------------------------


def watermark_literal(modified_since: datetime | None, tz: ZoneInfo) -> SqlLiteral:
    """The lower bound on lastmodifieddate, in the account time zone, widened by :data:`DST_SAFETY_MARGIN`.

    Wider is safe (rows before ``modified_since`` are dropped after conversion); narrower would lose rows.
    """
    if modified_since is None:
        return sql_timestamp(EPOCH_FLOOR)
    if modified_since.tzinfo is None or modified_since.utcoffset() is None:
        raise ValueError("modified_since must be timezone-aware (UTC)")
    local = modified_since.astimezone(tz).replace(tzinfo=None, microsecond=0)
    return sql_timestamp(local - DST_SAFETY_MARGIN)


def account_local_to_utc(values: Sequence[str | None], tz: ZoneInfo) -> pd.Series:
    """TO_CHAR strings in the account time zone → datetime64[ns, UTC].

    An ambiguous fall-back time is read as standard time (the later instant), so a row is never judged
    older than it may be; times in a spring-forward gap cannot come from a clock and are shifted forward.
    """
    naive = pd.to_datetime(pd.Series(values, dtype=object), format=_PY_DATETIME)
    local = naive.dt.tz_localize(tz, ambiguous=np.zeros(len(naive), dtype=bool), nonexistent="shift_forward")
    return local.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
