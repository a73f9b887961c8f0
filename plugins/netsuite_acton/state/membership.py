"""Which address the sync put in which Act-On list, and the removals still owed: the mirror's memory.

``nas_list_members`` has a row per (list, address) the sync merged, with the NetSuite contact that put it
there; ``pending_reason`` marks a removal that failed and is retried by every run until it succeeds. These
rows are everything the sync may remove: an address a marketer added by hand has none, so it stays.
Mixed into :class:`~netsuite_acton.state.store.StateStore`, which provides ``engine``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from netsuite_acton.state import schema
from netsuite_acton.state.sql import chunks, now, select_in, upsert

#: The columns of a membership row, as the removal planner reads them.
MEMBER_COLUMNS = ("email", "list_name", "netsuite_id", "pending_reason")


def backfill_members(conn: Connection) -> None:
    """First use after an upgrade: every address the sync loaded before membership was kept is a member.

    ``nas_loaded_rows`` (one row per address: its last list) is all an older version knew.
    """
    members, loaded = schema.list_members, schema.loaded_rows
    if conn.execute(sa.select(members.c.email).limit(1)).first() is not None:
        return
    columns = ("list_name", "email", "netsuite_id", "updated_at", "run_id")
    select = sa.select(
        loaded.c.list_name, loaded.c.email, loaded.c.netsuite_id, loaded.c.loaded_at, loaded.c.run_id
    )
    conn.execute(sa.insert(members).from_select(list(columns), select))


class ListMembership:
    """Reads and writes of list membership; every key list is read in chunks so memory stays flat."""

    engine: Engine

    def members_by_email(self, emails: Iterable[str]) -> list[dict[str, Any]]:
        """Membership rows (``MEMBER_COLUMNS``) of the addresses asked about, in every list."""
        return self._members(schema.list_members.c.email, emails)

    def members_by_contact(self, netsuite_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Membership rows the given NetSuite contacts put in a list."""
        return self._members(schema.list_members.c.netsuite_id, netsuite_ids)

    def pending_removals(self) -> list[dict[str, Any]]:
        """Membership rows whose removal failed before and is still owed."""
        table = schema.list_members
        query = sa.select(*(table.c[n] for n in MEMBER_COLUMNS)).where(table.c.pending_reason.is_not(None))
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def iter_members(self, batch: int = 50_000) -> Iterator[list[dict[str, Any]]]:
        """Every membership row, in (list, email) order, a batch at a time (a full reconciliation)."""
        table = schema.list_members
        after = ("", "")
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    sa.select(*(table.c[n] for n in MEMBER_COLUMNS))
                    .where(sa.tuple_(table.c.list_name, table.c.email) > after)
                    .order_by(table.c.list_name, table.c.email)
                    .limit(batch)
                ).all()
            if not rows:
                return
            yield [dict(row._mapping) for row in rows]
            after = (rows[-1].list_name, rows[-1].email)

    def list_sizes(self) -> dict[str, int]:
        """Addresses the sync put in each list: the denominator of the removal safety valve."""
        table = schema.list_members
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(table.c.list_name, sa.func.count()).group_by(table.c.list_name))
            return {name: int(count) for name, count in rows}

    def record_members(self, rows: Iterable[dict[str, Any]], run_id: str | None = None) -> int:
        """Upsert ``{list_name, email, netsuite_id}`` after a merge; a removal owed for the pair is void."""
        stamp = now()
        payload = [
            {
                **row,
                "pending_reason": None,
                "attempts": 0,
                "last_error": None,
                "updated_at": stamp,
                "run_id": run_id,
            }
            for row in rows
        ]
        with self.engine.begin() as conn:
            upsert(conn, schema.list_members, payload, ["list_name", "email"])
        return len(payload)

    def forget_members(self, pairs: Iterable[tuple[str, str]]) -> int:
        """Drop (list, email) rows once the address has left that list, and its loaded-row hash there.

        Without the hash, an address routed back to the list later is merged again even if unchanged.
        """
        keys = list(dict.fromkeys(pairs))
        removed = 0
        with self.engine.begin() as conn:
            for chunk in chunks(keys):
                for table in (schema.list_members, schema.loaded_rows):
                    clause = sa.tuple_(table.c.list_name, table.c.email).in_(list(chunk))
                    count = conn.execute(sa.delete(table).where(clause)).rowcount
                    removed += count if table is schema.list_members else 0
        return removed

    def owe_removals(self, rows: Iterable[dict[str, Any]], run_id: str | None = None) -> int:
        """Mark failed removals ``{list_name, email, reason, last_error}``; each call counts an attempt."""
        table = schema.list_members
        stamp = now()
        written = 0
        with self.engine.begin() as conn:
            for row in rows:
                written += conn.execute(
                    sa.update(table)
                    .where(table.c.list_name == row["list_name"], table.c.email == row["email"])
                    .values(
                        pending_reason=row["reason"],
                        attempts=table.c.attempts + 1,
                        last_error=row.get("last_error"),
                        updated_at=stamp,
                        run_id=run_id,
                    )
                ).rowcount
        return written

    def clear_owed(self, pairs: Iterable[tuple[str, str]]) -> int:
        """Void removals owed for (list, email) pairs that belong in their list again."""
        table = schema.list_members
        keys = list(dict.fromkeys(pairs))
        cleared = 0
        with self.engine.begin() as conn:
            for chunk in chunks(keys):
                clause = sa.tuple_(table.c.list_name, table.c.email).in_(list(chunk))
                cleared += conn.execute(
                    sa.update(table).where(clause).values(pending_reason=None, attempts=0, last_error=None)
                ).rowcount
        return cleared

    # -- contact links of the mirror ---------------------------------------------------------------
    def links_by_contact(self, netsuite_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Link rows (netsuite_id, email, company_id, company_stage) of the given contacts."""
        return self._links(schema.contact_links.c.netsuite_id, netsuite_ids)

    def links_by_company(self, company_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Link rows of the contacts last seen at the given companies."""
        return self._links(schema.contact_links.c.company_id, company_ids)

    def forget_links(self, netsuite_ids: Iterable[str]) -> int:
        """Drop the links of contacts NetSuite deleted (their scores have nowhere to go)."""
        keys = list(dict.fromkeys(netsuite_ids))
        table = schema.contact_links
        removed = 0
        with self.engine.begin() as conn:
            for chunk in chunks(keys):
                removed += conn.execute(sa.delete(table).where(table.c.netsuite_id.in_(chunk))).rowcount
        return removed

    # -- helpers -----------------------------------------------------------------------------------
    def _members(self, column: sa.Column, keys: Iterable[str]) -> list[dict[str, Any]]:
        table = schema.list_members
        return self._select([table.c[name] for name in MEMBER_COLUMNS], column, keys)

    def _links(self, column: sa.Column, keys: Iterable[str]) -> list[dict[str, Any]]:
        table = schema.contact_links
        names = ("netsuite_id", "email", "company_id", "company_stage")
        return self._select([table.c[name] for name in names], column, keys)

    def _select(self, columns: list[sa.Column], key: sa.Column, keys: Iterable[str]) -> list[dict[str, Any]]:
        return select_in(self.engine, columns, key, keys)
