"""CSV files for Act-On uploads: safe quoting, formula neutralisation, and splitting by size.

Why a module of its own: the bytes Act-On receives decide what marketers open in a spreadsheet later
(CSV injection) and whether an upload is accepted at all (size limit), so this is kept small, pure and
tested apart from the transport.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator, Sequence
from typing import IO

import pandas as pd

from netsuite_acton.csv_safety import neutralise_csv_injection

_ENCODING = "utf-8"


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix ``'`` to text cells that a spreadsheet would run as a formula.

    The same rule as the sync step (``csv_safety.neutralise_csv_injection``: idempotent, phone-shaped
    numbers left alone), applied again here so the hook is safe for any caller. Numeric columns are not
    text and are left alone.
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
            neutralised, changed = neutralise_csv_injection(values)
            if changed.any():
                out[column] = neutralised
    return out


def csv_bytes(frame: pd.DataFrame, header: bool) -> bytes:
    """One block of CSV: every field quoted, UTF-8, ``\\n`` line ends, empty string for missing values."""
    text = frame.to_csv(index=False, header=header, quoting=csv.QUOTE_ALL, lineterminator="\n", na_rep="")
    return text.encode(_ENCODING)


def header_csv(headings: Sequence[str]) -> bytes:
    """A header-only CSV (what list creation uploads)."""
    return csv_bytes(pd.DataFrame(columns=list(headings)), header=True)


def split_csv(
    frame: pd.DataFrame, max_bytes: int, rows_per_block: int = 20_000, columns: Sequence[str] | None = None
) -> Iterator[tuple[IO[bytes], int]]:
    """Yield ``(file, rows)`` CSV parts, each with the header and at most ``max_bytes`` long.

    ``columns`` reorders the frame's columns and adds the missing ones as empty cells, block by block
    (no copy of the whole frame).

    The frame is encoded a block of rows at a time and parts are written to temporary files, so memory
    stays flat whatever the row count. A part is closed when the next block would not fit; a block
    larger than the limit on its own is halved until it fits (a single row over the limit is an error).
    Each yielded file is positioned at 0 and closed once the consumer asks for the next part.
    """
    columns = list(columns) if columns is not None else list(frame.columns)
    header = header_csv(columns)
    if len(header) >= max_bytes:
        raise ValueError(f"the CSV header alone is {len(header)} bytes, over the {max_bytes}-byte limit")
    part: _Part | None = None
    for block, rows in _blocks(frame, columns, max_bytes - len(header), rows_per_block):
        if part is not None and part.size + len(block) > max_bytes:
            yield part.finish()
            part.file.close()
            part = None
        if part is None:
            part = _Part(header)
        part.add(block, rows)
    if part is not None and part.rows:
        yield part.finish()
        part.file.close()


def _blocks(
    frame: pd.DataFrame, columns: list[str], budget: int, rows_per_block: int
) -> Iterator[tuple[bytes, int]]:
    """CSV blocks of at most ``budget`` bytes each, halving the block when a block is too big."""
    start = 0
    step = max(1, rows_per_block)
    while start < len(frame):
        chunk = frame.iloc[start : start + step]
        if list(chunk.columns) != columns:
            chunk = chunk.reindex(columns=columns, fill_value="")
        block = csv_bytes(neutralise_formulas(chunk), header=False)
        if len(block) > budget:
            if step == 1:
                raise ValueError(f"row {start} alone is {len(block)} bytes, over the upload limit")
            step = max(1, step // 2)
            continue
        yield block, len(chunk)
        start += len(chunk)


class _Part:
    """One upload file being filled: header first, then whole blocks of rows."""

    def __init__(self, header: bytes) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by split_csv
        self.file.write(header)
        self.size = len(header)
        self.rows = 0

    def add(self, block: bytes, rows: int) -> None:
        self.file.write(block)
        self.size += len(block)
        self.rows += rows

    def finish(self) -> tuple[IO[bytes], int]:
        self.file.flush()
        self.file.seek(0)
        return self.file, self.rows
