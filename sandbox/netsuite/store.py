"""The account's data: one in-memory SQLite database, owned by one worker thread.

Why this design: SQLite connections must not be used by two threads at once, and the sandbox has to keep
serving while a query runs. Every database call therefore goes through :meth:`Store.run`, which hands it
to a dedicated single-thread executor (off the event loop, so injected latency and in-flight counting stay
real), and a lock makes direct synchronous calls (start-up load, in-process tests) safe too. Queries are
short (indexed keyset pages take milliseconds), so one thread serves many concurrent requests quickly.

Datetimes are stored as UTC epoch seconds; SQL functions registered here present them in the account's
time zone and date preference (see :mod:`sandbox.netsuite.timefmt`).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import numpy as np

from sandbox.netsuite.rendering import item_member
from sandbox.netsuite.schema import (
    ADDRESS_FIELDS,
    ADDRESS_TABLES,
    CUSTOMER_STATUS,
    DELETED_RECORD,
    EMPLOYEE,
    RECORD_TYPE_IDS,
    SQL_TYPES,
    Schema,
    customer_status_rows,
    format_address,
)
from sandbox.netsuite.seed import TITLES, SeedData
from sandbox.netsuite.timefmt import AccountClock

T = TypeVar("T")


_BLANKS = " \t\r\n"
# the entity tables whose ids share one id space (a new record's id comes after all of them)
ENTITY_TABLES = ("contact", "customer", EMPLOYEE)


class Store:
    """Every SuiteQL table (records, ``deletedrecord``, address books, ``employee``, ``customerstatus``),
    plus ``_locks``, and the routes' operations."""

    def __init__(self, schema: Schema, clock: AccountClock) -> None:
        self.schema = schema
        self.clock = clock
        self.conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=OFF")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA temp_store=MEMORY")
        self._register_functions()
        self._lock = threading.RLock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="netsuite-sqlite")
        self.version = 0  # bumped by every write; keys the SuiteQL count cache
        self.create_tables()

    # ---- running work --------------------------------------------------------------------------------------
    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` holding the database lock (synchronous callers)."""
        with self._lock:
            return fn(*args)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` on the database thread without blocking the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(self.call, fn, *args))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    # ---- schema --------------------------------------------------------------------------------------------
    def _register_functions(self) -> None:
        clock = self.clock
        self.conn.create_function("ns_to_char", 2, clock.to_char, deterministic=True)
        self.conn.create_function("ns_display_date", 1, clock.display_date, deterministic=True)
        self.conn.create_function("ns_parse_local", 2, clock.parse_local, deterministic=True)
        self.conn.create_function("ns_utc_offset_or_null", 1, clock.utc_offset_or_null, deterministic=True)
        self.conn.create_function("ns_item_member", 2, item_member, deterministic=True)

    def create_tables(self) -> None:
        with self._lock:
            for table in self.schema.tables:
                self.conn.execute(f"DROP TABLE IF EXISTS {table}")
                self.conn.execute(self.schema.ddl(table))
                self._index(table)
            self.conn.execute("DROP TABLE IF EXISTS _locks")
            self.conn.execute(
                "CREATE TABLE _locks (record_type TEXT, id INTEGER, PRIMARY KEY (record_type, id))"
            )
            self._issued: dict[str, int] = {}  # address keys handed out (none reused after a removal)
            self.conn.executemany(
                f"INSERT INTO {CUSTOMER_STATUS} (id, name, stage, probability, isinactive) "
                "VALUES (?, ?, ?, ?, ?)",
                customer_status_rows(),
            )
            self.version += 1

    def _index(self, table: str) -> None:
        for name, columns in self._indexes(table).items():
            self.conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table}({columns})")

    def _indexes(self, table: str) -> dict[str, str]:
        """Index name -> columns, per table."""
        if table == DELETED_RECORD:  # read by deletion time: "deleted since my watermark"
            return {f"{table}_deleted": "deleteddate, recordid"}
        if table in (book for book, _ in ADDRESS_TABLES.values()):  # joined on entity, then on the nkey
            return {f"{table}_entity": "entity, defaultbilling", f"{table}_address": "addressbookaddress"}
        if not self.schema.is_record_type(table):
            return {}
        # the id+lastmodifieddate index covers keyset counts (id range + modified-since): totalResults
        # without reading whole rows
        return {
            f"{table}_lastmodified": "lastmodifieddate",
            f"{table}_id_lastmodified": "id, lastmodifieddate",
        }

    def add_column(self, table: str, name: str) -> None:
        spec = self.schema.field(table, name)
        assert spec is not None
        with self._lock:
            self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {spec.name} {SQL_TYPES[spec.type]}")
            self.version += 1

    # ---- bulk load -----------------------------------------------------------------------------------------
    def load(self, data: SeedData) -> None:
        """Replace all data with ``data``: one transaction, indexes built after the insert (fastest)."""
        with self._lock:
            self.create_tables()
            for table in self.schema.tables:
                for index in self._indexes(table):
                    self.conn.execute(f"DROP INDEX IF EXISTS {index}")
            self.conn.execute("BEGIN")
            self._insert_columns("customer", {**data.customers, **data.customer_links}, replace=False)
            self._insert_columns("customer", data.individuals, replace=False)
            self._insert_columns("contact", data.contacts, replace=False)
            for table, columns in data.tables.items():
                self._insert_columns(table, columns, replace=False)
            self.conn.execute("COMMIT")
            for table in self.schema.tables:
                self._index(table)
            for book, address in ADDRESS_TABLES.values():  # the seeded keys count as handed out
                self._next_key(address, "nkey")
                self._next_key(book, "id")
            self.conn.execute("ANALYZE")
            self.version += 1

    def _insert_columns(self, table: str, columns: dict[str, list[object]], *, replace: bool) -> int:
        names = [spec.name for spec in self.schema.stored(table) if spec.name in columns]
        if not names:
            return 0
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        sql = f"{verb} INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        rows = zip(*(columns[name] for name in names), strict=True)
        self.conn.executemany(sql, rows)
        return len(columns[names[0]])

    def upsert(self, table: str, rows: list[dict[str, object]]) -> int:
        """Insert or replace whole rows (admin API); missing fields become NULL / defaults."""
        if not rows:
            return 0
        names = [spec.name for spec in self.schema.stored(table)]
        columns: dict[str, list[object]] = {name: [row.get(name) for row in rows] for name in names}
        for spec in self.schema.stored(table):
            if spec.type == "checkbox" and not spec.custom:  # NOT NULL DEFAULT 'F' (custom ones: nullable)
                columns[spec.name] = [value or "F" for value in columns[spec.name]]
            if spec.default is not None:
                columns[spec.name] = [spec.default if v is None else v for v in columns[spec.name]]
        with self._lock:
            self.conn.execute("BEGIN")
            try:
                count = self._insert_columns(table, columns, replace=True)
                self.conn.execute("COMMIT")
            except Exception:
                self.conn.execute("ROLLBACK")
                raise
            self.version += 1
            return count

    # ---- reads ---------------------------------------------------------------------------------------------
    def query(self, sql: str, params: Iterable[object] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self.conn.execute(sql, tuple(params)).fetchall()

    def get_row(self, table: str, record_id: int) -> dict[str, Any] | None:
        with self._lock:
            names = list(self.schema.fields(table))
            cursor = self.conn.execute(f"SELECT {', '.join(names)} FROM {table} WHERE id = ?", (record_id,))
            row = cursor.fetchone()
            if row is None:
                return None
            return dict(zip(names, row, strict=True))

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {
                t: self.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in self.schema.record_types()
            }

    # ---- writes --------------------------------------------------------------------------------------------
    def update_fields(self, table: str, record_id: int, values: dict[str, object], now: int) -> bool:
        """Set ``values`` (SuiteQL names), bump ``lastmodifieddate``; False if the record does not exist."""
        assignments = ", ".join(f"{name} = ?" for name in values)
        sql = (
            f"UPDATE {table} SET {assignments + ', ' if assignments else ''}lastmodifieddate = ? WHERE id = ?"
        )
        with self._lock:
            changed = self.conn.execute(sql, (*values.values(), now, record_id)).rowcount
            self.version += 1
            return changed > 0

    def missing_ids(self, table: str, ids: list[int]) -> list[int]:
        """Those of ``ids`` that are not records of ``table``."""
        with self._lock:
            return [
                i
                for i in ids
                if self.conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (i,)).fetchone() is None
            ]

    def delete_records(self, by_table: dict[str, list[int]], now: int) -> int:
        """Delete records as NetSuite does: gone from their table, logged in ``deletedrecord`` at ``now``.

        ``by_table`` maps a record type to ids; all in one transaction. A deleted customer's contacts
        stay, their ``company`` emptied *without* a new lastmodifieddate (conservative model: a client that
        extracts by lastmodifieddate never hears of the change). Locks on the deleted ids go too. Unknown
        ids are skipped; returns how many records were deleted.
        """
        with self._lock:
            self.conn.execute("BEGIN")
            try:
                deleted = {
                    table: [i for i in ids if self._delete_one(table, i, now)]
                    for table, ids in by_table.items()
                }
                self._orphan_contacts(deleted.get("customer", []))
                self.conn.execute("COMMIT")
            except Exception:
                self.conn.execute("ROLLBACK")
                raise
            self.version += 1
        return sum(len(ids) for ids in deleted.values())

    def _delete_one(self, table: str, record_id: int, now: int) -> bool:
        row = self.conn.execute(f"SELECT entityid FROM {table} WHERE id = ?", (record_id,)).fetchone()
        if row is None:
            return False
        self.conn.execute(f"DELETE FROM {table} WHERE id = ?", (record_id,))
        self.conn.execute("DELETE FROM _locks WHERE record_type = ? AND id = ?", (table, record_id))
        if table in ADDRESS_TABLES:  # its address book and addresses are part of the record
            book, address = ADDRESS_TABLES[table]
            self.conn.execute(
                f"DELETE FROM {address} WHERE nkey IN "
                f"(SELECT addressbookaddress FROM {book} WHERE entity = ?)",
                (record_id,),
            )
            self.conn.execute(f"DELETE FROM {book} WHERE entity = ?", (record_id,))
        self.conn.execute(
            f"INSERT INTO {DELETED_RECORD} (name, recordid, recordtypeid, scriptid, context, deletedby, "
            "deleteddate, type, iscustomlist, iscustomrecord, iscustomtransaction) "
            "VALUES (?, ?, ?, NULL, 'UI', -5, ?, ?, 'F', 'F', 'F')",
            (row[0], record_id, RECORD_TYPE_IDS[table], now, table),
        )
        return True

    def _orphan_contacts(self, customer_ids: list[int]) -> None:
        """Empty the company of these customers' contacts, leaving lastmodifieddate alone (one scan per
        chunk: ``contact.company`` has no index, and bulk deletions of many customers stay fast)."""
        for start in range(0, len(customer_ids), 500):
            chunk = customer_ids[start : start + 500]
            self.conn.execute(
                f"UPDATE contact SET company = NULL WHERE company IN ({', '.join('?' * len(chunk))})", chunk
            )

    # ---- creation ------------------------------------------------------------------------------------------
    def next_entity_id(self) -> int:
        """The id a new entity gets: after every contact, customer and employee, deleted ones included
        (NetSuite never hands out an internal id twice)."""
        highest = [self.conn.execute(f"SELECT MAX(id) FROM {table}").fetchone()[0] for table in ENTITY_TABLES]
        highest.append(self.conn.execute(f"SELECT MAX(recordid) FROM {DELETED_RECORD}").fetchone()[0])
        return max([1000, *(h for h in highest if h is not None)]) + 1

    def insert_record(self, table: str, values: dict[str, object], now: int) -> int:
        """Create a record from ``values`` (SuiteQL names; defaults for the rest), created and modified
        ``now``; returns its new id."""
        with self._lock:
            record_id = self.next_entity_id()
            row = {**values, "id": record_id, "datecreated": now, "lastmodifieddate": now}
            names = list(row)
            self.conn.execute(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [row[name] for name in names],
            )
            self.version += 1
            return record_id

    # ---- addresses -----------------------------------------------------------------------------------------
    def default_address(self, table: str, entity_id: int) -> dict[str, object] | None:
        """The entity's default billing address (:data:`ADDRESS_FIELDS`), or None."""
        book, address = ADDRESS_TABLES[table]
        with self._lock:
            row = self.conn.execute(
                f"SELECT {', '.join('a.' + name for name in ADDRESS_FIELDS)} FROM {book} ab "
                f"JOIN {address} a ON a.nkey = ab.addressbookaddress "
                "WHERE ab.entity = ? AND ab.defaultbilling = 'T'",
                (entity_id,),
            ).fetchone()
        return None if row is None else dict(zip(ADDRESS_FIELDS, row, strict=True))

    def set_default_address(
        self, table: str, entity_id: int, values: dict[str, object] | None, now: int
    ) -> bool:
        """Create or replace the entity's default billing address (None: remove it); False if unchanged.

        The old default billing line goes with its address; the new line is also the default shipping
        address when the old one was, or when the entity has none. For a customer, ``defaultbillingaddress``
        and ``defaultshippingaddress`` follow (:meth:`sync_customer_defaults`).
        """
        book, address = ADDRESS_TABLES[table]
        with self._lock:
            current = self.default_address(table, entity_id)
            if (
                values is not None
                and current is not None
                and current == {name: values.get(name) for name in ADDRESS_FIELDS}
            ):
                return False
            if values is None and current is None:
                return False
            old = self.conn.execute(
                f"SELECT id, addressbookaddress, defaultshipping FROM {book} "
                "WHERE entity = ? AND defaultbilling = 'T'",
                (entity_id,),
            ).fetchall()
            shipping_elsewhere = self.conn.execute(
                f"SELECT 1 FROM {book} WHERE entity = ? AND defaultshipping = 'T' AND defaultbilling = 'F'",
                (entity_id,),
            ).fetchone()
            # keys first, while the old ones still count: a removed key is never handed out again
            nkey, line = self._next_key(address, "nkey"), self._next_key(book, "id")
            for old_line, old_key, _ in old:
                self.conn.execute(f"DELETE FROM {address} WHERE nkey = ?", (old_key,))
                self.conn.execute(f"DELETE FROM {book} WHERE id = ?", (old_line,))
            if values is not None:
                row = {name: values.get(name) for name in ADDRESS_FIELDS}
                row.update(nkey=nkey, addrtext=format_address(row), lastmodifieddate=now)
                names = list(row)
                self.conn.execute(
                    f"INSERT INTO {address} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                    [row[name] for name in names],
                )
                shipping = "T" if any(s == "T" for _, _, s in old) or not shipping_elsewhere else "F"
                self.conn.execute(
                    f"INSERT INTO {book} "
                    "(id, entity, addressbookaddress, defaultbilling, defaultshipping, label) "
                    "VALUES (?, ?, ?, 'T', ?, ?)",
                    (line, entity_id, nkey, shipping, row["addr1"]),
                )
            if table == "customer":
                self.sync_customer_defaults([entity_id])
            self.version += 1
            return True

    def _next_key(self, table: str, column: str) -> int:
        """A key never handed out before (nkeys are one sequence over both address tables; a removed
        address's key is not reused)."""
        tables = [address for _, address in ADDRESS_TABLES.values()] if column == "nkey" else [table]
        sequence = column if column == "nkey" else table
        highest = [self.conn.execute(f"SELECT MAX({column}) FROM {t}").fetchone()[0] for t in tables]
        key = max([self._issued.get(sequence, 0), *(h for h in highest if h is not None)]) + 1
        self._issued[sequence] = key
        return key

    def sync_customer_defaults(self, ids: list[int]) -> None:
        """``customer.defaultbillingaddress`` / ``defaultshippingaddress`` := the nkeys its address book
        marks default (NULL if none); lastmodifieddate untouched."""
        book, _ = ADDRESS_TABLES["customer"]
        with self._lock:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                self.conn.execute(
                    "UPDATE customer SET "
                    f"defaultbillingaddress = (SELECT addressbookaddress FROM {book} b "
                    "WHERE b.entity = customer.id AND b.defaultbilling = 'T'), "
                    f"defaultshippingaddress = (SELECT addressbookaddress FROM {book} b "
                    "WHERE b.entity = customer.id AND b.defaultshipping = 'T') "
                    f"WHERE id IN ({', '.join('?' * len(chunk))})",
                    chunk,
                )
            self.version += 1

    def customers_by_email(self, email: str) -> list[int]:
        """Ids of customers whose email is ``email``, any case, spaces around ignored."""
        with self._lock:
            rows = self.conn.execute(
                "SELECT id FROM customer WHERE LOWER(TRIM(email, ?)) = LOWER(TRIM(?, ?)) ORDER BY id",
                (_BLANKS, email, _BLANKS),
            ).fetchall()
        return [row[0] for row in rows]

    def set_locked(self, table: str, ids: list[int], locked: bool) -> None:
        with self._lock:
            if locked:
                self.conn.executemany("INSERT OR IGNORE INTO _locks VALUES (?, ?)", [(table, i) for i in ids])
            else:
                self.conn.executemany(
                    "DELETE FROM _locks WHERE record_type = ? AND id = ?", [(table, i) for i in ids]
                )

    def is_locked(self, table: str, record_id: int) -> bool:
        with self._lock:
            row = self.conn.execute(
                "SELECT 1 FROM _locks WHERE record_type = ? AND id = ?", (table, record_id)
            ).fetchone()
            return row is not None

    def mutate_random(self, k: int, now: int, rng: np.random.Generator) -> list[int]:
        """The mutator's work: change ``title`` of ``k`` random contacts and bump their lastmodifieddate."""
        with self._lock:
            low, high = self.conn.execute("SELECT MIN(id), MAX(id) FROM contact").fetchone()
            if low is None or k <= 0:
                return []
            ids: list[int] = []
            for probe in rng.integers(low, high + 1, k).tolist():
                row = self.conn.execute(
                    "SELECT id FROM contact WHERE id >= ? ORDER BY id LIMIT 1", (probe,)
                ).fetchone()
                if row:
                    ids.append(row[0])
            titles = rng.integers(0, len(TITLES), len(ids)).tolist()
            self.conn.executemany(
                "UPDATE contact SET title = ?, lastmodifieddate = ? WHERE id = ?",
                [(TITLES[t], now, i) for t, i in zip(titles, ids, strict=True)],
            )
            self.version += 1
            return ids
