"""Act-On fields pushed back by policy (``reverse.fields``), end to end against both sandboxes.

The NetSuite admin creates typed custom fields, the marketer adds the matching headings to the Act-On lists
and fills them; the reverse DAG converts each value to the field's type before any PATCH, refuses what
does not convert (with the reason), fills ``if_empty`` fields only where NetSuite holds nothing, keeps
``always`` fields in step, and reports a record NetSuite refuses by id and NetSuite's code.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
import yaml

from netsuite_acton.dag_settings import config_path
from netsuite_acton.operators.staging import RunStaging
from netsuite_acton.sync.config import load_config
from tests.e2e.conftest import SyncEnv

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

FORWARD, REVERSE = "netsuite_contacts_to_acton", "acton_scores_to_netsuite"
EMAIL, ID_HEADING, LEADS = "E-mail Address", "NetSuite Contact ID", "NetSuite Leads"
RATING, SOURCE, ENGAGED, VISIT = "Lead Rating", "Lead Source", "Engaged", "Last Visit"
FIELDS = [
    {"heading": RATING, "field": "custentity_acton_rating", "record": "contact", "type": "integer"},
    {
        "heading": SOURCE,
        "field": "custentity_acton_source",
        "record": "contact",
        "type": "text",
        "policy": "if_empty",
    },
    {"heading": ENGAGED, "field": "custentity_acton_engaged", "record": "customer", "type": "checkbox"},
    {"heading": VISIT, "field": "custentity_acton_last_visit", "record": "contact", "type": "date"},
]


def _config_with_fields(tmp_path: Path) -> str:
    config = yaml.safe_load(Path(config_path()).read_text(encoding="utf-8"))
    config["reverse"]["fields"] = FIELDS
    base = Path(config_path()).parent
    config["expectations"] = {k: str(base / v) for k, v in config["expectations"].items()}
    path = tmp_path / "sync.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return str(path)


def _prepare(sync: SyncEnv, tmp_path: Path) -> None:
    """Fields in NetSuite, the headings in every Act-On list (created before the first sync), a sync."""
    for spec in FIELDS:
        sync.post(
            sync.netsuite,
            "fields",
            {"record_type": spec["record"], "id": spec["field"], "type": spec["type"]},
        )
    sync.config_path = _config_with_fields(tmp_path)
    cfg = load_config(sync.config_path)
    headings = [*cfg.forward.headings, cfg.reverse.score_column, RATING, SOURCE, ENGAGED, VISIT]
    for name in cfg.forward.routed_lists:
        sync.post(sync.acton, "lists", {"name": name, "headings": headings, "email_heading": EMAIL})
    state, report = sync.run(FORWARD)
    assert state == "success", report


def _people(sync: SyncEnv, count: int) -> list[dict[str, Any]]:
    """Leads with an address of their own (one contact each), each at a different company."""
    chosen: list[dict[str, Any]] = []
    companies: set[str] = set()
    for record in sync.acton_records(LEADS):
        links = sync.state.links_for_emails([str(record[EMAIL]).lower()])
        if len(links) != 1 or not links[0]["company_id"] or links[0]["company_id"] in companies:
            continue
        companies.add(links[0]["company_id"])
        chosen.append({"email": str(record[EMAIL]).lower(), **links[0]})
        if len(chosen) == count:
            return chosen
    raise AssertionError("the seed has too few single-contact leads")


def _act_on(sync: SyncEnv, heading: str, values: dict[str, str]) -> None:
    sync.post(sync.acton, "scores", {"scores": values, "field": heading})


def _contact(sync: SyncEnv, person: dict[str, Any]) -> dict[str, Any]:
    return sync.netsuite_contact(person["netsuite_id"])


def _company(sync: SyncEnv, person: dict[str, Any]) -> dict[str, Any]:
    return requests.get(f"{sync.netsuite}/_sandbox/customers/{person['company_id']}", timeout=30).json()


def _step(sync: SyncEnv, report: dict[str, Any], step: str) -> pd.DataFrame:
    return RunStaging(f"file://{sync.staging_root}", REVERSE, report["run_id"]).read_step(step)


def test_fields_are_typed_pushed_by_policy_and_refusals_reported(sync_env: SyncEnv, tmp_path: Path) -> None:
    _prepare(sync_env, tmp_path)
    a, b, c, d = _people(sync_env, 4)
    by_hand = {k: v for k, v in _contact(sync_env, b).items() if k not in ("locked", "address")}
    sync_env.post(
        sync_env.netsuite,
        "contacts",
        [
            {
                **by_hand,
                "custentity_acton_source": "Trade show",
                "lastmodifieddate": datetime.now(UTC).isoformat(),
            }
        ],
    )
    sync_env.post(
        sync_env.netsuite, "locks", {"record_type": "contact", "ids": [int(d["netsuite_id"])], "locked": True}
    )
    _act_on(sync_env, RATING, {a["email"]: "42", b["email"]: "4.0", c["email"]: "high", d["email"]: "7"})
    _act_on(sync_env, SOURCE, {a["email"]: "Webinar", b["email"]: "Web form"})
    _act_on(sync_env, ENGAGED, {a["email"]: "Yes", b["email"]: "no"})
    _act_on(sync_env, VISIT, {a["email"]: "3/15/2026"})

    state, report = sync_env.run(REVERSE, failure_rate_threshold=0.5)  # 1 of 7 writes is refused
    assert state == "success", report
    assert report is not None

    contact_a, contact_b = _contact(sync_env, a), _contact(sync_env, b)
    assert contact_a["custentity_acton_rating"] == 42
    assert contact_a["custentity_acton_source"] == "Webinar"
    assert str(contact_a["custentity_acton_last_visit"]).startswith("2026-03-15")
    assert contact_b["custentity_acton_rating"] == 4, "4.0 is the integer 4"
    assert contact_b["custentity_acton_source"] == "Trade show", "if_empty never overwrites a salesperson"
    assert _company(sync_env, a)["custentity_acton_engaged"] == "T"
    assert _company(sync_env, b)["custentity_acton_engaged"] == "F"
    assert _contact(sync_env, c).get("custentity_acton_rating") is None, "'high' is not an integer"
    assert _contact(sync_env, d).get("custentity_acton_rating") is None, "locked by a workflow"

    counters = report["counters"]
    assert counters["field_refused:Lead Rating:not_an_integer"] == 1
    assert counters["fields_left_filled"] == 1
    assert report["rejected"].get("USER_ERROR", 0) >= 1
    results = _step(sync_env, report, "field_results")
    refused = results.loc[~results["ok"].astype(bool)]
    assert refused[["record_type", "record_id", "field_id"]].values.tolist() == [
        ["contact", d["netsuite_id"], "custentity_acton_rating"]
    ]
    assert refused["error_code"].tolist() == ["USER_ERROR"]
    assert _step(sync_env, report, "field_refused")["reason"].tolist() == ["not_an_integer"]

    # Next run: the lock is gone, a's rating changed, the sources changed in Act-On.
    sync_env.post(
        sync_env.netsuite,
        "locks",
        {"record_type": "contact", "ids": [int(d["netsuite_id"])], "locked": False},
    )
    _act_on(sync_env, RATING, {a["email"]: "50"})
    _act_on(sync_env, SOURCE, {a["email"]: "Event", b["email"]: "Partner"})
    state, again = sync_env.run(REVERSE)
    assert state == "success", again
    assert again is not None
    assert _contact(sync_env, a)["custentity_acton_rating"] == 50, "always: kept in step"
    assert _contact(sync_env, d)["custentity_acton_rating"] == 7, "the refused record is retried"
    assert _contact(sync_env, a)["custentity_acton_source"] == "Webinar", "if_empty: filled once, then left"
    assert _contact(sync_env, b)["custentity_acton_source"] == "Trade show"
    written = _step(sync_env, again, "field_results")
    assert sorted(written["record_id"].tolist()) == sorted([a["netsuite_id"], d["netsuite_id"]])
    assert written["ok"].astype(bool).all()
