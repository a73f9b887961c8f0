from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from netsuite_acton.operators.preflight import (
    WRITE_CHECK_EVERY,
    ConsentPreflightOperator,
    NetSuitePreflightOperator,
)
from netsuite_acton.sources.netsuite_preflight import NetSuitePreflightError, PreflightReport
from tests.operators.conftest import REVERSE_DAG

MARKER = "preflight_write_check:custentity_acton_score,custentity_acton_lead_score,custentity_acton_score"


class FakeNetSuiteHook:
    calls: list[dict[str, Any]] = []
    problem: str | None = None

    def __init__(self, netsuite_conn_id: str = "netsuite_default", **_: Any) -> None:
        pass

    def preflight(self, contact_fields, customer_fields, write_check=True) -> PreflightReport:
        FakeNetSuiteHook.calls.append(
            {"contact": list(contact_fields), "customer": list(customer_fields), "write_check": write_check}
        )
        report = PreflightReport("1234567")
        report.add("suiteql contact", "ok")
        if FakeNetSuiteHook.problem:
            report.add(FakeNetSuiteHook.problem, "problem", "NONEXISTENT_FIELD")
        return report


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> type[FakeNetSuiteHook]:
    import netsuite_acton.hooks.netsuite as module
    import netsuite_acton.sources.netsuite_preflight as sources

    monkeypatch.setattr(module, "NetSuiteHook", FakeNetSuiteHook)
    monkeypatch.setattr(sources, "run_preflight", lambda hook, **checks: hook.preflight(**checks))
    FakeNetSuiteHook.calls, FakeNetSuiteHook.problem = [], None
    return FakeNetSuiteHook


def _run(staging_root: str, make_context, **params: Any) -> dict[str, Any]:
    op = NetSuitePreflightOperator(task_id="preflight", staging_root=staging_root)
    return op.execute(make_context(params=params, dag_id=REVERSE_DAG))


def test_first_run_checks_writes_and_remembers_it(hook, store, staging_root, make_context) -> None:
    before = datetime.now(UTC)
    out = _run(staging_root, make_context)
    assert hook.calls == [
        {
            "contact": ["custentity_acton_score"],
            "customer": ["custentity_acton_lead_score", "custentity_acton_score"],
            "write_check": True,
        }
    ]
    assert out == {
        "contact_fields": ["custentity_acton_score"],
        "customer_fields": ["custentity_acton_lead_score", "custentity_acton_score"],
        "write_check": True,
        "ok": True,
    }
    assert store.get_watermark(MARKER) >= before


def test_within_a_day_of_a_passed_check_only_reads(hook, store, staging_root, make_context) -> None:
    store.set_watermark(MARKER, datetime.now(UTC) - timedelta(hours=23))
    out = _run(staging_root, make_context)
    assert hook.calls[-1]["write_check"] is False
    assert out["write_check"] is False


def test_after_a_day_the_write_check_runs_again(hook, store, staging_root, make_context) -> None:
    store.set_watermark(MARKER, datetime.now(UTC) - WRITE_CHECK_EVERY - timedelta(minutes=5))
    assert _run(staging_root, make_context)["write_check"] is True
    assert datetime.now(UTC) - store.get_watermark(MARKER) < timedelta(minutes=1)


def test_dry_run_never_writes(hook, store, staging_root, make_context) -> None:
    out = _run(staging_root, make_context, dry_run=True)
    assert hook.calls[-1]["write_check"] is False
    assert out["write_check"] is False
    assert store.get_watermark(MARKER) is None, "a dry run does not count as a passed write check"


def test_problem_fails_and_is_not_remembered(hook, store, staging_root, make_context) -> None:
    hook.problem = "field custentity_acton_score"
    with pytest.raises(NetSuitePreflightError, match="custentity_acton_score: NONEXISTENT_FIELD"):
        _run(staging_root, make_context)
    assert store.get_watermark(MARKER) is None


def test_the_consent_preflight_checks_the_status_and_the_hard_bounce_field(
    hook, store, staging_root, make_context, tmp_path
) -> None:
    import yaml

    from netsuite_acton.dag_settings import config_path

    config = yaml.safe_load(Path(config_path()).read_text(encoding="utf-8"))
    config["reverse"]["hard_bounce_field"] = "custentity_acton_hard_bounce"
    path = tmp_path / "sync.yaml"
    config["expectations"] = {
        k: str(Path(config_path()).parent / v) for k, v in config["expectations"].items()
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    op = ConsentPreflightOperator(task_id="preflight", staging_root=staging_root, config_path=str(path))
    out = op.execute(make_context(dag_id="netsuite_acton_optouts"))
    wanted = ["globalsubscriptionstatus", "custentity_acton_hard_bounce"]
    assert hook.calls == [{"contact": wanted, "customer": wanted, "write_check": True}]
    assert out["contact_fields"] == out["customer_fields"] == wanted
    marker = "preflight_write_check:" + ",".join(wanted + wanted)
    assert store.get_watermark(marker) is not None
