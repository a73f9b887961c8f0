"""The state store: one small API over SQLite (default) or PostgreSQL (production).

Every write is an upsert keyed by the natural key, so a task that is cleared and rerun converges to the
state one clean run would leave. Large key sets are read in chunks so memory stays flat.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from netsuite_acton.state import schema
from netsuite_acton.state.consent import ConsentMemory
from netsuite_acton.state.membership import ListMembership, backfill_members
from netsuite_acton.state.sql import chunks, insert, now, select_in, upsert, utc

DEFAULT_CONN_ID = "netsuite_acton_state"
_ENGINES: dict[str, Engine] = {}


def default_sqlite_url() -> str:
    """A SQLite file beside Airflow's own files, so the embedded default needs no setup."""
    home = os.environ.get("AIRFLOW_HOME") or os.path.expanduser("~/airflow")
    return f"sqlite:///{os.path.join(home, 'netsuite_acton_state.db')}"


def url_from_connection(conn: Any) -> str:
    """SQLAlchemy URL from an Airflow connection: ``postgres``/``sqlite`` type or extra ``sqlalchemy_url``."""
    extra = conn.extra_dejson or {}
    if extra.get("sqlalchemy_url"):
        return str(extra["sqlalchemy_url"])
    if conn.conn_type in ("postgres", "postgresql"):
        url = sa.engine.URL.create(
            "postgresql+psycopg2",
            username=conn.login or None,
            password=conn.password or None,
            host=conn.host or None,
            port=conn.port or None,
            database=conn.schema or None,
        )
        return url.render_as_string(hide_password=False)
    if conn.conn_type == "sqlite":
        return f"sqlite:///{conn.host}"
    raise ValueError(
        f"State connection type {conn.conn_type!r} is not supported: use postgres or sqlite, "
        "or set extra.sqlalchemy_url"
    )


def _engine(url: str) -> Engine:
    """One engine per URL per process; SQLite waits on locks instead of failing at once."""
    engine = _ENGINES.get(url)
    if engine is None:
        if url.startswith("sqlite"):
            engine = sa.create_engine(url, connect_args={"timeout": 60}, poolclass=sa.pool.NullPool)
        else:
            engine = sa.create_engine(url, pool_pre_ping=True)
        schema.metadata.create_all(engine)
        for table in schema.metadata.sorted_tables:  # indexes added since a table was first created
            for index in table.indexes:
                index.create(engine, checkfirst=True)
        with engine.begin() as conn:
            backfill_members(conn)
        _ENGINES[url] = engine
    return engine


@dataclass
class TokenSlot:
    """The token row, read under its write lock. ``store`` writes inside the same transaction."""

    name: str
    access_token: str | None = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime | None
    _conn: Connection = field(repr=False)

    def store(self, access_token: str | None, refresh_token: str | None, expires_at: datetime | None) -> None:
        self._conn.execute(
            sa.update(schema.api_tokens)
            .where(schema.api_tokens.c.name == self.name)
            .values(
                access_token=access_token,
                refresh_token=refresh_token,
                expires_at=expires_at,
                updated_at=now(),
            )
        )
        self.access_token, self.refresh_token, self.expires_at = access_token, refresh_token, expires_at


class StateStore(ListMembership, ConsentMemory):
    """Watermarks, loaded-row hashes, list membership, contact links, pushed values, the token cache."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_sqlite_url()
        self.engine = _engine(self.url)

    @classmethod
    def from_airflow(cls, conn_id: str = DEFAULT_CONN_ID) -> StateStore:
        """The store named by an Airflow connection; the SQLite default when the connection does not exist."""
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException

        try:
            conn = BaseHook.get_connection(conn_id)
        except AirflowNotFoundException:  # what the Task SDK raises, in a task and in a plain process
            return cls()
        return cls(url_from_connection(conn))

    # -- watermarks ---------------------------------------------------------------------------------
    def get_watermark(self, name: str) -> datetime | None:
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(schema.watermarks.c.value).where(schema.watermarks.c.name == name)
            ).scalar_one_or_none()
        return utc(value)

    def set_watermark(self, name: str, value: datetime, run_id: str | None = None) -> bool:
        """Raise the mark to ``value``; it never moves backwards. True when it moved.

        One statement (an upsert whose update only applies to a lower value), so two writers at once (a
        late rerun of an old run, a backfill) can never rewind it between a read and a write.
        """
        table = schema.watermarks
        value = utc(value)  # SQLite compares the stored text: every mark must be in UTC
        with self.engine.begin() as conn:
            stmt = insert(conn, table).values(name=name, value=value, updated_at=now(), run_id=run_id)
            stmt = stmt.on_conflict_do_update(
                index_elements=[table.c.name],
                set_={
                    "value": stmt.excluded.value,
                    "updated_at": stmt.excluded.updated_at,
                    "run_id": stmt.excluded.run_id,
                },
                where=table.c.value < stmt.excluded.value,
            )
            return conn.execute(stmt).rowcount > 0

    # -- forward: what was loaded -------------------------------------------------------------------
    def loaded_hashes(self, emails: Iterable[str]) -> dict[str, str]:
        """email -> hash of the row last merged into Act-On, for the emails asked about."""
        keys = list(dict.fromkeys(emails))
        table = schema.loaded_rows
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(keys):
                rows = conn.execute(
                    sa.select(table.c.email, table.c.row_hash).where(table.c.email.in_(chunk))
                )
                found.update({email: row_hash for email, row_hash in rows})
        return found

    def record_loaded(self, rows: Iterable[dict[str, Any]], run_id: str | None = None) -> int:
        """Upsert ``{email, list_name, row_hash, netsuite_id}`` rows after a successful merge."""
        return self._record(schema.loaded_rows, rows, ["email"], "loaded_at", run_id)

    def record_links(self, rows: Iterable[dict[str, Any]]) -> int:
        """Upsert ``{netsuite_id, email, company_id, company_stage}`` links, duplicates included."""
        stamp = now()
        payload = [{**row, "updated_at": stamp} for row in rows]
        with self.engine.begin() as conn:
            upsert(conn, schema.contact_links, payload, ["netsuite_id"])
        return len(payload)

    # -- reverse: links and pushed values -----------------------------------------------------------
    def links_for_emails(self, emails: Iterable[str]) -> list[dict[str, Any]]:
        """Every NetSuite contact linked to each email asked about."""
        return self._links(schema.contact_links.c.email, emails)

    def pushed(self, record_type: str, field_id: str, record_ids: Iterable[str]) -> dict[str, float | None]:
        """record id -> the value last written into ``field_id`` of that record."""
        keys = list(dict.fromkeys(record_ids))
        table = schema.pushed_values
        found: dict[str, float | None] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(keys):
                rows = conn.execute(
                    sa.select(table.c.record_id, table.c.value).where(
                        table.c.record_type == record_type,
                        table.c.field_id == field_id,
                        table.c.record_id.in_(chunk),
                    )
                )
                found.update({record_id: value for record_id, value in rows})
        return found

    def record_pushed(self, rows: Iterable[dict[str, Any]], run_id: str | None = None) -> int:
        """Upsert ``{record_type, record_id, field_id, value}`` after NetSuite accepted the write."""
        keys = ["record_type", "record_id", "field_id"]
        return self._record(schema.pushed_values, rows, keys, "pushed_at", run_id)

    def pushed_fields(self, keys: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], str | None]:
        """(record_type, record_id, field_id) -> the text last written there from an Act-On field."""
        table = schema.pushed_fields
        wanted = list(dict.fromkeys(keys))
        found: dict[tuple[str, str, str], str | None] = {}
        for record_type, field_id in sorted({(k[0], k[2]) for k in wanted}):
            ids = [k[1] for k in wanted if k[0] == record_type and k[2] == field_id]
            rows = select_in(
                self.engine,
                [table.c.record_id, table.c.value],
                table.c.record_id,
                ids,
                table.c.record_type == record_type,
                table.c.field_id == field_id,
            )
            found.update({(record_type, row["record_id"], field_id): row["value"] for row in rows})
        return found

    def record_pushed_fields(self, rows: Iterable[dict[str, Any]], run_id: str | None = None) -> int:
        """Upsert ``{record_type, record_id, field_id, value}`` (text) after NetSuite accepted the write."""
        keys = ["record_type", "record_id", "field_id"]
        return self._record(schema.pushed_fields, rows, keys, "pushed_at", run_id)

    def _record(
        self,
        table: sa.Table,
        rows: Iterable[dict[str, Any]],
        keys: Sequence[str],
        stamp: str,
        run_id: str | None,
    ) -> int:
        """Upsert ``rows`` stamped with the time (column ``stamp``) and the run; how many were written."""
        when = now()
        payload = [{**row, stamp: when, "run_id": run_id} for row in rows]
        with self.engine.begin() as conn:
            upsert(conn, table, payload, keys)
        return len(payload)

    # -- token cache --------------------------------------------------------------------------------
    @contextmanager
    def locked_token(self, name: str) -> Iterator[TokenSlot]:
        """Hold the write lock on token ``name`` for the ``with`` block (every worker, every process).

        The first statement is an UPDATE: on PostgreSQL it takes the row lock, on SQLite the database
        write lock, so two workers can never spend the same single-use refresh token.
        """
        table = schema.api_tokens
        with self.engine.begin() as conn:
            exists = conn.execute(sa.select(table.c.name).where(table.c.name == name)).first()
            if exists is None:
                conn.execute(insert(conn, table).values(name=name, lock_version=0).on_conflict_do_nothing())
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(table).where(table.c.name == name).values(lock_version=table.c.lock_version + 1)
            )
            row = conn.execute(sa.select(table).where(table.c.name == name)).one()
            yield TokenSlot(name, row.access_token, row.refresh_token, utc(row.expires_at), conn)

    def peek_token(self, name: str) -> tuple[str | None, datetime | None]:
        """The cached access token and its expiry, without the lock (the fast path)."""
        table = schema.api_tokens
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(table.c.access_token, table.c.expires_at).where(table.c.name == name)
            ).first()
        if row is None:
            return None, None
        return row.access_token, utc(row.expires_at)
