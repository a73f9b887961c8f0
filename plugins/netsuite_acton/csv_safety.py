"""The CSV-injection rule, in one place for every layer that writes a cell a spreadsheet may open.

The transform step applies it to every mapped heading (and counts what it changed); the Act-On hook
applies it again to whatever frame it uploads, so no caller can forget it. A leaf module (pandas only),
like ``errors``, so both layers can import it without importing each other.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

#: First characters that make Excel, LibreOffice or Sheets evaluate a cell as a formula (OWASP).
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
#: Phone-shaped text: "+", an ASCII digit, then only digits, spaces, brackets, dots and hyphens (E.164, or a
#: number kept as typed such as "+1 (415) 555-0100"). A spreadsheet may do arithmetic on it, but without a
#: letter there is no function name or cell reference (``x123``), so nothing can run or leak; prefixing
#: ``'`` would corrupt every such phone. A leading "-" or "=" is never exempt.
_PHONE_SHAPED: Final = r"\+[0-9][0-9 ().-]*"


def neutralise_csv_injection(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(cells with a leading ``'`` where a spreadsheet would run a formula, mask of changed cells).

    Idempotent: a neutralised cell starts with ``'`` and is never prefixed again. Phone-shaped text (E.164
    or a number kept as typed, see ``_PHONE_SHAPED``) is left alone: without letters it cannot execute.
    """
    text = values.astype("str")  # missing stays missing, not the text "None"
    risky = text.str.startswith(FORMULA_START).fillna(False).astype(bool)
    risky &= ~text.str.fullmatch(_PHONE_SHAPED).fillna(False).astype(bool)
    return text.mask(risky, "'" + text), risky
