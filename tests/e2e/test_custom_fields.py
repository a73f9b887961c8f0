"""Any NetSuite column can be mapped: a custom field end to end, and a misspelt one refused before extraction.

What the runbook tells a data team to do, done here: create the field in NetSuite, add it to the SELECT
list of the contacts templates, map it to an Act-On heading in ``include/sync.yaml``.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from netsuite_acton.dag_settings import config_path
from sandbox.netsuite.schema import COUNTRIES
from tests.e2e.conftest import ROOT, SyncEnv

FORWARD = "netsuite_contacts_to_acton"
FIELD = "custentity_industry"
pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _templates_with(tmp_path: Path, column: str) -> Path:
    """A copy of include/suiteql whose contacts templates also select ``c.<column>`` and whose individuals
    templates select it as NULL (the sandbox's field applies to contacts only), as the runbook says."""
    folder = tmp_path / "suiteql"
    shutil.copytree(ROOT / "include" / "suiteql", folder)
    for name, prefix, select in (
        ("contacts.sql", "c.", f"c.{column}"),
        ("contacts_by_id.sql", "c.", f"c.{column}"),
        ("individuals.sql", "cu.", f"NULL AS {column}"),
        ("individuals_by_id.sql", "cu.", f"NULL AS {column}"),
    ):
        path = folder / name
        text = path.read_text(encoding="utf-8")
        anchor = f"{prefix}globalsubscriptionstatus,"
        assert anchor in text
        path.write_text(text.replace(anchor, f"{anchor} {select},"))
    return folder


def _config_mapping(tmp_path: Path, heading: str, column: str) -> str:
    config = yaml.safe_load(Path(config_path()).read_text(encoding="utf-8"))
    config["forward"]["mapping"][heading] = column
    base = Path(config_path()).parent
    config["expectations"] = {k: str(base / v) for k, v in config["expectations"].items()}
    path = tmp_path / "sync.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return str(path)


def _set_field(sync: SyncEnv, values: dict[str, str]) -> None:
    now = datetime.now(UTC).isoformat()
    rows: list[dict[str, Any]] = []
    for contact_id, value in values.items():
        row = sync.netsuite_contact(contact_id)
        row = {k: v for k, v in row.items() if k != "locked"}
        rows.append({**row, FIELD: value, "lastmodifieddate": now})
    sync.post(sync.netsuite, "contacts", rows)


def test_a_custom_field_reaches_act_on_under_its_heading(
    sync_env: SyncEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_env.post(sync_env.netsuite, "fields", {"record_type": "contact", "id": FIELD, "type": "text"})
    monkeypatch.setenv("NETSUITE_ACTON_SUITEQL_DIR", str(_templates_with(tmp_path, FIELD)))
    sync_env.config_path = _config_mapping(tmp_path, "Industry", FIELD)
    state, report = sync_env.run(FORWARD)
    assert state == "success", report
    listed = sorted(
        rec["NetSuite Contact ID"] for recs in sync_env.all_acton_records().values() for rec in recs
    )
    assert all(rec["Industry"] == "" for recs in sync_env.all_acton_records().values() for rec in recs)

    chosen = listed[:3]
    _set_field(sync_env, {chosen[0]: "Aerospace", chosen[1]: "=HYPERLINK(1)", chosen[2]: "  Retail \t"})
    state, report = sync_env.run(FORWARD)  # an incremental run: the three changed contacts are sent
    assert state == "success", report
    assert sum(report["to_load"].values()) >= 3
    industry = {
        rec["NetSuite Contact ID"]: rec["Industry"]
        for recs in sync_env.all_acton_records().values()
        for rec in recs
    }
    assert industry[chosen[0]] == "Aerospace"
    assert industry[chosen[1]] == "'=HYPERLINK(1)"  # a CSV formula is neutralised like any cell
    assert industry[chosen[2]] == "Retail"  # tidied like any text column
    assert {value for key, value in industry.items() if key not in chosen} == {""}


def test_a_misspelt_column_fails_before_any_data_moves(
    sync_env: SyncEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NETSUITE_ACTON_SUITEQL_DIR", str(_templates_with(tmp_path, FIELD)))
    sync_env.config_path = _config_mapping(tmp_path, "Industry", "custentity_industy")
    before = sync_env.netsuite_stats()["total_requests"]

    state, report = sync_env.run(FORWARD)
    assert state == "failed"
    assert report is not None
    assert report["problems"][0].startswith("step 'extract' failed")
    out = capfd.readouterr()
    assert "forward.mapping.'Industry': column 'custentity_industy' is not returned by" in out.out + out.err
    assert sync_env.netsuite_stats()["total_requests"] == before, "NetSuite was queried"
    assert requests.get(f"{sync_env.acton}/_sandbox/lists", timeout=30).json() == []


def _customer(sync: SyncEnv, customer_id: object) -> dict[str, Any]:
    return requests.get(f"{sync.netsuite}/_sandbox/customers/{customer_id}", timeout=30).json()


def test_the_default_mapping_carries_address_sales_rep_and_status(sync_env: SyncEnv) -> None:
    """Missing joins (no address, no company, no rep) give empty cells, never a dropped row."""
    state, report = sync_env.run(FORWARD)
    assert state == "success", report
    records = [rec for recs in sync_env.all_acton_records().values() for rec in recs]
    assert len(records) == sum(report["to_load"].values())
    employees = {
        e["id"]: e for e in requests.get(f"{sync_env.netsuite}/_sandbox/employees", timeout=30).json()
    }
    seen = {"address": 0, "no address": 0, "rep": 0, "no rep": 0}
    for rec in records[:: max(1, len(records) // 60)]:
        key = rec["NetSuite Contact ID"]
        individual = key.startswith("customer:")  # an individual is its own company
        contact = (
            _customer(sync_env, key.removeprefix("customer:"))
            if individual
            else sync_env.netsuite_contact(key)
        )
        address = contact.get("address") or {}
        assert rec["Business Street"] == (address.get("addr1") or "").strip()
        assert rec["Business City"] == (address.get("city") or "").strip()
        assert rec["Business Postal Code"] == (address.get("zip") or "").strip()
        assert rec["Business Country"] == COUNTRIES.get(address.get("country"), "")  # the name
        seen["address" if address else "no address"] += 1
        company = contact["id"] if individual else contact.get("company")
        customer = _customer(sync_env, company) if company else {}
        rep = employees.get(customer.get("salesrep"))
        expected = f"{rep['firstname']} {rep['lastname']}" if rep else ""
        assert rec["Sales Rep"] == expected
        assert rec["Sales Rep Email"] == (rep["email"] if rep else "")
        assert bool(rec["NetSuite Status"]) == bool(customer)
        seen["rep" if rep else "no rep"] += 1
    assert min(seen.values()) > 0, seen  # the sample covers both sides of each join
