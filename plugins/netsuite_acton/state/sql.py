"""SQL helpers every state table uses: UTC datetimes, chunked key lists, dialect-neutral upserts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

CHUNK = 5000


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; everything here is UTC. A missing time (None, NaT) is None."""
    if value is None or value != value:  # NaT is the one datetime unequal to itself
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def now() -> datetime:
    """The current time, UTC-aware: what every stamp column holds."""
    return datetime.now(UTC)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """Slices of ``items``: IN lists stay below every database's parameter limit."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert(conn: Connection, table: sa.Table) -> Any:
    """The dialect's INSERT, with ``on_conflict_do_update`` (PostgreSQL and SQLite alike)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def upsert(conn: Connection, table: sa.Table, rows: list[dict[str, Any]], keys: Sequence[str]) -> None:
    """INSERT ... ON CONFLICT DO UPDATE, compiled once and executed with batches of parameter sets.

    (A multi-VALUES statement per batch would be compiled again for every batch: most of the cost.)
    """
    if not rows:
        return
    stmt = insert(conn, table)
    columns = set(rows[0])
    updates = {name: stmt.excluded[name] for name in columns if name not in keys}
    stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=updates)
    for chunk in chunks(rows, 10_000):
        conn.execute(stmt, list(chunk))


def select_in(
    engine: Any, columns: Sequence[sa.ColumnElement[Any]], key: sa.Column, keys: Iterable[Any], *where: Any
) -> list[dict[str, Any]]:
    """Rows (``columns``, as dicts) whose ``key`` is one of ``keys`` (and that match ``where``), read a
    :data:`CHUNK` of keys at a time so no IN list passes a database's parameter limit."""
    wanted = [k for k in dict.fromkeys(keys) if k is not None]
    out: list[dict[str, Any]] = []
    with engine.connect() as conn:
        for chunk in chunks(wanted):
            result = conn.execute(sa.select(*columns).where(key.in_(list(chunk)), *where))
            out.extend(dict(row._mapping) for row in result)
    return out
