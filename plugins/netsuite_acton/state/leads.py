"""Leads the sync created in NetSuite from an Act-On list: the claim that makes each create happen once.

A NetSuite create (``POST``) is not idempotent, so every address is *claimed* before its POST with an
insert only one writer can win (the primary key of ``nas_created_leads``): a second run at once, or a
second worker, finds the row and leaves the address alone. The row then records the outcome: ``created``
with the new customer id, ``failed`` (the holder finished without a record it knows of: NetSuite
refused it, or the outcome stayed unknown), or ``exists`` (a NetSuite contact held the address when the
holder looked: no lead was needed). A claim is taken over only when its holder is gone: it ``failed`` or
found ``exists``, it belongs to this same run (a task retry: the earlier attempt is dead), or it is older
than the claim timeout; a taker must look the address up in NetSuite before creating anything
(:attr:`Claim.must_look_up`), because the holder may have created the record and lost the answer. No row
is ever deleted, so a second writer never mistakes a finished address for a new one.

Every takeover is a compare-and-set on ``attempts`` (bumped by each claim), so of two takers one wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from netsuite_acton.state import schema
from netsuite_acton.state.sql import insert, now, select_in, utc

CLAIMED: Final = "claimed"
CREATED: Final = "created"
FAILED: Final = "failed"
EXISTS: Final = "exists"
#: A row in one of these states has no live holder: the next claim takes it over (after a lookup).
FINISHED_WITHOUT_RECORD: Final = (FAILED, EXISTS)

#: What :meth:`CreatedLeads.claim` found: go ahead, go ahead after a lookup, already done, or someone
#: else's.
NEW: Final = "new"
TAKEN_OVER: Final = "taken_over"
ALREADY_CREATED: Final = "already_created"
HELD: Final = "held"


@dataclass(frozen=True)
class Claim:
    """The verdict on one address: ``kind`` is :data:`NEW`, :data:`TAKEN_OVER`, :data:`ALREADY_CREATED`
    or :data:`HELD`. ``attempt`` is this claim's number (the compare-and-set token)."""

    email: str
    kind: str
    attempt: int = 0
    customer_id: str | None = None
    previous_status: str | None = None

    @property
    def owned(self) -> bool:
        """This writer may create the lead (after a lookup when :attr:`must_look_up`)."""
        return self.kind in (NEW, TAKEN_OVER)

    @property
    def must_look_up(self) -> bool:
        """A taken-over claim: the earlier holder may have created the record; look before creating."""
        return self.kind == TAKEN_OVER


class CreatedLeads:
    """Claims and outcomes in ``nas_created_leads`` (one row per canonical, lower-case address)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- reads ----------------------------------------------------------------------------------------
    def created(self, emails: Iterable[str]) -> dict[str, str]:
        """address -> NetSuite customer id, for the addresses asked about that the sync created a lead for."""
        table = schema.created_leads
        rows = select_in(
            self.engine,
            [table.c.email, table.c.customer_id],
            table.c.email,
            emails,
            table.c.status == CREATED,
        )
        return {row["email"]: str(row["customer_id"]) for row in rows}

    def rows(self, emails: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Every row (or those of ``emails``), datetimes in UTC: for the runbook's questions and tests."""
        table = schema.created_leads
        if emails is not None:
            found = select_in(self.engine, list(table.c), table.c.email, emails)
        else:
            with self.engine.connect() as conn:
                found = [dict(row._mapping) for row in conn.execute(sa.select(table))]
        return [_utc_row(row) for row in sorted(found, key=lambda r: r["email"])]

    def owns(self, email: str, run_id: str, attempt: int) -> bool:
        """Whether this run's claim (number ``attempt``) on the address still stands."""
        table = schema.created_leads
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(table.c.status, table.c.claimed_by, table.c.attempts).where(table.c.email == email)
            ).first()
        return row is not None and (row.status, row.claimed_by, row.attempts) == (CLAIMED, run_id, attempt)

    # -- the claim ----------------------------------------------------------------------------------
    def claim(self, email: str, run_id: str, timeout: timedelta, at: datetime | None = None) -> Claim:
        """Claim one address for a create, or say why not; at most one writer ever owns a claim."""
        stamp = utc(at) or now()
        table = schema.created_leads
        with self.engine.begin() as conn:
            stmt = (
                insert(conn, table)
                .values(
                    email=email,
                    customer_id=None,
                    status=CLAIMED,
                    claimed_by=run_id,
                    claimed_at=stamp,
                    attempts=1,
                )
                .on_conflict_do_nothing(index_elements=[table.c.email])
            )
            if conn.execute(stmt).rowcount == 1:
                return Claim(email, NEW, attempt=1)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(table).where(table.c.email == email)).first()
        if row is None:  # deleted by hand between our insert and this read: claim afresh
            return self.claim(email, run_id, timeout, stamp)
        if row.status == CREATED:
            return Claim(email, ALREADY_CREATED, row.attempts, customer_id=row.customer_id)
        holder_gone = (
            row.status in FINISHED_WITHOUT_RECORD
            or row.claimed_by == run_id
            or (utc(row.claimed_at) or stamp) + timeout <= stamp
        )
        if not holder_gone:
            return Claim(email, HELD, row.attempts, previous_status=row.status)
        with self.engine.begin() as conn:
            taken = conn.execute(
                sa.update(table)
                .where(
                    table.c.email == email,
                    table.c.status == row.status,
                    table.c.attempts == row.attempts,
                )
                .values(status=CLAIMED, claimed_by=run_id, claimed_at=stamp, attempts=row.attempts + 1)
            ).rowcount
        if taken != 1:  # another taker won the compare-and-set
            return Claim(email, HELD, row.attempts, previous_status=row.status)
        return Claim(email, TAKEN_OVER, row.attempts + 1, previous_status=row.status)

    # -- outcomes -----------------------------------------------------------------------------------
    def record_created(self, email: str, customer_id: str, run_id: str) -> str | None:
        """The lead exists in NetSuite with this id. The first id recorded wins: returns the id the row
        already held when it differs (a second record was made: the caller must report it), else None."""
        table = schema.created_leads
        with self.engine.begin() as conn:
            written = conn.execute(
                sa.update(table)
                .where(table.c.email == email, table.c.status != CREATED)
                .values(
                    status=CREATED,
                    customer_id=str(customer_id),
                    created_at=now(),
                    claimed_by=run_id,
                    last_error=None,
                )
            ).rowcount
            if written:
                return None
            held = conn.execute(sa.select(table.c.customer_id).where(table.c.email == email)).scalar()
        if held is None:  # no row at all (never claimed): remember it anyway
            with self.engine.begin() as conn:
                conn.execute(
                    insert(conn, table)
                    .values(
                        email=email,
                        customer_id=str(customer_id),
                        status=CREATED,
                        claimed_by=run_id,
                        claimed_at=now(),
                        created_at=now(),
                        attempts=1,
                    )
                    .on_conflict_do_nothing(index_elements=[table.c.email])
                )
            return None
        return None if str(held) == str(customer_id) else str(held)

    def record_failed(self, email: str, error: str, run_id: str, attempt: int) -> bool:
        """This run's claim ended without a record it knows of (refused, or outcome unknown): whoever
        claims the address next looks it up first. False when the claim was no longer ours."""
        return self._end_claim(email, run_id, attempt, status=FAILED, last_error=error[:2000])

    def release(self, email: str, run_id: str, attempt: int) -> bool:
        """End this run's claim without a lead: a NetSuite contact holds the address, none is needed.

        The row stays (status ``exists``) rather than being deleted: a run that planned the address
        before the contact appeared then takes it over *with a lookup* and finds the contact, instead of
        claiming it afresh and creating blindly. False when the claim was no longer ours."""
        return self._end_claim(
            email, run_id, attempt, status=EXISTS, last_error="a NetSuite contact holds the address"
        )

    def _end_claim(self, email: str, run_id: str, attempt: int, **values: Any) -> bool:
        """Set ``values`` only while the row is still this run's claim (this attempt); whether it was."""
        table = schema.created_leads
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.update(table)
                .where(
                    table.c.email == email,
                    table.c.status == CLAIMED,
                    table.c.claimed_by == run_id,
                    table.c.attempts == attempt,
                )
                .values(**values)
            )
        return result.rowcount == 1


def _utc_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: utc(value) if isinstance(value, datetime) else value for key, value in row.items()}
