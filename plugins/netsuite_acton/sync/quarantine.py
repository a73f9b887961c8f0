"""Quarantine bookkeeping shared by validation and cleaning: reasons per row, split, counts.

One representation everywhere: a ``reasons`` column of reason codes joined by ``"; "`` in a fixed order,
so a quarantine file from the GX step and one from the cleaning step concatenate into one report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from netsuite_acton.sync.contract import REASONS

SEPARATOR = "; "


def join_reasons(index: pd.Index, failures: Iterable[tuple[str, pd.Series]]) -> pd.Series:
    """Per row, the codes whose mask is True, joined in the order given ("" when none failed).

    Vectorised: one string concatenation per reason, not per row.
    """
    reasons = pd.Series("", index=index, dtype="str")
    for code, mask in failures:
        hit = mask.reindex(index, fill_value=False).fillna(False).astype(bool)
        if not hit.any():
            continue
        prefix = reasons.where(reasons.eq(""), reasons + SEPARATOR)
        reasons = reasons.mask(hit, prefix + code)
    return reasons


def split_by_reasons(frame: pd.DataFrame, reasons: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows without reasons, rows with a ``reasons`` column): together exactly the input rows."""
    failed = reasons.reindex(frame.index).fillna("").ne("")
    quarantine = frame.loc[failed].copy()
    quarantine[REASONS] = reasons.loc[failed].astype("str")
    return frame.loc[~failed], quarantine


def count_reasons(reasons: pd.Series) -> dict[str, int]:
    """Rows per reason code (a row with two reasons counts once under each), sorted by code."""
    codes = reasons.dropna().astype("str")
    codes = codes[codes.ne("")].str.split(SEPARATOR).explode()
    return {str(code): int(n) for code, n in sorted(codes.value_counts().items())}


def merge_counts(*counts: Mapping[str, int]) -> dict[str, int]:
    """Add up counters (from chunks, steps or tasks), sorted by key for stable reports."""
    total: dict[str, int] = {}
    for counter in counts:
        for key, value in counter.items():
            total[key] = total.get(key, 0) + int(value)
    return dict(sorted(total.items()))
