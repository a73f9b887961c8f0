"""Read and write the CSV files of uploads, downloads and rejected rows.

Uploads are parsed by the ``csv`` module straight from a temporary file: quoted fields with separators,
quotes and newlines work, UTF-8 with or without a BOM is accepted, and memory stays flat whatever the size.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from sandbox.acton.errors import BadParameterError

csv.field_size_limit(sys.maxsize)

SEPARATORS = {"COMMA": ",", "TAB": "\t", "SEMICOLON": ";", "PIPE": "|", "": ","}
QUOTES = {"DOUBLE_QUOTE": '"', "SINGLE_QUOTE": "'", "NONE": "", "": '"'}


@dataclass(frozen=True)
class CsvFormat:
    """How an upload is laid out, from the multipart fields ``fieldseparator`` and ``quotecharacter``."""

    separator: str = ","
    quote: str = '"'
    headings: bool = True

    @classmethod
    def from_form(cls, separator: str | None, quote: str | None, headings: str | None) -> CsvFormat:
        sep = _choice(SEPARATORS, separator, "fieldseparator")
        quo = _choice(QUOTES, quote, "quotecharacter")
        return cls(sep, quo, (headings or "Y").strip().upper() not in {"N", "NO", "FALSE", "0"})

    def reader_args(self) -> dict[str, object]:
        if not self.quote:
            return {"delimiter": self.separator, "quoting": csv.QUOTE_NONE}
        return {"delimiter": self.separator, "quotechar": self.quote, "doublequote": True}


def _choice(names: dict[str, str], value: str | None, field: str) -> str:
    """Accept Act-On's names (COMMA, DOUBLE_QUOTE...) and the literal character."""
    raw = (value or "").strip()
    if raw.upper() in names:
        return names[raw.upper()]
    if len(raw) == 1:
        return raw
    raise BadParameterError(f"Invalid {field}: {value!r}")


@contextmanager
def open_rows(path: str, fmt: CsvFormat) -> Iterator[Iterator[list[str]]]:
    """Rows of the file at ``path`` (including the heading row), blank lines skipped."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle, **fmt.reader_args())  # type: ignore[arg-type]
        yield (row for row in reader if row)


def read_headings(path: str, fmt: CsvFormat) -> list[str]:
    """The first row of the file, trimmed; empty if the file has no rows."""
    with open_rows(path, fmt) as rows:
        first = next(rows, [])
    return [cell.strip() for cell in first]


def write_csv(handle: IO[str], headers: list[str], rows: Iterable[list[str]]) -> None:
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)


def to_csv_text(headers: list[str], rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    write_csv(buffer, headers, rows)
    return buffer.getvalue()
