"""Lead scores in lists: the sandbox's stand-in for Act-On's List Maintenance Program.

Act-On has no scoring API; a program copies behaviour scores into a list field (``Act-On score`` by
default, configurable per list). Here the admin API sets them by email, or lets them drift ("evolve").
"""

from __future__ import annotations

import random

from sandbox.acton.errors import BadParameterError
from sandbox.acton.store import ContactList, ListStore, now_ms


def _targets(store: ListStore, list_id: str | None, field: str | None) -> list[tuple[ContactList, int]]:
    """Lists to score and the column of their score field; lists without that field are skipped."""
    lists = [store.get(list_id)] if list_id else store.all()
    targets = []
    for contact_list in lists:
        name = field or contact_list.score_field
        if name in contact_list.headings:
            targets.append((contact_list, contact_list.headings.index(name)))
        elif list_id:
            raise BadParameterError(f"List {list_id} has no score field {name!r}")
    return targets


def set_scores(
    store: ListStore,
    scores: dict[str, float | int | str],
    list_id: str | None = None,
    field: str | None = None,
) -> dict[str, object]:
    """Write scores by email (every record with that email) into one list or all lists having the field."""
    stamp = now_ms()
    updated: dict[str, int] = {}
    wanted = {email.strip().lower(): _format(score) for email, score in scores.items()}
    for contact_list, column in _targets(store, list_id, field):
        email_at = contact_list.email_index
        count = 0
        with contact_list.lock:
            for position, row in enumerate(contact_list.rows):
                value = wanted.get(row[email_at].strip().lower())
                if value is not None:
                    contact_list.update(position, [(column, value)], True, stamp)
                    count += 1
        updated[contact_list.id] = count
    return {"updated": sum(updated.values()), "by_list": updated}


def evolve_scores(
    store: ListStore,
    list_id: str | None = None,
    field: str | None = None,
    fraction: float = 0.1,
    seed: int | None = None,
) -> dict[str, object]:
    """Move the scores of a random ``fraction`` of records by up to ±20, kept within 0..100."""
    rng = random.Random(seed)
    stamp = now_ms()
    changed: dict[str, int] = {}
    for contact_list, column in _targets(store, list_id, field):
        count = 0
        with contact_list.lock:
            for position, row in enumerate(contact_list.rows):
                if rng.random() < fraction:
                    current = _number(row[column])
                    score = min(100, max(0, current + rng.randint(-20, 20)))
                    count += contact_list.update(position, [(column, _format(score))], True, stamp)
        changed[contact_list.id] = count
    return {"updated": sum(changed.values()), "by_list": changed}


def _number(value: str) -> int:
    try:
        return int(float(value))
    except ValueError:
        return 0


def _format(score: float | int | str) -> str:
    if isinstance(score, float) and score.is_integer():
        return str(int(score))
    return str(score)
