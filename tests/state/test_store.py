"""The state store on SQLite (always) and PostgreSQL (when reachable; required in CI)."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta

import pytest

from netsuite_acton.state import StateStore
from netsuite_acton.state.store import url_from_connection


def test_watermark_never_moves_backwards(store: StateStore) -> None:
    assert store.get_watermark("contacts") is None
    later = datetime(2026, 3, 1, 12, tzinfo=UTC)
    store.set_watermark("contacts", later, run_id="r2")
    store.set_watermark("contacts", later - timedelta(hours=1), run_id="r1-late-rerun")
    assert store.get_watermark("contacts") == later


def test_a_stale_read_cannot_rewind_the_watermark(store: StateStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that read the mark before another raised it must not lower it: the check is in the SQL."""
    later = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert store.set_watermark("contacts", later, run_id="r2") is True
    monkeypatch.setattr(StateStore, "get_watermark", lambda self, name: None)  # what the slow writer saw
    assert store.set_watermark("contacts", later - timedelta(hours=1), run_id="r1") is False
    monkeypatch.undo()
    assert store.get_watermark("contacts") == later


def test_watermark_is_kept_in_utc(store: StateStore) -> None:
    from zoneinfo import ZoneInfo

    eight_am_la = datetime(2026, 3, 1, 8, 0, tzinfo=ZoneInfo("America/Los_Angeles"))  # 16:00 UTC
    store.set_watermark("contacts", eight_am_la)
    assert store.set_watermark("contacts", datetime(2026, 3, 1, 15, 0, tzinfo=UTC)) is False
    assert store.get_watermark("contacts") == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)


def _write_marks(url: str, values: list[str]) -> None:
    store = StateStore(url)
    for value in values:
        store.set_watermark("race", datetime.fromisoformat(value), run_id=value)


def test_two_writers_at_once_leave_the_highest_mark(store: StateStore) -> None:
    """Two processes write interleaved marks in opposite orders; the mark ends at the maximum."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    marks = [(base + timedelta(minutes=i)).isoformat() for i in range(200)]
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_write_marks, args=(store.url, marks[0::2])),
        ctx.Process(target=_write_marks, args=(store.url, marks[1::2][::-1])),
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    assert store.get_watermark("race") == datetime.fromisoformat(marks[-1])


def test_loaded_rows_are_upserts(store: StateStore) -> None:
    row = {"email": "a@example.com", "list_name": "L", "row_hash": "h1", "netsuite_id": "1"}
    store.record_loaded([row])
    store.record_loaded([{**row, "row_hash": "h2"}])
    assert store.loaded_hashes(["a@example.com", "missing@example.com"]) == {"a@example.com": "h2"}


def test_large_key_sets_are_read_in_chunks(store: StateStore) -> None:
    rows = [
        {"email": f"u{i}@example.com", "list_name": "L", "row_hash": f"h{i}", "netsuite_id": str(i)}
        for i in range(12_000)
    ]
    store.record_loaded(rows)
    found = store.loaded_hashes(r["email"] for r in rows)
    assert len(found) == 12_000
    assert found["u11999@example.com"] == "h11999"


def test_links_map_one_email_to_several_contacts(store: StateStore) -> None:
    store.record_links(
        [
            {"netsuite_id": "1", "email": "a@example.com", "company_id": "9", "company_stage": "LEAD"},
            {"netsuite_id": "2", "email": "a@example.com", "company_id": None, "company_stage": None},
        ]
    )
    links = sorted(store.links_for_emails(["a@example.com"]), key=lambda r: r["netsuite_id"])
    assert [link["netsuite_id"] for link in links] == ["1", "2"]
    assert links[0]["company_stage"] == "LEAD"


def test_pushed_values(store: StateStore) -> None:
    store.record_pushed([{"record_type": "contact", "record_id": "7", "field_id": "f", "value": 42.0}])
    store.record_pushed([{"record_type": "contact", "record_id": "7", "field_id": "f", "value": 43.0}])
    assert store.pushed("contact", "f", ["7", "8"]) == {"7": 43.0}
    assert store.pushed("customer", "f", ["7"]) == {}


def test_token_slot_round_trip_and_repr_hides_secrets(store: StateStore) -> None:
    expires = datetime(2030, 1, 1, tzinfo=UTC)
    with store.locked_token("acton") as slot:
        assert slot.access_token is None
        slot.store("access-xyz", "refresh-xyz", expires)
        assert "xyz" not in repr(slot)
    assert store.peek_token("acton") == ("access-xyz", expires)
    with store.locked_token("acton") as slot:
        assert slot.refresh_token == "refresh-xyz"


def _increment(url: str, name: str, rounds: int) -> None:
    store = StateStore(url)
    for _ in range(rounds):
        with store.locked_token(name) as slot:
            current = int(slot.access_token or 0)
            slot.store(str(current + 1), None, None)


def test_token_lock_serialises_processes(store: StateStore) -> None:
    """A read-modify-write under the lock from 4 processes loses no update."""
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_increment, args=(store.url, "counter", 25)) for _ in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    assert store.peek_token("counter")[0] == "100"


class _Conn:
    def __init__(self, conn_type: str, extra: dict | None = None, **kw: object) -> None:
        self.conn_type, self.extra_dejson = conn_type, extra or {}
        self.host, self.login, self.password = kw.get("host"), kw.get("login"), kw.get("password")
        self.port, self.schema = kw.get("port"), kw.get("schema")


def test_url_from_connection() -> None:
    pg = _Conn("postgres", host="db", login="u", password="p@ss", port=5432, schema="sync")
    assert url_from_connection(pg) == "postgresql+psycopg2://u:p%40ss@db:5432/sync"
    assert url_from_connection(_Conn("sqlite", host="/tmp/s.db")) == "sqlite:////tmp/s.db"
    assert url_from_connection(_Conn("http", {"sqlalchemy_url": "sqlite://"})) == "sqlite://"
    with pytest.raises(ValueError, match="not supported"):
        url_from_connection(_Conn("http"))
