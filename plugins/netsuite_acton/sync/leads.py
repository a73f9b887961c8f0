"""Which addresses of an Act-On list become NetSuite leads: pure planning, no I/O.

Two steps, each a pure function of what the operator read:

1. :func:`lead_candidates`: the list's rows become one candidate per valid, canonical address (first row
   wins; repeats counted), with tidied names. An invalid address, or a row with neither a first nor a last
   name, is quarantined with its reason: nothing is dropped silently.
2. :func:`plan_leads`: candidates NetSuite already knows (any contact or customer with the address), or
   that the sync created a lead for before, are left out; the rest, in list order, up to ``max_per_run``,
   are to be created (``opted_out`` marks those whose consent entries say opted out: their lead is created
   at Soft Opt-Out); the others are deferred to later runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import pandas as pd

from netsuite_acton.sync.cleaning import (
    EMAIL_INVALID,
    EMAIL_MISSING,
    EMAIL_UNSAFE,
    tidy_text,
    validate_emails,
)
from netsuite_acton.sync.frames import empty_frame
from netsuite_acton.sync.quarantine import count_reasons, join_reasons, split_by_reasons

#: A candidate: the canonical address and the values its lead gets (missing ones are None).
LEAD_COLUMNS: Final[tuple[str, ...]] = ("email", "first_name", "last_name", "phone", "company")
#: What the plan adds: whether the lead is created at Soft Opt-Out.
PLAN_COLUMNS: Final[tuple[str, ...]] = (*LEAD_COLUMNS, "opted_out")
NAME_MISSING: Final = "name_missing"
EMAIL_REASONS: Final = (EMAIL_MISSING, EMAIL_UNSAFE, EMAIL_INVALID)
#: Counter names (the report shows them under ``counters``).
LISTED: Final = "leads:listed"
DUPLICATES: Final = "leads:duplicate_rows"
KNOWN: Final = "leads:known_in_netsuite"
ALREADY: Final = "leads:already_created"
TO_CREATE: Final = "leads:to_create"
DEFERRED: Final = "leads:deferred"
OPTED_OUT: Final = "leads:opted_out"
QUARANTINED_PREFIX: Final = "leads:quarantined:"


@dataclass(frozen=True)
class LeadCandidates:
    """Valid candidates (``LEAD_COLUMNS``, one per address, list order), quarantined rows (the list's own
    values, ``reasons``), and counts."""

    frame: pd.DataFrame
    quarantine: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class LeadPlan:
    """What this run creates (``PLAN_COLUMNS``), what waits for later runs (``LEAD_COLUMNS``), counts."""

    to_create: pd.DataFrame
    deferred: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)


def empty_candidates() -> pd.DataFrame:
    return empty_frame(LEAD_COLUMNS)


def lead_candidates(rows: pd.DataFrame, headings: Mapping[str, str]) -> LeadCandidates:
    """One candidate per valid address of the list's ``rows`` (columns named by Act-On headings).

    ``headings`` maps each of ``LEAD_COLUMNS`` to its heading; a heading the list lacks reads as empty.
    """
    values = pd.DataFrame(
        {
            role: (rows[heading] if heading in rows else pd.Series(None, index=rows.index, dtype=object))
            for role, heading in ((role, headings[role]) for role in LEAD_COLUMNS)
        },
        index=rows.index,
    )
    emails, email_reasons = validate_emails(values["email"])
    first, last = tidy_text(values["first_name"]), tidy_text(values["last_name"])
    failures = [(code, email_reasons.eq(code)) for code in EMAIL_REASONS]
    failures.append((NAME_MISSING, first.isna() & last.isna()))
    reasons = join_reasons(values.index, failures)
    kept, quarantine = split_by_reasons(values.astype(object), reasons)
    candidates = pd.DataFrame(
        {
            "email": emails.loc[kept.index],
            "first_name": first.loc[kept.index],
            "last_name": last.loc[kept.index],
            "phone": tidy_text(kept["phone"]),
            "company": tidy_text(kept["company"]),
        }
    ).astype(object)
    candidates = candidates.where(candidates.notna(), None)
    duplicated = candidates["email"].duplicated(keep="first")
    counts = {
        LISTED: len(rows),
        DUPLICATES: int(duplicated.sum()),
        **{f"{QUARANTINED_PREFIX}{code}": n for code, n in count_reasons(quarantine["reasons"]).items()},
    }
    frame = candidates.loc[~duplicated].reset_index(drop=True)
    return LeadCandidates(frame, quarantine.reset_index(drop=True), counts)


def plan_leads(
    candidates: pd.DataFrame,
    *,
    known: set[str],
    created: set[str],
    opted_out: set[str],
    max_per_run: int,
) -> LeadPlan:
    """Candidates that are new to NetSuite and to the sync, the first ``max_per_run`` of them to create.

    ``known``: addresses some NetSuite contact or customer holds (lower case); ``created``: addresses the
    sync created a lead for before (never created twice, even if that record was since deleted);
    ``opted_out``: addresses the consent entries hold as opted out.
    """
    if max_per_run < 1:
        raise ValueError("max_per_run must be at least 1")
    emails = candidates["email"]
    is_known = emails.isin(known)
    is_created = emails.isin(created) & ~is_known
    new = candidates.loc[~is_known & ~is_created]
    chosen, deferred = new.iloc[:max_per_run], new.iloc[max_per_run:]
    to_create = chosen.assign(opted_out=chosen["email"].isin(opted_out).astype(bool)).reset_index(drop=True)
    counts = {
        KNOWN: int(is_known.sum()),
        ALREADY: int(is_created.sum()),
        TO_CREATE: len(to_create),
        DEFERRED: len(deferred),
        OPTED_OUT: int(to_create["opted_out"].sum()),
    }
    return LeadPlan(to_create.loc[:, list(PLAN_COLUMNS)], deferred.reset_index(drop=True), counts)
