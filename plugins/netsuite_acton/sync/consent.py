"""Consent planning: which addresses go onto Act-On's opt-out list, which NetSuite records get Soft Opt-Out.

Pure pandas, no I/O. The rule is one-way on purpose: an address opted out anywhere (NetSuite status 2 or
4 on any contact or customer, Act-On's opt-out or spam-complaint list) ends up opted out everywhere, and
nothing here can ever opt anyone in. A Confirmed Opt-Out (4) is never written; records already at 2 or 4
are left alone, so an unchanged rerun plans no write at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import pandas as pd

from netsuite_acton.sync.cleaning import canonical_email, validate_emails
from netsuite_acton.sync.contract import OPT_OUT_STATUSES, SUBSCRIPTION_STATUSES

#: Act-On's account lists the sync reads; ``kind`` values in every frame below.
OPTOUT: Final = "optout"
SPAM_COMPLAINT: Final = "spamcomplaint"
HARD_BOUNCE: Final = "hardbounce"
ACTON_KINDS: Final = (OPTOUT, SPAM_COMPLAINT, HARD_BOUNCE)
#: ``kind`` of an opt-out that started in NetSuite (its origin names the records).
NETSUITE_OPTOUT: Final = "netsuite"
STATUS_FIELD: Final = "globalsubscriptionstatus"

ENTRY_COLUMNS: Final = ("kind", "email", "recorded_at", "origin")
UPDATE_COLUMNS: Final = (
    "record_type",
    "record_id",
    "email",
    "field_id",
    "old_value",
    "kind",
    "recorded_at",
    "origin",
)
PUSH_COLUMNS: Final = ("email", "recorded_at", "origin")


def email_digest(email: str) -> str:
    """A short SHA-256 of an address: what logs and reports may show instead of the address."""
    return hashlib.sha256(email.encode("utf-8")).hexdigest()[:16]


def acton_entries(kind: str, items: Iterable[dict[str, object]]) -> pd.DataFrame:
    """One consent list page (``{"email", "timestamp" ms, "origin"}``) as ``ENTRY_COLUMNS``."""
    rows = list(items)
    frame = pd.DataFrame(
        {
            "kind": kind,
            "email": canonical_email(pd.Series([row.get("email") for row in rows], dtype=object)),
            "recorded_at": pd.to_datetime(
                pd.Series([row.get("timestamp") for row in rows], dtype="float64"), unit="ms", utc=True
            ),
            "origin": pd.Series([str(row.get("origin") or "") for row in rows], dtype=object),
        },
        columns=list(ENTRY_COLUMNS),
    )
    return frame.dropna(subset=["email"]).reset_index(drop=True)


def first_entries(entries: pd.DataFrame) -> pd.DataFrame:
    """One row per (kind, address), its earliest time: the lookback re-reads entries, this drops repeats."""
    if entries.empty:
        return pd.DataFrame(columns=list(ENTRY_COLUMNS))
    ordered = entries.sort_values(["kind", "email", "recorded_at"], kind="stable")
    return ordered.drop_duplicates(["kind", "email"], keep="first").reset_index(drop=True)


@dataclass
class NetSuiteOptOuts:
    """NetSuite's opted-out records as opt-out entries, and the addresses that cannot go anywhere."""

    entries: pd.DataFrame  # ENTRY_COLUMNS, kind "netsuite", origin naming the records and statuses
    quarantine: pd.DataFrame  # record_type, id, email, reason


def netsuite_optouts(records: pd.DataFrame) -> NetSuiteOptOuts:
    """Opted-out contacts/customers (record_type, id, email, status, lastmodifieddate) by address;
    records at another status are ignored here (see :func:`opted_in_addresses`).

    An address NetSuite holds that is not one (``bob@@x``) is quarantined with its reason: Act-On would
    reject it, and it cannot be looked up anywhere.
    """
    if not records.empty:
        records = records.loc[records["status"].astype(str).isin(OPT_OUT_STATUSES)]
    if records.empty:
        return NetSuiteOptOuts(pd.DataFrame(columns=list(ENTRY_COLUMNS)), _empty_quarantine())
    emails, reasons = validate_emails(records["email"])
    bad = reasons.ne("")
    quarantine = (
        records.loc[bad, ["record_type", "id", "email"]].assign(reason=reasons[bad]).reset_index(drop=True)
    )
    good = records.loc[~bad].assign(email=emails[~bad])
    good = good.assign(
        origin=good["record_type"]
        + " "
        + good["id"].astype(str)
        + " ("
        + good["status"].map(_status_name)
        + ")"
    )
    grouped = good.sort_values(["email", "lastmodifieddate"]).groupby("email", sort=True)
    entries = pd.DataFrame(
        {
            "kind": NETSUITE_OPTOUT,
            "email": list(grouped.groups),
            "recorded_at": grouped["lastmodifieddate"].max().to_numpy(),
            "origin": grouped["origin"].agg(", ".join).to_numpy(),
        },
        columns=list(ENTRY_COLUMNS),
    )
    return NetSuiteOptOuts(entries, quarantine)


def opted_in_addresses(records: pd.DataFrame) -> set[str]:
    """Addresses of records at Soft or Confirmed Opt-In (1, 3): checked against known opt-outs."""
    if records.empty:
        return set()
    opted_in = records.loc[~records["status"].astype(str).isin(OPT_OUT_STATUSES), "email"]
    return set(canonical_email(opted_in).dropna())


def acton_pushes(netsuite: pd.DataFrame, on_acton: set[str]) -> pd.DataFrame:
    """NetSuite opt-outs (``ENTRY_COLUMNS``) Act-On's opt-out list does not hold yet (``PUSH_COLUMNS``)."""
    missing = netsuite.loc[~netsuite["email"].isin(on_acton)]
    return missing.loc[:, list(PUSH_COLUMNS)].reset_index(drop=True)


def netsuite_updates(
    opt_outs: pd.DataFrame,
    hard_bounces: pd.DataFrame,
    records: pd.DataFrame,
    hard_bounce_field: str | None,
) -> pd.DataFrame:
    """The writes that bring NetSuite in line (``UPDATE_COLUMNS``), one per record and field.

    ``opt_outs`` and ``hard_bounces`` are entries (one per address, earliest first); ``records`` every
    contact and customer holding one of their addresses (record_type, id, email, status, hard_bounce).
    Records at 2 or 4 get no status write; records already flagged get no hard-bounce write.
    """
    keyed = records.assign(key=canonical_email(records["email"]))
    parts = []
    if not opt_outs.empty and not keyed.empty:
        first = first_entries(opt_outs).sort_values("recorded_at").drop_duplicates("email", keep="first")
        joined = keyed.merge(first, left_on="key", right_on="email", suffixes=("", "_entry"))
        todo = joined.loc[~joined["status"].isin(OPT_OUT_STATUSES)]
        parts.append(_updates(todo, STATUS_FIELD, todo["status"]))
    if hard_bounce_field and not hard_bounces.empty and not keyed.empty:
        first = first_entries(hard_bounces)
        joined = keyed.merge(first, left_on="key", right_on="email", suffixes=("", "_entry"))
        todo = joined.loc[~joined["hard_bounce"].astype(bool)]
        parts.append(_updates(todo, hard_bounce_field, pd.Series("F", index=todo.index, dtype=object)))
    parts = [part for part in parts if not part.empty]
    if not parts:
        return pd.DataFrame(columns=list(UPDATE_COLUMNS))
    return (
        pd.concat(parts, ignore_index=True)
        .sort_values(["record_type", "record_id", "field_id"])
        .reset_index(drop=True)
    )


def _updates(joined: pd.DataFrame, field_id: str, old: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_type": joined["record_type"].to_numpy(),
            "record_id": joined["id"].astype(str).to_numpy(),
            "email": joined["key"].to_numpy(),
            "field_id": field_id,
            "old_value": old.astype(str).to_numpy(),
            "kind": joined["kind"].to_numpy(),
            "recorded_at": joined["recorded_at"].to_numpy(),
            "origin": joined["origin"].to_numpy(),
        },
        columns=list(UPDATE_COLUMNS),
    )


def _status_name(status: object) -> str:
    return SUBSCRIPTION_STATUSES.get(str(status), f"status {status}")


def _empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame(columns=["record_type", "id", "email", "reason"])
