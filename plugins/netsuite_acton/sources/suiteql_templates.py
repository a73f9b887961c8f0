"""The SuiteQL templates the data team may adjust (``include/suiteql``), read by name and never by path."""

from __future__ import annotations

import os
import re
from pathlib import Path

from netsuite_acton.errors import PermanentSyncError
from netsuite_acton.hooks.netsuite.suiteql import sql_identifier, strip_comments


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


class TemplateColumnsError(PermanentSyncError, ValueError):
    """The field mapping names a column the contacts query does not return: fix the mapping or the query."""


def output_columns(name: str, directory: str | Path | None = None) -> list[str]:
    """The column names a template's SELECT returns (aliases, else column names), lower case, in order.

    Read from the SQL itself (sqlglot, Oracle dialect) with every ``$placeholder`` standing in as ``0``, so
    it needs no NetSuite call and no data: a column that is NULL on every row still counts.
    """
    import sqlglot

    sql = re.sub(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?", "0", strip_comments(load_template(name, directory)))
    try:
        tree = sqlglot.parse_one(sql, read="oracle")
    except sqlglot.errors.ParseError as exc:
        raise TemplateColumnsError(f"include/suiteql/{name}.sql does not parse: {exc}") from None
    return [select.alias_or_name.lower() for select in tree.selects]


def check_output_columns(
    mapped: dict[str, str], templates: tuple[str, ...], directory: str | Path | None = None
) -> None:
    """Fail, naming each heading and column, when a mapped column is missing from a template's output.

    ``mapped`` is heading -> column (``forward.mapping``); ``stage`` comes from ``searchstage``. The
    templates must also return the same columns (one re-reads what the other reads).
    """
    problems = []
    outputs = {name: output_columns(name, directory) for name in templates}
    first = templates[0]
    for name in templates[1:]:
        if set(outputs[name]) != set(outputs[first]):
            only = sorted(set(outputs[first]) ^ set(outputs[name]))
            problems.append(
                f"include/suiteql/{first}.sql and {name}.sql must return the same columns; "
                f"only one of them returns {only}"
            )
    for name in templates:
        available = set(outputs[name]) | {"stage"}
        for heading, column in mapped.items():
            if column not in available:
                problems.append(
                    f"forward.mapping.{heading!r}: column {column!r} is not returned by "
                    f"include/suiteql/{name}.sql (add it to the SELECT list, e.g. 'c.{column}', or fix the "
                    "field id)"
                )
    if problems:
        raise TemplateColumnsError("; ".join(problems))
