"""Routing step: NetSuite columns -> Act-On headings, and each contact -> its list by company stage.

Act-On groups contacts into marketing lists by the stage of their company (Customer, Prospect, Lead,
Unaffiliated); which list a stage goes to is configuration, so it is read from ``ForwardConfig.routing``.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from netsuite_acton.sync.cleaning import as_text, canonical_email, normalise_stage
from netsuite_acton.sync.config import ForwardConfig
from netsuite_acton.sync.contract import LIST_NAME, NETSUITE_ID, OPT_OUT_STATUSES, STAGES

NOT_ROUTED_PREFIX: Final = "not_routed:"
#: The columns of ``contact_links``, as the state store's ``record_links`` takes them.
LINK_COLUMNS: Final = ("netsuite_id", "email", "company_id", "company_stage")


def list_names(cleaned: pd.DataFrame, config: ForwardConfig) -> pd.Series:
    """The list each contact belongs to, or missing when its stage is not routed.

    A contact without a company, or whose company has no stage, is unaffiliated.
    """
    stage = normalise_stage(cleaned["stage"])
    company = as_text(cleaned["company"]).str.strip() if "company" in cleaned else stage
    unaffiliated = stage.isna() | company.isna() | company.eq("")
    names = stage.map(dict(config.routing.by_stage), na_action="ignore").astype("str")
    return names.mask(unaffiliated, config.routing.unaffiliated)


def route_contacts(cleaned: pd.DataFrame, config: ForwardConfig) -> tuple[pd.DataFrame, dict[str, int]]:
    """(Act-On rows: one column per mapped heading plus ``list_name`` and ``netsuite_id``, not-routed counts).

    ``netsuite_id`` rides along for the state store and reports; the upload writes ``config.headings`` only.

    Rows whose stage has no list (or unaffiliated rows when ``unaffiliated`` is null) are left out and
    counted as ``not_routed:<STAGE>`` / ``not_routed:unaffiliated``. The input index is kept so callers
    can line rows up with other per-row data.
    """
    names = list_names(cleaned, config)
    rows = pd.DataFrame(
        {heading: as_text(cleaned[spec.column]) for heading, spec in config.mapping.items()},
        index=cleaned.index,
    )
    rows[LIST_NAME] = names
    rows[NETSUITE_ID] = as_text(cleaned["id"])
    missing = names.isna()
    counts: dict[str, int] = {}
    if missing.any():
        stage = normalise_stage(cleaned.loc[missing, "stage"])
        company = cleaned.loc[missing, "company"] if "company" in cleaned else stage
        label = stage.where(stage.isin(STAGES), "unknown_stage")
        label = label.mask(stage.isna() | company.isna(), "unaffiliated")
        counts = {f"{NOT_ROUTED_PREFIX}{k}": int(v) for k, v in sorted(label.value_counts().items())}
    return rows.loc[~missing], counts


def contact_links(cleaned: pd.DataFrame) -> pd.DataFrame:
    """email <-> NetSuite id (and company) for every cleaned contact, duplicates included.

    The reverse sync resolves a score's email to every contact sharing it, so links are kept for losers of
    de-duplication too. Columns match the state store's ``record_links`` rows.
    """
    return pd.DataFrame(
        {
            "netsuite_id": as_text(cleaned["id"]),
            "email": as_text(cleaned["email"]),
            "company_id": as_text(cleaned["company"]),
            "company_stage": normalise_stage(cleaned["stage"]),
        },
        index=cleaned.index,
    )


def opted_out_emails(contacts: pd.DataFrame) -> set[str]:
    """Addresses held by a contact whose ``globalsubscriptionstatus`` is an opt-out (2 or 4).

    Read from the contacts as extracted (inactive ones included): an address opted out on any record is
    kept out of every list, whichever contact would route it.
    """
    if "globalsubscriptionstatus" not in contacts:
        return set()
    status = as_text(contacts["globalsubscriptionstatus"]).str.strip()
    return set(canonical_email(contacts.loc[status.isin(OPT_OUT_STATUSES).fillna(False), "email"]).dropna())
