"""Reverse logic: Act-On list scores -> NetSuite custom-field updates.

Sales wants each contact's Act-On score on the NetSuite contact, and, for a company still in the LEAD
stage, the best score among its contacts on the company record. An individual (a customer record that is
a person, linked as ``customer:<id>`` and its own company) gets its score on its own record: in the lead
field while it is a lead, in ``individual_field`` otherwise. Emails are the only join key Act-On gives
us, so scores are joined to NetSuite ids through the links the forward sync stored (every person,
duplicates included): an email shared by several people updates all of them.

Output frames always have the columns ``record_type, record_id, field_id, value`` (value a float).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from netsuite_acton.sync.cleaning import as_text, canonical_email, normalise_stage
from netsuite_acton.sync.contract import (
    COMPANY_RECORD,
    CONTACT_RECORD,
    INDIVIDUAL_PREFIX,
    UPDATE_COLUMNS,
)
from netsuite_acton.sync.routing import LINK_COLUMNS

LEAD_STAGE: Final = "LEAD"
#: Values closer than this are "the same score" (the state store keeps floats).
TOLERANCE: Final = 1e-9


@dataclass(frozen=True)
class ScoreResolution:
    """Updates to write, plus who could not be resolved (frames for files; ``counts`` for logs)."""

    updates: pd.DataFrame
    unlinked: pd.DataFrame  # email, score: scored in Act-On, unknown to the links
    multi_linked: pd.DataFrame  # email, contacts: emails that updated several NetSuite contacts
    counts: dict[str, int] = field(default_factory=dict)


def empty_updates() -> pd.DataFrame:
    """An update frame with no rows and the right dtypes."""
    return pd.DataFrame(
        {
            "record_type": pd.Series(dtype="str"),
            "record_id": pd.Series(dtype="str"),
            "field_id": pd.Series(dtype="str"),
            "value": pd.Series(dtype="float64"),
        }
    )


def collect_scores(
    valid: pd.DataFrame | Iterable[pd.DataFrame], *, email_column: str, score_column: str
) -> tuple[pd.DataFrame, dict[str, int]]:
    """(one ``email, score`` row per email, counts) from validated list rows (one frame or several).

    Blank scores mean "not scored yet": skipped and counted as ``score_blank``. An email found in several
    lists (a contact that changed stage) keeps its highest score, counted as ``emails_in_several_lists``.
    """
    frames = [valid] if isinstance(valid, pd.DataFrame) else list(valid)
    parts = [
        pd.DataFrame(
            {
                "email": canonical_email(frame[email_column]),
                "score": pd.to_numeric(as_text(frame[score_column]).str.strip(), errors="coerce"),
            }
        )
        for frame in frames
    ]
    empty = pd.DataFrame({"email": pd.Series(dtype="str"), "score": pd.Series(dtype="float64")})
    scores = pd.concat(parts, ignore_index=True) if parts else empty
    scores["score"] = scores["score"].astype("float64")
    blank = scores["score"].isna() | scores["email"].isna()
    scored = scores.loc[~blank]
    best = scored.groupby("email", sort=True, as_index=False)["score"].max()
    counts = {
        "score_rows": len(scores),
        "score_blank": int(blank.sum()),
        "emails_in_several_lists": int(scored["email"].duplicated().sum()),
        "emails_scored": len(best),
    }
    return best, counts


def links_frame(links: pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Links (from ``StateStore.links_for_emails`` or ``routing.contact_links``) as a normalised frame."""
    frame = (
        links if isinstance(links, pd.DataFrame) else pd.DataFrame(list(links), columns=list(LINK_COLUMNS))
    )
    return pd.DataFrame(
        {
            "netsuite_id": as_text(frame["netsuite_id"]).str.strip(),
            "email": canonical_email(frame["email"]),
            "company_id": as_text(frame["company_id"]).str.strip(),
            "company_stage": normalise_stage(frame["company_stage"]),
        }
    ).drop_duplicates("netsuite_id", keep="last")


def resolve_scores(
    scores: pd.DataFrame,
    links: pd.DataFrame | Iterable[Mapping[str, Any]],
    *,
    contact_field: str,
    lead_field: str | None,
    individual_field: str | None = None,
) -> ScoreResolution:
    """Contact updates for every contact linked to a scored email, lead-level and individual updates.

    A company whose stage is LEAD gets, in ``lead_field``, the highest score among its linked people
    (skipped when ``lead_field`` is None): an individual lead is its own company, so it gets its own
    score. An individual in any other stage gets its score in ``individual_field`` (skipped when None).
    ``scores`` is the output of ``collect_scores``.
    """
    linked = links_frame(links)
    joined = scores.merge(linked, on="email", how="left", validate="one_to_many")
    unlinked_mask = joined["netsuite_id"].isna()
    unlinked = joined.loc[unlinked_mask, ["email", "score"]].reset_index(drop=True)
    matched = joined.loc[~unlinked_mask]
    per_email = matched.groupby("email")["netsuite_id"].nunique()
    multi = per_email[per_email > 1]
    multi_linked = pd.DataFrame(
        {"email": multi.index.astype("str"), "contacts": multi.to_numpy(dtype="int64")}
    )

    individual = matched["netsuite_id"].str.startswith(INDIVIDUAL_PREFIX)
    contacts = matched.loc[~individual]
    contact_updates = _updates(CONTACT_RECORD, contacts["netsuite_id"], contact_field, contacts["score"])
    individual_updates = empty_updates()
    if individual_field:
        people = matched.loc[individual & matched["company_stage"].ne(LEAD_STAGE).fillna(True)]
        own_ids = people["netsuite_id"].str.slice(len(INDIVIDUAL_PREFIX))
        individual_updates = _updates(COMPANY_RECORD, own_ids, individual_field, people["score"])
    lead_updates = empty_updates()
    if lead_field:
        leads = matched.loc[
            matched["company_stage"].eq(LEAD_STAGE).fillna(False) & matched["company_id"].notna()
        ]
        best = leads.groupby("company_id", sort=True)["score"].max()
        lead_updates = _updates(COMPANY_RECORD, pd.Series(best.index, dtype="str"), lead_field, best)
    updates = pd.concat([contact_updates, lead_updates, individual_updates], ignore_index=True)
    updates = updates.sort_values(
        ["record_type", "field_id", "record_id"], kind="mergesort", ignore_index=True
    )
    counts = {
        "unlinked_emails": len(unlinked),
        "multi_linked_emails": len(multi_linked),
        "contacts_via_shared_emails": int(multi.sum()),
        "contact_updates": len(contact_updates),
        "lead_updates": len(lead_updates),
        "individual_updates": len(individual_updates),
    }
    return ScoreResolution(updates, unlinked, multi_linked, counts)


def _updates(record_type: str, record_ids: pd.Series, field_id: str, values: pd.Series) -> pd.DataFrame:
    if len(record_ids) == 0:
        return empty_updates()
    return pd.DataFrame(
        {
            "record_type": pd.Series(record_type, index=range(len(record_ids)), dtype="str"),
            "record_id": as_text(pd.Series(np.asarray(record_ids))),
            "field_id": pd.Series(field_id, index=range(len(record_ids)), dtype="str"),
            "value": np.asarray(values, dtype="float64"),
        }
    )


def diff_scores(
    updates: pd.DataFrame, previously_pushed: Mapping[tuple[str, str, str], float | None]
) -> tuple[pd.DataFrame, int]:
    """(updates whose value differs from the last value written, number unchanged).

    ``previously_pushed`` is keyed by ``(record_type, record_id, field_id)`` because a contact and a
    customer can share an id; build it from ``StateStore.pushed`` per record type and field. A record
    never written, or last written as null, counts as changed.
    """
    if updates.empty or not previously_pushed:
        return updates, 0
    known = pd.Series(
        list(previously_pushed.values()),
        index=pd.MultiIndex.from_tuples(list(previously_pushed)),
        dtype="float64",
    )
    wanted = pd.MultiIndex.from_frame(updates.loc[:, ["record_type", "record_id", "field_id"]].astype("str"))
    previous = known[~known.index.duplicated(keep="last")].reindex(wanted).to_numpy()
    same = pd.Series(np.abs(previous - updates["value"].to_numpy()) <= TOLERANCE, index=updates.index)
    return updates.loc[~same], int(same.sum())


def pushed_records(updates: pd.DataFrame) -> list[dict[str, Any]]:
    """``{record_type, record_id, field_id, value}`` dicts for ``StateStore.record_pushed``."""
    return updates.loc[:, list(UPDATE_COLUMNS)].astype("object").to_dict("records")
