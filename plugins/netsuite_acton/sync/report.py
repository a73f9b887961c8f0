"""Run report: what each step did, in counts only, so a run can be judged from the log and from XCom.

Counts only, never an email address or a field value: the report is logged and stored beside the data.
Reports from chunks or parallel tasks merge with ``RunReport.merge`` (counts add up, time spans join).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from netsuite_acton.errors import PermanentSyncError
from netsuite_acton.sync.quarantine import merge_counts


class ThresholdExceededError(PermanentSyncError, RuntimeError):
    """A reject or failure rate passed its configured threshold: the run must fail loudly, not retry."""


@dataclass
class RunReport:
    """Counts per step of one run (or of part of one; see ``merge``).

    Forward: ``extracted`` contacts, ``to_load``/``loaded_*`` per list, ``rejected`` by Act-On reason.
    Reverse: ``extracted`` score rows, ``to_load``/``loaded_updated`` per record type and field,
    ``rejected`` by NetSuite error code. Everything else (phones, truncation, routing, links) goes to
    ``counters``.
    """

    direction: str = "forward"
    dry_run: bool = False
    extracted: int = 0
    quarantined_rows: int = 0
    quarantined: dict[str, int] = field(default_factory=dict)
    inactive_skipped: int = 0
    duplicates: int = 0
    opted_out: int = 0
    unchanged: int = 0
    to_load: dict[str, int] = field(default_factory=dict)
    loaded_appended: dict[str, int] = field(default_factory=dict)
    loaded_updated: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    started_at: str | None = None
    finished_at: str | None = None
    duration_seconds: float = 0.0

    # -- derived -------------------------------------------------------------------------------------
    @property
    def reject_rate(self) -> float:
        """Share of extracted rows that were quarantined (0 when nothing was extracted)."""
        return self.quarantined_rows / self.extracted if self.extracted else 0.0

    @property
    def failure_rate(self) -> float:
        """Share of rows sent that the target rejected (0 when nothing was sent)."""
        sent = sum(self.to_load.values())
        return sum(self.rejected.values()) / sent if sent else 0.0

    # -- (de)serialisation ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (XCom, the report file); derived rates included for readers."""
        return {
            **asdict(self),
            "reject_rate": round(self.reject_rate, 6),
            "failure_rate": round(self.failure_rate, 6),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunReport:
        """Inverse of ``to_dict`` (derived keys ignored), e.g. to merge reports pulled from XCom."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    # -- combination ---------------------------------------------------------------------------------
    @classmethod
    def merge(cls, *reports: RunReport) -> RunReport:
        """One report from partial ones: counts add up; the time span runs from first start to last end."""
        if not reports:
            return cls()
        directions = {r.direction for r in reports}
        if len(directions) > 1:
            raise ValueError(f"cannot merge reports of different directions: {sorted(directions)}")
        merged = cls(direction=reports[0].direction, dry_run=any(r.dry_run for r in reports))
        for f in fields(cls):
            values = [getattr(r, f.name) for r in reports]
            if f.name in ("direction", "dry_run", "started_at", "finished_at", "duration_seconds"):
                continue
            if isinstance(values[0], dict):
                setattr(merged, f.name, merge_counts(*values))
            else:
                setattr(merged, f.name, sum(values))
        starts = [r.started_at for r in reports if r.started_at]
        ends = [r.finished_at for r in reports if r.finished_at]
        merged.started_at = min(starts) if starts else None
        merged.finished_at = max(ends) if ends else None
        if merged.started_at and merged.finished_at:
            span = datetime.fromisoformat(merged.finished_at) - datetime.fromisoformat(merged.started_at)
            merged.duration_seconds = round(span.total_seconds(), 3)
        else:
            merged.duration_seconds = round(sum(r.duration_seconds for r in reports), 3)
        return merged

    @classmethod
    def from_record_writes(cls, results: Any, calls: int, direction: str, prefix: str = "") -> RunReport:
        """The report of NetSuite record writes: a frame with ``record_type, field_id, ok, error_code``.

        Written counts go to ``loaded_updated`` as ``<prefix><record_type>.<field>``, refusals to
        ``rejected`` by NetSuite's error code.
        """
        ok = results["ok"].astype(bool)
        codes = results.loc[~ok, "error_code"].fillna("UNKNOWN").value_counts().to_dict()
        return cls(
            direction=direction,
            loaded_updated=write_targets(results.loc[ok], prefix),
            rejected={str(k): int(v) for k, v in codes.items()},
            calls={"netsuite": calls},
        )

    def count(self, counters: Mapping[str, int]) -> RunReport:
        """Add step counters (e.g. ``CleanResult.counts``) to ``counters``; returns self for chaining."""
        self.counters = merge_counts(self.counters, counters)
        return self

    # -- presentation --------------------------------------------------------------------------------
    def summary_lines(self) -> list[str]:
        """Human log lines: counts and list names only, never an email address or a field value."""
        mode = " (dry run: nothing written)" if self.dry_run else ""
        lines = [
            f"{self.direction} run{mode}: {self.extracted:,} extracted in {self.duration_seconds:,.1f} s"
        ]
        rate = f"{self.reject_rate:.1%}"
        lines.append(f"quarantined {self.quarantined_rows:,} rows ({rate}){_pairs(self.quarantined, ': ')}")
        lines.append(
            f"inactive skipped {self.inactive_skipped:,}; duplicates {self.duplicates:,}; "
            f"opted out {self.opted_out:,}; unchanged {self.unchanged:,}"
        )
        lines.append(f"to load {sum(self.to_load.values()):,}{_pairs(self.to_load, ': ')}")
        for target in sorted(set(self.loaded_appended) | set(self.loaded_updated)):
            lines.append(
                f"loaded {target}: appended {self.loaded_appended.get(target, 0):,}, "
                f"updated {self.loaded_updated.get(target, 0):,}"
            )
        lines.append(f"rejected {sum(self.rejected.values()):,}{_pairs(self.rejected, ': ')}")
        if self.calls:
            lines.append(f"API calls{_pairs(self.calls, ': ')}")
        if self.counters:
            lines.append(f"other{_pairs(self.counters, ': ')}")
        return lines


def write_targets(writes: Any, prefix: str = "") -> dict[str, int]:
    """Record writes (a frame with ``record_type, field_id``) counted as ``<prefix><record_type>.<field>``:
    the key of what was, or in a dry run would be, written."""
    if not len(writes):
        return {}
    per_target = writes.groupby(["record_type", "field_id"]).size()
    return {f"{prefix}{rt}.{f}": int(n) for (rt, f), n in per_target.items()}


def _pairs(counts: Mapping[str, int], lead: str) -> str:
    return lead + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())) if counts else ""


def check_rate(name: str, rate: float, threshold: float) -> None:
    """Raise ``ThresholdExceededError`` when ``rate`` passes ``threshold`` (equal is allowed)."""
    if rate > threshold:
        raise ThresholdExceededError(f"{name} {rate:.1%} is above the configured threshold {threshold:.1%}")
