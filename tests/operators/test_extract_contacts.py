from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pandas as pd
import pytest

from netsuite_acton.operators import extract_contacts
from netsuite_acton.operators.extract_contacts import (
    MANIFEST,
    WATERMARK,
    NetSuiteContactsExtractOperator,
    resolve_window,
)
from tests.operators.data import contacts

LOOKBACK = timedelta(minutes=15)
MARK = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


# -- resolve_window --------------------------------------------------------------------------------------


def test_full_refresh_reads_everything_whatever_else_is_set() -> None:
    assert resolve_window(True, "2026-01-01T00:00:00", MARK, LOOKBACK) is None


def test_first_run_reads_everything() -> None:
    assert resolve_window(False, None, None, LOOKBACK) is None


def test_watermark_minus_lookback() -> None:
    assert resolve_window(False, None, MARK, LOOKBACK) == datetime(2026, 3, 1, 7, 45, tzinfo=UTC)
    assert resolve_window(False, "", MARK, timedelta(0)) == MARK


def test_naive_since_is_utc_and_overrides_the_watermark() -> None:
    got = resolve_window(False, "2026-02-01T03:04:05", MARK, LOOKBACK)
    assert got == datetime(2026, 2, 1, 3, 4, 5, tzinfo=UTC)
    assert got.utcoffset() == timedelta(0)


def test_aware_since_is_converted_to_utc() -> None:
    got = resolve_window(False, "2026-02-01T03:04:05+02:00", None, LOOKBACK)
    assert got == datetime(2026, 2, 1, 1, 4, 5, tzinfo=UTC)
    assert got.tzinfo == UTC
    as_datetime = datetime(2026, 2, 1, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5)))
    assert resolve_window(False, as_datetime, MARK, LOOKBACK) == datetime(2026, 2, 1, 8, 4, 5, tzinfo=UTC)


def test_since_that_is_no_date_fails_before_any_extraction() -> None:
    with pytest.raises(ValueError, match="Invalid isoformat"):
        resolve_window(False, "last tuesday", MARK, LOOKBACK)


# -- the operator ----------------------------------------------------------------------------------------


class FakeNetSuitePeople:
    """Yields the frames a test queues; remembers every window it was asked for."""

    frames: list[pd.DataFrame] = []
    calls: list[dict[str, Any]] = []
    read_again: list[list[str]] = []

    templates = ("contacts", "contacts_by_id", "individuals", "individuals_by_id")

    def __init__(self, hook: Any = None, *, netsuite_conn_id: str = "netsuite_default", **_: Any) -> None:
        self.conn_id = netsuite_conn_id
        self.calls_made = 3
        self.hook = hook

    def extract(self, modified_since: datetime | None = None, chunk_rows: int = 10_000) -> Iterator:
        FakeNetSuitePeople.calls.append(
            {"modified_since": modified_since, "chunk_rows": chunk_rows, "at": datetime.now(UTC)}
        )
        yield from FakeNetSuitePeople.frames

    def by_ids(self, ids: Any, chunk_rows: int = 10_000) -> Iterator:
        """Contacts read again (mirror): none in these tests."""
        FakeNetSuitePeople.read_again.append(sorted(ids))
        yield from ()


class FakeNetSuiteDeletions:
    """No deletions in the window."""

    def __init__(self, hook: Any = None, **_: Any) -> None:
        self.hook = hook

    def since(self, modified_since: datetime | None) -> pd.DataFrame:
        return pd.DataFrame({"recordid": [], "record_type": [], "deleteddate": []})


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> type[FakeNetSuitePeople]:
    import netsuite_acton.sources.netsuite_contacts as module
    import netsuite_acton.sources.netsuite_deletions as deletions

    monkeypatch.setattr(module, "NetSuitePeople", FakeNetSuitePeople)
    monkeypatch.setattr(deletions, "NetSuiteDeletions", FakeNetSuiteDeletions)
    FakeNetSuitePeople.frames, FakeNetSuitePeople.calls, FakeNetSuitePeople.read_again = [], [], []
    return FakeNetSuitePeople


def _operator(staging_root: str) -> NetSuiteContactsExtractOperator:
    return NetSuiteContactsExtractOperator(task_id="extract", staging_root=staging_root)


def _three() -> list[pd.DataFrame]:
    return [contacts([{"id": "1", "email": "a@example.com"}, {"id": "2"}]), contacts([{"id": "3"}])]


def test_extract_stages_rows_and_writes_the_manifest(
    hook, store, staging_root, make_context, staging_for
) -> None:
    store.set_watermark(WATERMARK, MARK)
    hook.frames = _three()
    context = make_context()
    before = datetime.now(UTC)
    out = _operator(staging_root).execute(context)

    assert hook.calls[0]["modified_since"] == MARK - LOOKBACK
    assert hook.calls[0]["chunk_rows"] == 50_000
    staging = staging_for(context)
    report = out.pop("report")
    assert out == staging.read_json(MANIFEST)
    assert report["extracted"] == out["rows"]
    assert report["calls"] == {"netsuite": 3}
    assert out["rows"] == 3
    assert out["modified_since"] == (MARK - LOOKBACK).isoformat()
    assert out["full_refresh"] is False
    started = datetime.fromisoformat(out["started_at"])
    assert before <= started <= hook.calls[0]["at"], "the next watermark is when extraction started"
    assert pd.concat(staging.iter_chunks("extract"))["id"].tolist() == ["1", "2", "3"]
    assert store.get_watermark(WATERMARK) == MARK, "extract never moves the watermark"


def test_params_full_refresh_and_since(hook, store, staging_root, make_context) -> None:
    store.set_watermark(WATERMARK, MARK)
    out = _operator(staging_root).execute(make_context(params={"full_refresh": True}))
    assert hook.calls[-1]["modified_since"] is None
    assert out["full_refresh"] is True

    out = _operator(staging_root).execute(
        make_context(params={"since": "2026-02-01T00:00:00", "full_refresh": None}, run_id="manual__2")
    )
    assert hook.calls[-1]["modified_since"] == datetime(2026, 2, 1, tzinfo=UTC)


def test_rerun_keeps_the_window_and_replaces_the_output(
    hook, store, staging_root, make_context, staging_for
) -> None:
    store.set_watermark(WATERMARK, MARK)
    hook.frames = _three()
    context = make_context()
    first = _operator(staging_root).execute(context)

    # meanwhile another run committed a later watermark; this run is cleared and rerun
    store.set_watermark(WATERMARK, MARK + timedelta(hours=3))
    hook.frames = [contacts([{"id": "9"}])]
    second = _operator(staging_root).execute(context)

    assert hook.calls[1]["modified_since"] == hook.calls[0]["modified_since"] == MARK - LOOKBACK
    assert second["modified_since"] == first["modified_since"]
    assert second["started_at"] >= first["started_at"]
    staging = staging_for(context)
    assert second["rows"] == 1
    assert pd.concat(staging.iter_chunks("extract"))["id"].tolist() == ["9"], "old chunks must be gone"


def test_rerun_of_a_full_refresh_stays_full(hook, store, staging_root, make_context) -> None:
    context = make_context()
    _operator(staging_root).execute(context)  # first run ever: no watermark
    store.set_watermark(WATERMARK, MARK)
    out = _operator(staging_root).execute(context)
    assert [c["modified_since"] for c in hook.calls] == [None, None]
    assert out["full_refresh"] is True


def test_nothing_modified_still_writes_a_manifest(hook, store, staging_root, make_context, staging_for):
    context = make_context()
    out = _operator(staging_root).execute(context)
    assert out["rows"] == out["chunks"] == 0
    assert staging_for(context).read_json(MANIFEST)["rows"] == 0


def test_module_keeps_heavy_imports_out_of_parse_time() -> None:
    assert "pandas" not in vars(extract_contacts)
    assert "NetSuiteHook" not in vars(extract_contacts)
