"""Pure pieces of the Act-On hook: CSV building/splitting and the token cache's cipher and locking."""

from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from netsuite_acton.hooks.acton.csv_upload import header_csv, neutralise_formulas, split_csv
from netsuite_acton.hooks.acton.tokens import (
    Grant,
    RefreshRejectedError,
    TokenCipher,
    TokenManager,
    token_key,
)
from netsuite_acton.state import StateStore


# -- CSV --------------------------------------------------------------------------------------------
def test_neutralise_is_idempotent_and_leaves_numbers() -> None:
    frame = pd.DataFrame(
        {"t": ["=1+1", "+x", "-y", "@z", "\tq", "\rr", "'=ok", "fine", None], "n": range(-4, 5)}
    )
    once = neutralise_formulas(frame)
    assert once["t"].tolist()[:7] == ["'=1+1", "'+x", "'-y", "'@z", "'\tq", "'\rr", "'=ok"]
    assert once["t"].tolist()[7] == "fine"
    assert pd.isna(once["t"].tolist()[8])
    assert once["n"].tolist() == list(range(-4, 5))
    pd.testing.assert_frame_equal(neutralise_formulas(once), once)
    assert frame["t"].iloc[0] == "=1+1"  # the caller's frame is not modified


def test_split_round_trips_unicode_quotes_and_newlines() -> None:
    frame = pd.DataFrame(
        {
            "E-mail Address": [f"u{i}@example.com" for i in range(500)],
            "Note": ['Zoë "the" café,\nline two' if i % 7 == 0 else "ok" for i in range(500)],
        }
    )
    parts = [(f.read(), rows) for f, rows in split_csv(frame, max_bytes=3_000, rows_per_block=64)]
    assert len(parts) > 5
    assert all(len(data) <= 3_000 for data, _ in parts)
    back = pd.concat(
        [
            pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")
            for data, _ in parts
        ]
    )
    assert sum(rows for _, rows in parts) == len(back) == 500
    assert back["Note"].tolist() == frame["Note"].tolist()
    first = parts[0][0].decode("utf-8").split("\n")[1]
    assert next(csv.reader([first])) == ["u0@example.com", 'Zoë "the" café,']


def test_split_rejects_a_row_over_the_limit() -> None:
    frame = pd.DataFrame({"E-mail Address": ["a@b.co"], "Big": ["x" * 500]})
    with pytest.raises(ValueError, match="row 0"):
        list(split_csv(frame, max_bytes=200))


def test_header_only_csv() -> None:
    assert header_csv(["E-mail Address", "First Name"]) == b'"E-mail Address","First Name"\n'


# -- tokens -----------------------------------------------------------------------------------------
def test_cipher_needs_the_same_secrets() -> None:
    name = token_key("https://api.actonsoftware.com", "app", "user@example.com")
    assert name.startswith("acton:")
    assert "user" not in name
    sealed = TokenCipher("secret", "pw", name).encrypt("token-value")
    assert sealed
    assert "token-value" not in sealed
    assert TokenCipher("secret", "pw", name).decrypt(sealed) == "token-value"
    assert TokenCipher("secret", "other-pw", name).decrypt(sealed) is None
    assert TokenCipher("secret", "pw", name + "x").decrypt(sealed) is None


class FakeGrants:
    """Counts grants; refresh tokens are single-use like Act-On's."""

    def __init__(self, ttl: int = 3600) -> None:
        self.ttl = ttl
        self.valid_refresh: str | None = None
        self.passwords = 0
        self.refreshes = 0
        self.spent = 0
        self.lock = threading.Lock()
        self.serial = 0

    def _issue(self) -> Grant:
        self.serial += 1
        self.valid_refresh = f"r{self.serial}"
        return Grant(f"a{self.serial}", self.valid_refresh, datetime.now(UTC) + timedelta(seconds=self.ttl))

    def password(self) -> Grant:
        with self.lock:
            self.passwords += 1
            return self._issue()

    def refresh(self, token: str) -> Grant:
        with self.lock:
            if token != self.valid_refresh:
                self.spent += 1
                raise RefreshRejectedError("Unknown or invalid refresh token.")
            self.refreshes += 1
            return self._issue()


def manager(store: StateStore, grants: FakeGrants, cipher_pw: str = "pw") -> TokenManager:
    return TokenManager(
        state=lambda: store,
        name="acton:test",
        cipher=TokenCipher("secret", cipher_pw, "acton:test"),
        password_grant=grants.password,
        refresh_grant=grants.refresh,
    )


def test_token_rotation_under_the_lock_never_reuses_a_refresh_token(tmp_path: Path) -> None:
    store = StateStore(f"sqlite:///{tmp_path / 's.db'}")
    grants = FakeGrants(ttl=30)  # always "expiring": every manager must rotate
    manager(store, grants).access_token()
    seen: list[str] = []

    def worker() -> None:
        for _ in range(3):
            seen.append(manager(store, grants).access_token())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert grants.passwords == 1
    assert grants.spent == 0
    assert grants.refreshes == 12


def test_fresh_token_is_reused_and_invalidate_rotates(tmp_path: Path) -> None:
    store = StateStore(f"sqlite:///{tmp_path / 's.db'}")
    grants = FakeGrants()
    first = manager(store, grants)
    token = first.access_token()
    assert manager(store, grants).access_token() == token
    assert first.invalidate(token) != token
    other = manager(store, grants)
    assert other.access_token() == first.access_token()
    assert other.invalidate(token) == first.access_token()  # already rotated by someone else: reuse
    assert (grants.passwords, grants.refreshes) == (1, 1)


def test_unreadable_cache_means_login(tmp_path: Path) -> None:
    store = StateStore(f"sqlite:///{tmp_path / 's.db'}")
    grants = FakeGrants()
    manager(store, grants).access_token()
    manager(store, grants, cipher_pw="changed").access_token()
    assert grants.passwords == 2
