"""The empty frame of a step's columns: what a step writes when it has no rows, so readers always find
the columns they expect (an empty Parquet chunk keeps its schema)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def empty_frame(columns: Iterable[str]) -> pd.DataFrame:
    """No rows, the given columns, each of dtype object."""
    return pd.DataFrame({name: pd.Series(dtype=object) for name in columns})
