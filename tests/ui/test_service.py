"""The page's reads: a run's report and row files through the staging root, today's calls, the thresholds."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pandas as pd

from netsuite_acton.operators import folders
from netsuite_acton.operators.staging import RunStaging
from netsuite_acton.ui.service import PREVIEW_ROWS, HistoryService, spec
from tests.ui.conftest import EMAILS, FORWARD, REVERSE, World, forward_report


def _service(world: World) -> HistoryService:
    return HistoryService(store=lambda: world.store)


def test_the_report_is_read_through_its_recorded_path(world: World) -> None:
    world.record(FORWARD, "r1", ended=world.now, report=forward_report(), problems=[f"refused {EMAILS[0]}"])
    service = _service(world)
    row = service.run(FORWARD, "r1")
    view = service.report(row)
    assert view.error is None
    assert view.report["extracted"] == 1500
    assert view.report["problems"] == ["refused <email>"]  # scrubbed on the way out


def test_missing_report_messages(world: World) -> None:
    world.record(FORWARD, "gone", ended=world.now, write_report=False)
    service = _service(world)
    assert "is gone" in service.report(service.run(FORWARD, "gone")).error
    row = service.run(FORWARD, "gone")
    assert "no report file" in service.report(type(row)(**{**row.__dict__, "report_path": None})).error


def test_previews_read_at_most_the_preview_and_count_every_row(world: World) -> None:
    big = pd.DataFrame(
        {"id": [str(i) for i in range(PREVIEW_ROWS + 30)], "email": "x@example.com", "reasons": "r"}
    )
    results = pd.DataFrame(
        {
            "record_type": "contact",
            "record_id": ["1", "2", "3"],
            "ok": [True, False, False],
            "error_code": [None, "A", "B"],
        }
    )
    world.record(
        FORWARD, "f", ended=world.now, files={folders.QUARANTINE: big, folders.QUARANTINE_CLEAN: big}
    )
    world.record(REVERSE, "r", ended=world.now, files={folders.RESULTS: results})
    service = _service(world)
    files = {f["step"]: f for f in service.row_files(service.run(FORWARD, "f"), spec(FORWARD))}
    assert files[folders.QUARANTINE]["total"] == PREVIEW_ROWS + 30
    assert len(files[folders.QUARANTINE]["rows"]) == PREVIEW_ROWS
    assert files[folders.REJECTED]["total"] == 0
    assert files[folders.REJECTED]["rows"] == []
    reverse = {f["step"]: f for f in service.row_files(service.run(REVERSE, "r"), spec(REVERSE))}
    assert reverse[folders.RESULTS]["total"] == 2  # only the writes NetSuite refused
    assert [r["error_code"] for r in reverse[folders.RESULTS]["rows"]] == ["A", "B"]


def test_download_is_every_chunk_as_one_csv(world: World) -> None:
    world.record(
        FORWARD,
        "f",
        ended=world.now,
        files={folders.REJECTED: pd.DataFrame({"email": [EMAILS[0]], "reason": ["-1+2"]})},
    )
    RunStaging(world.root, FORWARD, "f").write_chunk(
        folders.REJECTED, 1, pd.DataFrame({"email": [EMAILS[2]], "reason": ["ok"]})
    )
    service = _service(world)
    text = "".join(service.download(service.run(FORWARD, "f"), spec(FORWARD), folders.REJECTED))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["email"] for r in rows] == [EMAILS[0], EMAILS[2]]
    assert rows[0]["reason"] == "'-1+2"
    assert service.download(service.run(FORWARD, "f"), spec(FORWARD), "not_a_step") is None


def test_glance_counts_todays_acton_calls_against_the_quota(world: World) -> None:
    midnight = world.now.replace(hour=0, minute=0, second=0)
    world.record(FORWARD, "yesterday", ended=midnight - timedelta(minutes=1), report=forward_report())
    world.record(FORWARD, "today", ended=midnight + timedelta(seconds=1), report=forward_report())
    glance = _service(world).glance([FORWARD], now=midnight + timedelta(hours=1))
    assert (glance["acton_calls_today"], glance["acton_runs_today"], glance["acton_daily_quota"]) == (
        9,
        1,
        30_000,
    )
    assert glance["last_clean"][FORWARD].run_id == "today"
    (token,) = glance["tokens"]
    assert "access_token" not in token
    assert "refresh_token" not in token


def test_thresholds_come_from_the_sync_config() -> None:
    assert HistoryService().thresholds() == {
        "forward.reject_rate_threshold": 0.2,
        "reverse.failure_rate_threshold": 0.1,
        "consent.failure_rate_threshold": 0.05,
    }
