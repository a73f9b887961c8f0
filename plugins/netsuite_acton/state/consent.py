"""Consent memory and audit trail: what each system said, what is still owed, and every write the sync made.

``nas_consent_entries`` holds one row per (kind, address) the sync has seen; a row whose ``settled_at`` is
null still owes writes and is planned again by every run until they succeed (a locked record, an API
failure). ``nas_consent_changes`` is the audit trail, one row per write: it answers "why is this person
opted out, and since when?" (:meth:`ConsentMemory.consent_history`, ``python -m scripts.consent_history``).
Mixed into :class:`~netsuite_acton.state.store.StateStore`, which provides ``engine``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from netsuite_acton.state import schema
from netsuite_acton.state.membership import MEMBER_COLUMNS
from netsuite_acton.state.sql import chunks, insert, now, select_in, upsert, utc

ENTRY_KEYS = ("kind", "email")
#: Entry kinds that mean "opted out" (a hard bounce does not).
OPT_OUT_KINDS = ("optout", "spamcomplaint", "netsuite")
CHANGE_KEYS = ("run_id", "direction", "email", "target", "change")


class ConsentMemory:
    """Reads and writes of consent entries and changes; key lists are read in chunks (flat memory)."""

    engine: Engine

    def consent_known(self, kind: str, emails: Iterable[str], *, settled: bool = False) -> set[str]:
        """The addresses among ``emails`` with an entry of this kind (with ``settled``: a settled one)."""
        table = schema.consent_entries
        where = [table.c.kind == kind, *([table.c.settled_at.is_not(None)] if settled else [])]
        return {
            row["email"] for row in select_in(self.engine, [table.c.email], table.c.email, emails, *where)
        }

    def opted_out_addresses(self, emails: Iterable[str]) -> set[str]:
        """The addresses among ``emails`` the sync knows as opted out anywhere (any opt-out kind)."""
        return {row["email"] for row in self.opt_out_entries(emails)}

    def opt_out_entries(self, emails: Iterable[str]) -> list[dict[str, Any]]:
        """Opt-out entries (``kind, email, recorded_at, origin``) of these addresses, settled or not."""
        table = schema.consent_entries
        columns = [table.c.kind, table.c.email, table.c.recorded_at, table.c.origin]
        rows = select_in(self.engine, columns, table.c.email, emails, table.c.kind.in_(OPT_OUT_KINDS))
        return [{**row, "recorded_at": utc(row["recorded_at"])} for row in rows]

    def members_opted_out(self) -> list[dict[str, Any]]:
        """List memberships (``MEMBER_COLUMNS``) whose address is known as opted out: they must leave."""
        members, entries = schema.list_members, schema.consent_entries
        opted = sa.select(entries.c.email).where(entries.c.kind.in_(OPT_OUT_KINDS))
        query = sa.select(*(members.c[n] for n in MEMBER_COLUMNS)).where(members.c.email.in_(opted))
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def consent_owed(self) -> list[dict[str, Any]]:
        """Entries whose writes are still owed (``kind, email, recorded_at, origin``)."""
        table = schema.consent_entries
        query = sa.select(table.c.kind, table.c.email, table.c.recorded_at, table.c.origin).where(
            table.c.settled_at.is_(None)
        )
        with self.engine.connect() as conn:
            return [{**row._mapping, "recorded_at": utc(row.recorded_at)} for row in conn.execute(query)]

    def consent_entries(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Every entry (of one kind), for a full resync and for tests."""
        table = schema.consent_entries
        query = sa.select(table)
        if kind is not None:
            query = query.where(table.c.kind == kind)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def add_consent_entries(self, rows: Iterable[dict[str, Any]], run_id: str | None = None) -> int:
        """Insert entries not known yet (owed until settled); a known entry keeps its first time and state."""
        stamp = now()
        values = [
            {
                "kind": row["kind"],
                "email": row["email"],
                "recorded_at": utc(row.get("recorded_at")),
                "origin": row.get("origin"),
                "settled_at": None,
                "attempts": 0,
                "updated_at": stamp,
                "run_id": run_id,
            }
            for row in rows
        ]
        if not values:
            return 0
        added = 0
        with self.engine.begin() as conn:
            stmt = insert(conn, schema.consent_entries).on_conflict_do_nothing(
                index_elements=list(ENTRY_KEYS)
            )
            for chunk in chunks(values, 10_000):
                added += conn.execute(stmt, list(chunk)).rowcount or 0
        return added

    def settle_consent(self, keys: Iterable[tuple[str, str]], run_id: str | None = None) -> int:
        """Mark (kind, address) entries as done: every write they asked for has been made."""
        return self._update_entries(keys, {"settled_at": now(), "last_error": None, "run_id": run_id})

    def owe_consent(self, keys: Iterable[tuple[str, str]], error: str, run_id: str | None = None) -> int:
        """Keep (kind, address) entries owed after a failed write; the next run plans them again."""
        table = schema.consent_entries
        values = {
            "settled_at": None,
            "last_error": error[:2000],
            "attempts": table.c.attempts + 1,
            "run_id": run_id,
        }
        return self._update_entries(keys, values)

    def _update_entries(self, keys: Iterable[tuple[str, str]], values: dict[str, Any]) -> int:
        table = schema.consent_entries
        by_kind: dict[str, list[str]] = {}
        for kind, email in keys:
            by_kind.setdefault(kind, []).append(email)
        changed = 0
        with self.engine.begin() as conn:
            for kind, emails in by_kind.items():
                for chunk in chunks(sorted(set(emails))):
                    stmt = (
                        sa.update(table)
                        .where(table.c.kind == kind, table.c.email.in_(list(chunk)))
                        .values(**values, updated_at=now())
                    )
                    changed += conn.execute(stmt).rowcount or 0
        return changed

    def record_consent_changes(self, rows: Iterable[dict[str, Any]], run_id: str) -> int:
        """Append audit rows (a rerun of the same run rewrites its own rows, never another run's)."""
        stamp = now()
        values = [
            {
                "run_id": run_id,
                "direction": row["direction"],
                "email": row["email"],
                "target": row["target"],
                "change": row["change"],
                "source": row["source"],
                "origin": row.get("origin"),
                "recorded_at": utc(row.get("recorded_at")),
                "changed_at": stamp,
            }
            for row in rows
        ]
        with self.engine.begin() as conn:
            upsert(conn, schema.consent_changes, values, CHANGE_KEYS)
        return len(values)

    def consent_history(self, email: str) -> dict[str, list[dict[str, Any]]]:
        """Everything the sync knows about one address: its entries and every change, oldest first."""
        address = email.strip().lower()
        entries_t, changes_t = schema.consent_entries, schema.consent_changes
        with self.engine.connect() as conn:
            entries = conn.execute(
                sa.select(entries_t).where(entries_t.c.email == address).order_by(entries_t.c.recorded_at)
            )
            changes = conn.execute(
                sa.select(changes_t).where(changes_t.c.email == address).order_by(changes_t.c.changed_at)
            )
            return {
                "entries": [_utc_row(row._mapping) for row in entries],
                "changes": [_utc_row(row._mapping) for row in changes],
            }


def _utc_row(mapping: Any) -> dict[str, Any]:
    return {key: utc(value) if isinstance(value, datetime) else value for key, value in mapping.items()}
