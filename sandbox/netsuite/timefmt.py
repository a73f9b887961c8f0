"""Time as a NetSuite account shows it: UTC inside, the account's time zone and date preference outside.

SuiteQL reads and writes timestamps in the query user's time zone (``TO_TIMESTAMP`` literals are local,
``TO_CHAR`` renders local), and a datetime read without ``TO_CHAR`` comes back date-only in the user's
date-format preference (``3/2/2020`` on a US account). The record API speaks ISO-8601 UTC.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

DATE_FORMATS = (
    "M/D/YYYY",
    "MM/DD/YYYY",
    "D/M/YYYY",
    "DD/MM/YYYY",
    "YYYY/MM/DD",
    "YYYY-MM-DD",
    "D.M.YYYY",
    "DD.MM.YYYY",
    "DD-Mon-YYYY",
    "D-Mon-YYYY",
)
_PREF_TOKEN = re.compile(r"YYYY|Mon|MM|DD|M|D")
_ORACLE_TOKEN = re.compile(
    r'"[^"]*"|YYYY|YY|MONTH|MON|MM|DDD|DD|DY|DAY|HH24|HH12|HH|MI|SS|A\.M\.|P\.M\.|AM|PM|FF[1-9]?',
    re.IGNORECASE,
)
_ORACLE_MAP = {
    "YYYY": "%Y",
    "YY": "%y",
    "MONTH": "%B",
    "MON": "%b",
    "MM": "%m",
    "DDD": "%j",
    "DD": "%d",
    "DY": "%a",
    "DAY": "%A",
    "HH24": "%H",
    "HH12": "%I",
    "HH": "%I",
    "MI": "%M",
    "SS": "%S",
    "A.M.": "%p",
    "P.M.": "%p",
    "AM": "%p",
    "PM": "%p",
}
_MONTHS = [calendar.month_abbr[i] for i in range(13)]


def oracle_to_strftime(fmt: str) -> str:
    """Translate an Oracle datetime format model (``YYYY-MM-DD HH24:MI:SS``) into a strftime pattern."""
    out: list[str] = []
    pos = 0
    for match in _ORACLE_TOKEN.finditer(fmt):
        out.append(fmt[pos : match.start()].replace("%", "%%"))
        token = match.group(0)
        if token.startswith('"'):
            out.append(token[1:-1].replace("%", "%%"))
        elif token.upper().startswith("FF"):
            out.append("%f")
        else:
            out.append(_ORACLE_MAP[token.upper()])
        pos = match.end()
    out.append(fmt[pos:].replace("%", "%%"))
    return "".join(out)


class AccountClock:
    """Conversions between stored UTC epoch seconds and what the account's user sees."""

    def __init__(self, timezone: str, date_format: str) -> None:
        if date_format not in DATE_FORMATS:
            raise ValueError(f"date format must be one of {', '.join(DATE_FORMATS)}")
        self.tz = ZoneInfo(timezone)
        self.date_format = date_format
        self._tokens = self._split(date_format)
        self._pref_regex = re.compile("^" + "".join(self._token_regex(t) for t in self._tokens) + "$")

    # ---- SuiteQL side (local time) -------------------------------------------------------------------------
    def to_char(self, epoch: int | float | None, pyfmt: str) -> str | None:
        if epoch is None:
            return None
        return datetime.fromtimestamp(epoch, self.tz).strftime(pyfmt)

    def display_date(self, epoch: int | float | None) -> str | None:
        """A datetime read without TO_CHAR: date only, local, in the date-format preference."""
        if epoch is None:
            return None
        day = datetime.fromtimestamp(epoch, self.tz)
        return "".join(self._render(t, day) for t in self._tokens)

    def parse_local(self, text: str, pyfmt: str | None = None) -> int:
        """``TO_TIMESTAMP``/``TO_DATE``: local wall-clock text -> UTC epoch. No format: date preference."""
        text = text.strip()
        if pyfmt is None:
            return self.local_midnight(self.parse_pref_date(text))
        try:
            naive = datetime.strptime(text, pyfmt)
        except ValueError as exc:
            raise ValueError(f"'{text}' does not match the date format") from exc
        return int(naive.replace(tzinfo=self.tz).timestamp())

    def parse_pref_date(self, text: str) -> date:
        """A bare date in the account's date preference (also accepts ISO ``YYYY-MM-DD``)."""
        text = text.strip()
        match = self._pref_regex.match(text)
        if match:
            parts = match.groupdict()
            month = parts.get("M") or parts.get("MM") or str(_MONTHS.index(parts.get("Mon", "").title()))
            return date(int(parts["YYYY"]), int(month), int(parts.get("D") or parts.get("DD") or 0))
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(f"'{text}' is not a date in the format {self.date_format}") from exc

    def local_midnight(self, day: date) -> int:
        return int(datetime.combine(day, time(0), tzinfo=self.tz).timestamp())

    def today_midnight(self) -> int:
        return self.local_midnight(datetime.now(self.tz).date())

    # ---- record and admin API side (UTC) -------------------------------------------------------------------
    @staticmethod
    def iso_utc(epoch: int | float | None) -> str | None:
        if epoch is None:
            return None
        return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    @staticmethod
    def parse_iso(text: str) -> int:
        """ISO-8601; a value without an offset is UTC."""
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp())

    # ---- helpers -------------------------------------------------------------------------------------------
    @staticmethod
    def _split(fmt: str) -> list[str]:
        tokens: list[str] = []
        pos = 0
        for match in _PREF_TOKEN.finditer(fmt):
            if match.start() > pos:
                tokens.append(fmt[pos : match.start()])
            tokens.append("{" + match.group(0) + "}")
            pos = match.end()
        if pos < len(fmt):
            tokens.append(fmt[pos:])
        return tokens

    @staticmethod
    def _render(token: str, day: datetime) -> str:
        if not token.startswith("{"):
            return token
        name = token[1:-1]
        return {
            "YYYY": f"{day.year:04d}",
            "MM": f"{day.month:02d}",
            "M": str(day.month),
            "DD": f"{day.day:02d}",
            "D": str(day.day),
            "Mon": _MONTHS[day.month],
        }[name]

    @staticmethod
    def _token_regex(token: str) -> str:
        if not token.startswith("{"):
            return re.escape(token)
        name = token[1:-1]
        return {
            "YYYY": r"(?P<YYYY>\d{4})",
            "MM": r"(?P<MM>\d{1,2})",
            "M": r"(?P<M>\d{1,2})",
            "DD": r"(?P<DD>\d{1,2})",
            "D": r"(?P<D>\d{1,2})",
            "Mon": r"(?P<Mon>[A-Za-z]{3})",
        }[name]
