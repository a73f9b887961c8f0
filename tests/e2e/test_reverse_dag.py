"""acton_scores_to_netsuite end to end with dag.test() against both sandboxes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import ROOT, SyncEnv

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

FORWARD, REVERSE = "netsuite_contacts_to_acton", "acton_scores_to_netsuite"
EMAIL, CONTACT_FIELD, LEAD_FIELD = "E-mail Address", "custentity_acton_score", "custentity_acton_lead_score"


def _seed_scores(sync: SyncEnv, per_list: int = 120) -> dict[str, int]:
    """Give the first ``per_list`` records of every list a score, as Act-On's List Maintenance would."""
    scores: dict[str, int] = {}
    for records in sync.all_acton_records().values():
        for index, record in enumerate(records[:per_list]):
            scores[record[EMAIL]] = (index * 37 + 11) % 101
    sync.post(sync.acton, "scores", {"scores": scores})
    return scores


def _contacts_by_email(sync: SyncEnv) -> dict[str, list[str]]:
    """Address -> the NetSuite contact ids linked to it (contacts only)."""
    with sync.state.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT email, netsuite_id FROM nas_contact_links").all()
    out: dict[str, list[str]] = {}
    for email, netsuite_id in rows:
        if not netsuite_id.startswith("customer:"):  # individuals: their score goes to their own record
            out.setdefault(email, []).append(netsuite_id)
    return out


def _patches(sync: SyncEnv) -> int:
    return int(sync.netsuite_stats().get("patches", 0))


@pytest.fixture
def synced(sync_env: SyncEnv) -> SyncEnv:
    state, _ = sync_env.run(FORWARD)
    assert state == "success"
    return sync_env


def test_push_then_unchanged_then_changed(synced: SyncEnv, capfd: pytest.CaptureFixture[str]) -> None:
    scores = _seed_scores(synced)
    links = _contacts_by_email(synced)
    linked = {cid for email in scores for cid in links.get(email, [])}

    capfd.readouterr()
    state, report = synced.run(REVERSE)
    assert state == "success", report
    logs = "".join(capfd.readouterr())
    assert "Resolved scores" in logs, "task logs were not captured"
    assert not {email for email in scores if email in logs}, "an email address reached the task logs"
    assert report["calls"]["netsuite"] == report["loaded_updated"][f"contact.{CONTACT_FIELD}"] + report[
        "loaded_updated"
    ].get(f"customer.{LEAD_FIELD}", 0)
    assert report["loaded_updated"][f"contact.{CONTACT_FIELD}"] == len(linked)
    for email, score in list(scores.items())[:40]:
        for contact_id in links.get(email, []):
            assert synced.netsuite_contact(contact_id)[CONTACT_FIELD] == score
    leads = report["loaded_updated"].get(f"customer.{LEAD_FIELD}", 0)
    assert leads > 0, "no LEAD company got a lead-level score"
    _check_lead_scores(synced, scores, links)

    before = _patches(synced)
    state, rerun = synced.run(REVERSE)
    assert state == "success"
    assert _patches(synced) == before, "an unchanged rerun must not PATCH anything"
    assert rerun["to_load"] == {}
    # the first run read every record; later runs only what Act-On modified since (minus the lookback)
    assert report["steps"]["extract_scores"]["modified_after"] is None
    assert rerun["steps"]["extract_scores"]["modified_after"] is not None

    changed = dict(list(scores.items())[:3])
    changed = {email: (score + 5) % 101 for email, score in changed.items()}
    synced.post(synced.acton, "scores", {"scores": changed})
    state, third = synced.run(REVERSE)
    assert state == "success"
    contacts = {cid for email in changed for cid in links.get(email, [])}
    assert third["loaded_updated"][f"contact.{CONTACT_FIELD}"] == len(contacts)
    for email, score in changed.items():
        for contact_id in links[email]:
            assert synced.netsuite_contact(contact_id)[CONTACT_FIELD] == score


def _check_lead_scores(sync: SyncEnv, scores: dict[str, int], links: dict[str, list[str]]) -> None:
    """Each LEAD company's lead-level field holds the highest score among its contacts."""
    best: dict[str, int] = {}
    for email, score in scores.items():
        for contact_id in links.get(email, []):
            contact = sync.netsuite_contact(contact_id)
            company = contact.get("company")
            if company and _customer(sync, company).get("stage") == "LEAD":
                best[str(company)] = max(best.get(str(company), -1), score)
    assert best
    for company, score in best.items():
        assert _customer(sync, company)[LEAD_FIELD] == score


def _customer(sync: SyncEnv, company_id: str) -> dict[str, Any]:
    import requests

    return requests.get(f"{sync.netsuite}/_sandbox/customers/{company_id}", timeout=30).json()


def test_locked_records_are_reported_and_retried(synced: SyncEnv) -> None:
    scores = _seed_scores(synced)
    links = _contacts_by_email(synced)
    locked = sorted({links[email][0] for email in list(scores)[:4] if email in links})
    synced.post(
        synced.netsuite, "locks", {"record_type": "contact", "ids": [int(i) for i in locked], "locked": True}
    )

    state, report = synced.run(REVERSE)
    assert state == "success", report["problems"]
    assert report["rejected"] == {"USER_ERROR": len(locked)}
    pushed = synced.state.pushed("contact", CONTACT_FIELD, locked)
    assert pushed == {}, "a refused write must not be remembered as written"

    synced.post(
        synced.netsuite, "locks", {"record_type": "contact", "ids": [int(i) for i in locked], "locked": False}
    )
    before = _patches(synced)
    state, retry = synced.run(REVERSE)
    assert state == "success"
    assert retry["loaded_updated"] == {f"contact.{CONTACT_FIELD}": len(locked)}
    # the failed run did not move the download watermark, so the retry read the same window again
    assert retry["steps"]["extract_scores"]["modified_after"] is None
    assert _patches(synced) - before == len(locked)


def test_too_many_failures_fail_the_run(synced: SyncEnv) -> None:
    scores = _seed_scores(synced, per_list=10)
    links = _contacts_by_email(synced)
    everyone = sorted({cid for email in scores for cid in links.get(email, [])})
    synced.post(
        synced.netsuite,
        "locks",
        {"record_type": "contact", "ids": [int(i) for i in everyone], "locked": True},
    )
    state, report = synced.run(REVERSE)
    assert state == "failed"
    assert any("above the threshold" in problem for problem in report["problems"])


def test_dry_run_writes_nothing(synced: SyncEnv) -> None:
    _seed_scores(synced)
    before = _patches(synced)
    state, report = synced.run(REVERSE, dry_run=True)
    assert state == "success", report
    assert report["dry_run"] is True
    assert report["counters"][f"would_write:contact.{CONTACT_FIELD}"] > 0
    assert _patches(synced) == before
    with synced.state.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM nas_pushed_values").scalar() == 0


def test_missing_custom_field_fails_at_preflight(synced: SyncEnv, tmp_path: Path) -> None:
    config = yaml.safe_load((ROOT / "include" / "sync.yaml").read_text())
    config["reverse"]["contact_field"] = "custentity_not_created_yet"
    config["expectations"] = {
        "contacts": str(ROOT / "include" / "expectations" / "contacts.json"),
        "scores": str(ROOT / "include" / "expectations" / "scores.json"),
    }
    path = tmp_path / "sync.yaml"
    path.write_text(yaml.safe_dump(config))
    synced.config_path = str(path)
    _seed_scores(synced)
    before = _patches(synced)

    state, report = synced.run(REVERSE)
    assert state == "failed"
    assert any("preflight" in problem for problem in report["problems"])
    assert _patches(synced) == before


def test_reverse_on_an_empty_account_does_nothing(sync_env: SyncEnv) -> None:
    """Unpausing both DAGs runs the reverse one before any forward run: nothing to read, nothing to write."""
    state, report = sync_env.run(REVERSE)
    assert state == "success", report["problems"]
    assert report["steps"]["extract_scores"]["missing_lists"]
    assert report["loaded_updated"] == {}
