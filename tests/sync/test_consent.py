"""The consent planner: canonical entries, NetSuite opt-outs by address, and writes that only ever opt out."""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
import pytest

from netsuite_acton.sync import consent as c
from netsuite_acton.sync.cleaning import validate_emails
from netsuite_acton.sync.contract import OPT_OUT_STATUSES

T0 = pd.Timestamp("2026-01-01 12:00", tz="UTC")
FLAG = "custentity_acton_hard_bounce"


def _entries(*rows: tuple[str, str, pd.Timestamp] | tuple[str, str, pd.Timestamp, str]) -> pd.DataFrame:
    """(kind, email, recorded_at[, origin]) as ``ENTRY_COLUMNS``."""
    return pd.DataFrame(
        [
            {"kind": r[0], "email": r[1], "recorded_at": r[2], "origin": r[3] if len(r) > 3 else "o"}
            for r in rows
        ],
        columns=list(c.ENTRY_COLUMNS),
    )


def _no_entries() -> pd.DataFrame:
    return pd.DataFrame(columns=list(c.ENTRY_COLUMNS))


def _opted_out(*rows: tuple[str, str, str, str, pd.Timestamp]) -> pd.DataFrame:
    """(record_type, id, email, status, lastmodifieddate): what ``opted_out_since`` yields."""
    return pd.DataFrame(
        [
            dict(zip(("record_type", "id", "email", "status", "lastmodifieddate"), r, strict=True))
            for r in rows
        ]
    )


def _records(*rows: tuple[str, str, str, str] | tuple[str, str, str, str, bool]) -> pd.DataFrame:
    """(record_type, id, email, status[, hard_bounce]): what ``records_by_email`` returns."""
    return pd.DataFrame(
        [
            {
                "record_type": r[0],
                "id": r[1],
                "email": r[2],
                "status": r[3],
                "hard_bounce": r[4] if len(r) > 4 else False,
            }
            for r in rows
        ],
        columns=["record_type", "id", "email", "status", "hard_bounce"],
        dtype=object,
    )


def _writes(updates: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    return {(u.record_type, u.record_id, u.field_id, u.old_value) for u in updates.itertuples(index=False)}


# -- acton_entries ----------------------------------------------------------------------------------
def test_acton_entries_canonicalise_the_address_and_read_the_time_as_utc_milliseconds() -> None:
    page: list[dict[str, Any]] = [
        {"email": "  Ada.Lovelace@Example.COM ", "timestamp": 1_567_639_147_559, "origin": "Recipient: link"},
        {"email": "bob@example.org", "timestamp": 1_700_000_000_000, "origin": None},
    ]
    frame = c.acton_entries(c.OPTOUT, page)
    assert list(frame.columns) == list(c.ENTRY_COLUMNS)
    assert frame["kind"].tolist() == [c.OPTOUT, c.OPTOUT]
    assert frame["email"].tolist() == ["ada.lovelace@example.com", "bob@example.org"]
    assert frame["recorded_at"].tolist() == [
        pd.Timestamp("2019-09-04 23:19:07.559", tz="UTC"),
        pd.Timestamp("2023-11-14 22:13:20", tz="UTC"),
    ]
    assert str(frame["recorded_at"].dt.tz) == "UTC"
    assert frame["origin"].tolist() == ["Recipient: link", ""]


def test_acton_entries_drop_blank_and_missing_addresses() -> None:
    page = [
        {"email": "   ", "timestamp": 1, "origin": "x"},
        {"email": None, "timestamp": 2, "origin": "x"},
        {"timestamp": 3, "origin": "x"},
        {"email": "", "timestamp": 4},
        {"email": "Kept@Example.com", "timestamp": 5, "origin": "x"},
    ]
    frame = c.acton_entries(c.SPAM_COMPLAINT, page)
    assert frame["email"].tolist() == ["kept@example.com"]
    assert frame["kind"].tolist() == [c.SPAM_COMPLAINT]
    assert frame.index.tolist() == [0]
    assert frame["recorded_at"].tolist() == [pd.Timestamp(5, unit="ms", tz="UTC")]


def test_acton_entries_of_an_empty_page_is_an_empty_frame() -> None:
    frame = c.acton_entries(c.HARD_BOUNCE, [])
    assert frame.empty
    assert list(frame.columns) == list(c.ENTRY_COLUMNS)


# -- first_entries ----------------------------------------------------------------------------------
def test_first_entries_keep_the_earliest_row_per_kind_and_address() -> None:
    entries = _entries(
        (c.OPTOUT, "a@x.com", T0 + pd.Timedelta(hours=2), "late"),
        (c.OPTOUT, "a@x.com", T0, "early"),
        (c.OPTOUT, "a@x.com", T0 + pd.Timedelta(hours=1), "middle"),
        (c.SPAM_COMPLAINT, "a@x.com", T0 + pd.Timedelta(hours=5), "complaint"),
        (c.OPTOUT, "b@x.com", T0, "b"),
    )
    first = c.first_entries(entries)
    assert len(first) == 3
    assert first.index.tolist() == [0, 1, 2]
    rows = {(r.kind, r.email): (r.recorded_at, r.origin) for r in first.itertuples()}
    assert rows == {
        (c.OPTOUT, "a@x.com"): (T0, "early"),
        (c.SPAM_COMPLAINT, "a@x.com"): (T0 + pd.Timedelta(hours=5), "complaint"),
        (c.OPTOUT, "b@x.com"): (T0, "b"),
    }


def test_first_entries_of_nothing_keeps_the_columns() -> None:
    first = c.first_entries(_no_entries())
    assert first.empty
    assert list(first.columns) == list(c.ENTRY_COLUMNS)


# -- netsuite_optouts -------------------------------------------------------------------------------
def test_an_invalid_netsuite_address_is_quarantined_with_its_reason() -> None:
    records = _opted_out(
        ("contact", "5", "bob@@example.com", "2", T0),
        ("customer", "6", "=cmd@example.com", "4", T0),
        ("contact", "7", "Good@Example.com", "2", T0),
    )
    out = c.netsuite_optouts(records)
    _, reasons = validate_emails(pd.Series(["bob@@example.com", "=cmd@example.com"]))
    assert out.quarantine.to_dict("records") == [
        {"record_type": "contact", "id": "5", "email": "bob@@example.com", "reason": reasons[0]},
        {"record_type": "customer", "id": "6", "email": "=cmd@example.com", "reason": reasons[1]},
    ]
    assert reasons[0]
    assert reasons[1]
    assert reasons[0] != reasons[1]
    assert out.entries["email"].tolist() == ["good@example.com"]
    assert out.entries["kind"].tolist() == [c.NETSUITE_OPTOUT]


def test_records_sharing_an_address_become_one_entry_naming_each_record() -> None:
    records = _opted_out(
        ("customer", "40", "Zed@Example.com", "4", T0 + pd.Timedelta(days=3)),
        ("contact", "12", "ann@example.com", "2", T0 + pd.Timedelta(days=1)),
        ("contact", "30", "zed@example.com ", "2", T0),
        ("customer", "9", " ANN@example.com", "4", T0 + pd.Timedelta(days=5)),
        ("contact", "13", "ann@example.com", "2", T0),
    )
    out = c.netsuite_optouts(records)
    assert out.quarantine.empty
    assert list(out.entries.columns) == list(c.ENTRY_COLUMNS)
    by_email = {row["email"]: row for row in out.entries.to_dict("records")}
    assert set(by_email) == {"ann@example.com", "zed@example.com"}
    assert len(out.entries) == 2
    ann, zed = by_email["ann@example.com"], by_email["zed@example.com"]
    assert ann["recorded_at"] == T0 + pd.Timedelta(days=5), "the latest lastmodifieddate of the address"
    assert zed["recorded_at"] == T0 + pd.Timedelta(days=3)
    assert sorted(ann["origin"].split(", ")) == [
        "contact 12 (Soft Opt-Out)",
        "contact 13 (Soft Opt-Out)",
        "customer 9 (Confirmed Opt-Out)",
    ]
    assert sorted(zed["origin"].split(", ")) == [
        "contact 30 (Soft Opt-Out)",
        "customer 40 (Confirmed Opt-Out)",
    ]
    assert set(out.entries["kind"]) == {c.NETSUITE_OPTOUT}


def test_a_single_record_entry_reads_contact_id_and_status_name() -> None:
    out = c.netsuite_optouts(_opted_out(("contact", "12", "a@x.com", "2", T0)))
    assert out.entries.to_dict("records") == [
        {"kind": "netsuite", "email": "a@x.com", "recorded_at": T0, "origin": "contact 12 (Soft Opt-Out)"}
    ]


def test_no_opted_out_records_means_no_entries_and_no_quarantine() -> None:
    out = c.netsuite_optouts(
        pd.DataFrame(columns=["record_type", "id", "email", "status", "lastmodifieddate"])
    )
    assert out.entries.empty
    assert list(out.entries.columns) == list(c.ENTRY_COLUMNS)
    assert out.quarantine.empty
    assert list(out.quarantine.columns) == ["record_type", "id", "email", "reason"]


# -- acton_pushes -----------------------------------------------------------------------------------
def test_only_addresses_act_on_does_not_list_are_pushed() -> None:
    netsuite = _entries(
        (c.NETSUITE_OPTOUT, "a@x.com", T0, "contact 1 (Soft Opt-Out)"),
        (c.NETSUITE_OPTOUT, "b@x.com", T0, "contact 2 (Soft Opt-Out)"),
        (c.NETSUITE_OPTOUT, "c@x.com", T0 + pd.Timedelta(hours=1), "customer 3 (Confirmed Opt-Out)"),
    )
    pushes = c.acton_pushes(netsuite, {"b@x.com", "unrelated@x.com"})
    assert list(pushes.columns) == list(c.PUSH_COLUMNS)
    assert pushes.to_dict("records") == [
        {"email": "a@x.com", "recorded_at": T0, "origin": "contact 1 (Soft Opt-Out)"},
        {
            "email": "c@x.com",
            "recorded_at": T0 + pd.Timedelta(hours=1),
            "origin": "customer 3 (Confirmed Opt-Out)",
        },
    ]
    assert c.acton_pushes(netsuite, {"a@x.com", "b@x.com", "c@x.com"}).empty
    assert len(c.acton_pushes(netsuite, set())) == 3


# -- netsuite_updates -------------------------------------------------------------------------------
def test_records_at_soft_or_confirmed_opt_out_get_no_write() -> None:
    records = _records(
        ("contact", "1", "a@x.com", "1"),
        ("contact", "2", "a@x.com", "2"),
        ("contact", "3", "a@x.com", "3"),
        ("customer", "4", "a@x.com", "4"),
    )
    updates = c.netsuite_updates(_entries((c.OPTOUT, "a@x.com", T0)), _no_entries(), records, None)
    assert list(updates.columns) == list(c.UPDATE_COLUMNS)
    assert _writes(updates) == {
        ("contact", "1", c.STATUS_FIELD, "1"),
        ("contact", "3", c.STATUS_FIELD, "3"),
    }
    row = updates.iloc[0].to_dict()
    assert (row["email"], row["kind"], row["recorded_at"], row["origin"]) == ("a@x.com", c.OPTOUT, T0, "o")


def test_an_unchanged_rerun_plans_nothing() -> None:
    records = _records(("contact", "2", "a@x.com", "2"), ("customer", "4", "a@x.com", "4"))
    updates = c.netsuite_updates(_entries((c.SPAM_COMPLAINT, "a@x.com", T0)), _no_entries(), records, FLAG)
    assert updates.empty
    assert list(updates.columns) == list(c.UPDATE_COLUMNS)


def test_a_contact_and_a_customer_sharing_an_address_in_any_case_each_get_one_write() -> None:
    records = _records(
        ("contact", "12", "  Ann@Example.COM", "1"),
        ("customer", "12", "ann@example.com", "3"),
        ("contact", "99", "someone.else@example.com", "1"),
    )
    opt_outs = _entries(
        (c.OPTOUT, "ann@example.com", T0 + pd.Timedelta(hours=1), "Recipient: unsubscribe link"),
        (c.SPAM_COMPLAINT, "ann@example.com", T0, "Recipient: spam complaint"),
        (c.NETSUITE_OPTOUT, "ann@example.com", T0 + pd.Timedelta(hours=2), "contact 7 (Soft Opt-Out)"),
    )
    updates = c.netsuite_updates(opt_outs, _no_entries(), records, None)
    assert _writes(updates) == {
        ("contact", "12", c.STATUS_FIELD, "1"),
        ("customer", "12", c.STATUS_FIELD, "3"),
    }
    assert len(updates) == 2, "one write per record, whatever the number of entries for the address"
    assert set(updates["email"]) == {"ann@example.com"}
    # the earliest entry explains the write
    assert set(updates["kind"]) == {c.SPAM_COMPLAINT}
    assert set(updates["recorded_at"]) == {T0}


def test_hard_bounces_need_a_field() -> None:
    records = _records(("contact", "1", "b@x.com", "1"), ("customer", "2", "b@x.com", "2"))
    bounces = _entries((c.HARD_BOUNCE, "b@x.com", T0, "Recipient: hard bounce"))
    assert c.netsuite_updates(_no_entries(), bounces, records, None).empty
    assert c.netsuite_updates(_no_entries(), bounces, records, "").empty
    updates = c.netsuite_updates(_no_entries(), bounces, records, FLAG)
    assert _writes(updates) == {("contact", "1", FLAG, "F"), ("customer", "2", FLAG, "F")}
    assert set(updates["kind"]) == {c.HARD_BOUNCE}


def test_hard_bounces_skip_records_already_flagged() -> None:
    records = _records(
        ("contact", "1", "b@x.com", "1", True),
        ("contact", "2", "B@X.com", "1", False),
        ("customer", "3", "b@x.com", "4", True),
    )
    bounces = _entries((c.HARD_BOUNCE, "b@x.com", T0))
    updates = c.netsuite_updates(_no_entries(), bounces, records, FLAG)
    assert _writes(updates) == {("contact", "2", FLAG, "F")}


def test_an_address_opted_out_and_bounced_gets_both_writes_once() -> None:
    records = _records(("contact", "1", "x@x.com", "1"), ("contact", "2", "x@x.com", "4"))
    updates = c.netsuite_updates(
        _entries((c.OPTOUT, "x@x.com", T0)),
        _entries((c.HARD_BOUNCE, "x@x.com", T0), (c.HARD_BOUNCE, "x@x.com", T0 - pd.Timedelta(days=1))),
        records,
        FLAG,
    )
    assert _writes(updates) == {
        ("contact", "1", c.STATUS_FIELD, "1"),
        ("contact", "1", FLAG, "F"),
        ("contact", "2", FLAG, "F"),
    }
    assert len(updates) == 3


def test_no_records_or_no_entries_plan_nothing() -> None:
    entries = _entries((c.OPTOUT, "a@x.com", T0))
    assert c.netsuite_updates(entries, _no_entries(), _records(), FLAG).empty
    assert c.netsuite_updates(
        _no_entries(), _no_entries(), _records(("contact", "1", "a@x.com", "1")), FLAG
    ).empty
    unrelated = _records(("contact", "1", "other@x.com", "1"))
    assert c.netsuite_updates(entries, entries.assign(kind=c.HARD_BOUNCE), unrelated, FLAG).empty


@pytest.mark.parametrize("status", ["1", "2", "3", "4"])
@pytest.mark.parametrize("flagged", [False, True])
def test_no_planned_write_can_opt_anyone_in(status: str, flagged: bool) -> None:
    """The plan names only two fields: the status (whose only written value is Soft Opt-Out) and the flag."""
    records = _records(
        ("contact", "1", "a@x.com", status, flagged), ("customer", "2", "A@x.com", status, flagged)
    )
    opt_outs = _entries(
        (c.OPTOUT, "a@x.com", T0), (c.SPAM_COMPLAINT, "a@x.com", T0), (c.NETSUITE_OPTOUT, "a@x.com", T0)
    )
    updates = c.netsuite_updates(opt_outs, _entries((c.HARD_BOUNCE, "a@x.com", T0)), records, FLAG)
    assert set(updates["field_id"]) <= {c.STATUS_FIELD, FLAG}
    status_writes = updates.loc[updates["field_id"].eq(c.STATUS_FIELD)]
    assert set(status_writes["old_value"]) <= {"1", "3"}
    assert not set(status_writes["old_value"]) & OPT_OUT_STATUSES
    assert len(status_writes) == (0 if status in OPT_OUT_STATUSES else 2)
    assert len(updates.loc[updates["field_id"].eq(FLAG)]) == (0 if flagged else 2)
    assert set(updates["old_value"].loc[updates["field_id"].eq(FLAG)]) <= {"F"}


# -- email_digest -----------------------------------------------------------------------------------
def test_email_digest_is_a_short_stable_sha256_without_the_address() -> None:
    digest = c.email_digest("ann@example.com")
    assert digest == hashlib.sha256(b"ann@example.com").hexdigest()[:16]
    assert len(digest) == 16
    assert int(digest, 16) >= 0
    assert "ann" not in digest
    assert c.email_digest("ann@example.com") == digest
    assert c.email_digest("bob@example.com") != digest
    assert c.email_digest("zoë@example.com") == hashlib.sha256("zoë@example.com".encode()).hexdigest()[:16]


def test_opted_in_addresses_are_those_of_records_at_1_or_3_canonicalised() -> None:
    records = pd.DataFrame(
        {
            "record_type": ["contact", "contact", "customer", "contact"],
            "id": ["1", "2", "3", "4"],
            "email": [" A@Example.com", "b@example.com", "c@example.com", "d@example.com"],
            "status": ["1", "2", "3", "4"],
            "lastmodifieddate": pd.to_datetime(["2026-01-01"] * 4, utc=True),
        }
    )
    assert c.opted_in_addresses(records) == {"a@example.com", "c@example.com"}
    assert c.opted_in_addresses(records.iloc[0:0]) == set()
    # records at 1 or 3 are not opt-outs, whatever the read returned
    assert c.netsuite_optouts(records).entries["email"].tolist() == ["b@example.com", "d@example.com"]
