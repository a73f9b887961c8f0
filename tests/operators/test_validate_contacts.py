"""Validate step with a fake validator (the GX suite itself is tested in tests/sync/test_validation.py)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from netsuite_acton.operators.validate_contacts import (
    EXTRACTED,
    QUARANTINE,
    VALIDATED,
    ValidateContactsOperator,
)
from netsuite_acton.sync.contract import REASONS
from netsuite_acton.sync.report import ThresholdExceededError
from netsuite_acton.sync.validation import ValidationOutcome
from tests.operators.data import contacts


class FakeContactValidator:
    """Quarantines rows without an email (reason ``email_missing``)."""

    suites: list[Any] = []

    def __init__(self, suite: Any) -> None:
        FakeContactValidator.suites.append(suite)

    def validate(self, chunk: pd.DataFrame) -> ValidationOutcome:
        bad = chunk["email"].isna()
        quarantine = chunk.loc[bad].assign(**{REASONS: "email_missing"})
        return ValidationOutcome(
            valid=chunk.loc[~bad],
            quarantine=quarantine,
            counts_by_reason={"email_missing": int(bad.sum())} if bad.any() else {},
            gx_success=not bad.any(),
        )


@pytest.fixture(autouse=True)
def validator(monkeypatch: pytest.MonkeyPatch) -> None:
    import netsuite_acton.sync.validation as module

    monkeypatch.setattr(module, "ContactValidator", FakeContactValidator)
    FakeContactValidator.suites = []


def _seed(staging, good: int, bad: int) -> None:
    staging.reset_step(EXTRACTED)
    rows = [{"id": str(i), "email": f"c{i}@example.com"} for i in range(good)]
    rows += [{"id": str(100 + i), "email": None} for i in range(bad)]
    half = len(rows) // 2
    staging.write_chunk(EXTRACTED, 0, contacts(rows[:half]))
    staging.write_chunk(EXTRACTED, 1, contacts(rows[half:]))


def _op(staging_root: str) -> ValidateContactsOperator:
    return ValidateContactsOperator(task_id="validate", staging_root=staging_root)


def test_splits_every_chunk_and_reports(staging_root, make_context, staging_for, config) -> None:
    context = make_context()
    staging = staging_for(context)
    _seed(staging, good=9, bad=1)
    out = _op(staging_root).execute(context)
    assert FakeContactValidator.suites == [config.expectations.contacts]
    assert out["report"]["extracted"] == 0, "extracted is the extract step's count, not added twice"
    assert out["report"]["quarantined_rows"] == 1
    assert out["report"]["quarantined"] == {"email_missing": 1}
    assert out["quarantine"] == str(staging.step(QUARANTINE))
    assert sum(len(c) for c in staging.iter_chunks(VALIDATED)) == 9


def test_above_threshold_fails_loudly_after_writing_the_quarantine(
    staging_root, make_context, staging_for
) -> None:
    context = make_context()
    staging = staging_for(context)
    _seed(staging, good=7, bad=3)  # 30% > the YAML's 20%
    with pytest.raises(ThresholdExceededError, match=r"30\.0%.*20\.0%"):
        _op(staging_root).execute(context)
    quarantined = pd.concat(staging.iter_chunks(QUARANTINE))
    assert sorted(quarantined["id"]) == ["100", "101", "102"]
    assert set(quarantined[REASONS]) == {"email_missing"}


def test_threshold_param_overrides_the_yaml(staging_root, make_context, staging_for) -> None:
    context = make_context(params={"reject_rate_threshold": 0.5})
    _seed(staging_for(context), good=7, bad=3)
    assert _op(staging_root).execute(context)["report"]["quarantined_rows"] == 3

    strict = make_context(params={"reject_rate_threshold": 0.0}, run_id="manual__strict")
    _seed(staging_for(strict), good=9, bad=1)
    with pytest.raises(ThresholdExceededError):
        _op(staging_root).execute(strict)


def test_rerun_replaces_previous_output(staging_root, make_context, staging_for) -> None:
    context = make_context()
    staging = staging_for(context)
    _seed(staging, good=9, bad=1)
    _op(staging_root).execute(context)
    _op(staging_root).execute(context)
    assert sum(len(c) for c in staging.iter_chunks(VALIDATED)) == 9
    assert sum(len(c) for c in staging.iter_chunks(QUARANTINE)) == 1
