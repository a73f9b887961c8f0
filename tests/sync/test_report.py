from __future__ import annotations

import json

import pytest

from netsuite_acton.sync.report import RunReport, ThresholdExceededError, check_rate


def _part(**kwargs) -> RunReport:
    return RunReport(**kwargs)


def test_merge_adds_counts_and_joins_time_span() -> None:
    a = _part(
        extracted=100,
        quarantined_rows=3,
        quarantined={"email_missing": 2, "email_syntax": 1},
        to_load={"NetSuite Leads": 10},
        calls={"netsuite": 2},
        counters={"phone_unparseable": 4},
        started_at="2026-01-01T12:00:00+00:00",
        finished_at="2026-01-01T12:00:30+00:00",
    )
    b = _part(
        extracted=50,
        quarantined_rows=1,
        quarantined={"email_missing": 1},
        to_load={"NetSuite Leads": 5, "NetSuite Customers": 1},
        loaded_appended={"NetSuite Leads": 15},
        calls={"netsuite": 1, "acton": 7},
        dry_run=True,
        started_at="2026-01-01T12:00:10+00:00",
        finished_at="2026-01-01T12:01:00+00:00",
    )
    merged = RunReport.merge(a, b)
    assert merged.extracted == 150
    assert merged.quarantined == {"email_missing": 3, "email_syntax": 1}
    assert merged.to_load == {"NetSuite Customers": 1, "NetSuite Leads": 15}
    assert merged.calls == {"acton": 7, "netsuite": 3}
    assert merged.dry_run is True
    assert merged.duration_seconds == 60.0
    assert merged.reject_rate == pytest.approx(4 / 150)


def test_dict_round_trip_is_json() -> None:
    report = _part(extracted=3, counters={"x": 1}).count({"x": 2, "y": 1})
    data = json.loads(json.dumps(report.to_dict()))
    assert data["counters"] == {"x": 3, "y": 1}
    assert RunReport.from_dict(data) == report


def test_summary_lines_carry_counts_not_emails() -> None:
    report = _part(
        extracted=1234,
        quarantined_rows=2,
        quarantined={"email_invalid": 2},
        to_load={"NetSuite Leads": 3},
        loaded_appended={"NetSuite Leads": 1},
        loaded_updated={"NetSuite Leads": 2},
        rejected={"invalid email": 1},
        dry_run=True,
    )
    lines = report.summary_lines()
    text = "\n".join(lines)
    assert "1,234 extracted" in text
    assert "dry run" in text
    assert "email_invalid 2" in text
    assert "loaded NetSuite Leads: appended 1, updated 2" in text
    assert "@" not in text


def test_merge_refuses_mixed_directions() -> None:
    with pytest.raises(ValueError, match="different directions"):
        RunReport.merge(_part(), _part(direction="reverse"))


def test_thresholds() -> None:
    check_rate("reject rate", 0.2, 0.2)
    with pytest.raises(
        ThresholdExceededError, match=r"reject rate 25\.0% is above the configured threshold 20\.0%"
    ):
        check_rate("reject rate", 0.25, 0.2)
    assert _part(to_load={"a": 10}, rejected={"x": 2}).failure_rate == pytest.approx(0.2)
    assert _part().reject_rate == 0.0
