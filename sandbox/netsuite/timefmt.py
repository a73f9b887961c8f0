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
_STRFTIME_PART = re.compile(r"%.|[^%]+", re.S)
# codes that depend on the local date only, and on the local time of day only (%f: 0 for integers)
_DATE_CODES = frozenset(["%Y", "%y", "%m", "%d", "%j", "%b", "%B", "%a", "%A"])
_TIME_CODES = frozenset(["%H", "%M", "%S", "%I", "%p", "%f"])
# strftime patterns SQLite's strftime() renders exactly as Python does (SQLite 3.40 has no %I/%p/%b...;
# its %f is "SS.SSS"), for local years 1900..2999 where both write %Y with four digits.
SQLITE_STRFTIME = re.compile(r"(?:[^%]|%[YmdHMSj%])*")
SQLITE_EPOCH_RANGE = (-2_208_988_800 + 2 * 86_400, 32_503_680_000 - 2 * 86_400)
_HOUR = 3600
_DAY = 86_400
_CACHE_CAP = 1_000_000


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


_UNSET = object()


def _date_time_split(pyfmt: str) -> tuple[str, str, dict[int, str], dict[int, str]] | None:
    """Split a strftime pattern into (date codes and text, time codes and text), or None if it mixes them.

    strftime renders code by code, so ``strftime(date part) + strftime(time part)`` is ``strftime(all)``.
    """
    parts = _STRFTIME_PART.findall(pyfmt)
    if "".join(parts) != pyfmt:
        return None
    codes = [p for p in parts if p.startswith("%") and p != "%%"]
    if any(code not in _DATE_CODES and code not in _TIME_CODES for code in codes):
        return None
    first_time = next((i for i, p in enumerate(parts) if p in _TIME_CODES), len(parts))
    if any(p in _DATE_CODES for p in parts[first_time:]):
        return None
    return "".join(parts[:first_time]), "".join(parts[first_time:]), {}, {}


class AccountClock:
    """Conversions between stored UTC epoch seconds and what the account's user sees."""

    def __init__(self, timezone: str, date_format: str) -> None:
        if date_format not in DATE_FORMATS:
            raise ValueError(f"date format must be one of {', '.join(DATE_FORMATS)}")
        self.tz = ZoneInfo(timezone)
        self.date_format = date_format
        self._tokens = self._split(date_format)
        self._pref_regex = re.compile("^" + "".join(self._token_regex(t) for t in self._tokens) + "$")
        self._hour_offsets: dict[int, int] = {}  # epoch // 3600 -> UTC offset, for hours without a change
        self._changing_hours: set[int] = set()  # hours (epoch // 3600) that hold or end at an offset change
        self._display_days: dict[int, str] = {}  # local day number -> display_date text
        # strftime pattern -> (date part, time part, local day -> text, local second of day -> text), or None
        self._to_char_parts: dict[str, tuple[str, str, dict[int, str], dict[int, str]] | None] = {}

    # ---- UTC offset (fast paths) ---------------------------------------------------------------------------
    def utc_offset(self, epoch: int) -> int:
        """Seconds east of UTC at the instant ``epoch`` (integer), exactly as ``fromtimestamp`` applies it.

        Cached per UTC hour, filled a UTC day at a time: an hour is cached when the offsets at its start
        and at the next hour's start agree (an offset changes at most once within an hour, in any zone);
        the hour before a change, or holding one, is computed exactly on every call.
        """
        hour = epoch // _HOUR
        cached = self._hour_offsets.get(hour)
        if cached is not None:
            return cached
        if hour not in self._changing_hours:
            self._fill_day(hour // 24 * 24)
            cached = self._hour_offsets.get(hour)
            if cached is not None:
                return cached
        return self._offset_at(epoch)

    def utc_offset_or_null(self, epoch: object) -> int | None:
        """:meth:`utc_offset` for an integer in :data:`SQLITE_EPOCH_RANGE`, else None (never raises)."""
        low, high = SQLITE_EPOCH_RANGE
        if type(epoch) is not int or not low <= epoch <= high:
            return None
        try:
            return self.utc_offset(epoch)
        except (OverflowError, OSError, ValueError):
            return None

    def _fill_day(self, first_hour: int) -> None:
        if len(self._hour_offsets) >= _CACHE_CAP:
            self._hour_offsets.clear()
            self._changing_hours.clear()
        offsets = [self._offset_at((first_hour + k) * _HOUR) for k in range(25)]
        for k in range(24):
            if offsets[k] == offsets[k + 1]:
                self._hour_offsets[first_hour + k] = offsets[k]
            else:
                self._changing_hours.add(first_hour + k)

    def _offset_at(self, epoch: int) -> int:
        offset = datetime.fromtimestamp(epoch, self.tz).utcoffset()
        assert offset is not None
        return int(offset.total_seconds())

    # ---- SuiteQL side (local time) -------------------------------------------------------------------------
    def to_char(self, epoch: int | float | None, pyfmt: str) -> str | None:
        """``TO_CHAR(datetime, format)``: local time in a strftime pattern (the SQL function ``ns_to_char``).

        Fast path for an integer and a pattern of date codes then time codes (``%Y-%m-%d %H:%M:%S``):
        the date part cached per local day, the time part per local second of the day, each rendered
        by :meth:`to_char_slow` the first time, so the text is the same.
        """
        if type(epoch) is int:
            parts = self._to_char_parts.get(pyfmt, _UNSET)
            if parts is _UNSET:
                parts = self._to_char_parts[pyfmt] = _date_time_split(pyfmt)
            if parts is not None:
                date_fmt, time_fmt, days, seconds = parts  # type: ignore[misc]
                day, second = divmod(epoch + self.utc_offset(epoch), _DAY)
                date_text = days.get(day)
                if date_text is None:
                    date_text = self._cache_part(days, day, epoch, date_fmt)
                time_text = seconds.get(second)
                if time_text is None:
                    time_text = self._cache_part(seconds, second, epoch, time_fmt)
                return date_text + time_text
        return self.to_char_slow(epoch, pyfmt)

    def to_char_slow(self, epoch: int | float | None, pyfmt: str) -> str | None:
        if epoch is None:
            return None
        return datetime.fromtimestamp(epoch, self.tz).strftime(pyfmt)

    def _cache_part(self, cache: dict[int, str], key: int, epoch: int, pyfmt: str) -> str:
        text = self.to_char_slow(epoch, pyfmt) if pyfmt else ""
        assert text is not None
        if len(cache) >= _CACHE_CAP:
            cache.clear()
        cache[key] = text
        return text

    def display_date(self, epoch: int | float | None) -> str | None:
        """A datetime read without TO_CHAR: date only, local, in the date-format preference.

        Integers take a cached text per local day (same result as :meth:`display_date_slow`).
        """
        if type(epoch) is not int:
            return self.display_date_slow(epoch)
        day = (epoch + self.utc_offset(epoch)) // _DAY
        text = self._display_days.get(day)
        if text is None:
            text = self.display_date_slow(epoch)
            assert text is not None
            if len(self._display_days) >= _CACHE_CAP:
                self._display_days.clear()
            self._display_days[day] = text
        return text

    def display_date_slow(self, epoch: int | float | None) -> str | None:
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
