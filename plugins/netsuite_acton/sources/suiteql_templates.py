"""The SuiteQL templates the data team may adjust (``include/suiteql``), read by name and never by path."""

from __future__ import annotations

import os
from pathlib import Path

from netsuite_acton.hooks.netsuite.suiteql import sql_identifier


def default_template_dir() -> Path:
    """``$NETSUITE_ACTON_SUITEQL_DIR``, else the repository's ``include/suiteql``."""
    configured = os.environ.get("NETSUITE_ACTON_SUITEQL_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "include" / "suiteql"


def load_template(name: str, directory: str | Path | None = None) -> str:
    """Read ``<directory>/<name>.sql`` (default :func:`default_template_dir`); ``name`` is an identifier,
    so it cannot walk out of the folder."""
    sql_identifier(name)
    path = Path(directory or default_template_dir()) / f"{name}.sql"
    return path.read_text(encoding="utf-8")
