"""Validate step of the reverse sync with a fake validator (the GX suite: tests/sync/test_validation.py)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from netsuite_acton.operators.extract_scores import SCORES
from netsuite_acton.operators.validate_scores import QUARANTINE_SCORES, VALID_SCORES, ValidateScoresOperator
from netsuite_acton.sync.contract import REASONS
from netsuite_acton.sync.validation import ValidationOutcome
from tests.operators.conftest import REVERSE_DAG

EMAIL, SCORE = "E-mail Address", "Act-On score"


class FakeScoreValidator:
    """Quarantines scores that are not numbers (reason ``score_not_numeric``)."""

    made: list[tuple[Any, Any]] = []

    def __init__(self, suite: Any, score_range: Any) -> None:
        FakeScoreValidator.made.append((suite, score_range))

    def validate(self, chunk: pd.DataFrame, email_column: str, score_column: str) -> ValidationOutcome:
        bad = pd.to_numeric(chunk[score_column], errors="coerce").isna()
        return ValidationOutcome(
            valid=chunk.loc[~bad],
            quarantine=chunk.loc[bad].assign(**{REASONS: "score_not_numeric"}),
            counts_by_reason={"score_not_numeric": int(bad.sum())} if bad.any() else {},
            gx_success=not bad.any(),
        )


@pytest.fixture(autouse=True)
def validator(monkeypatch: pytest.MonkeyPatch) -> None:
    import netsuite_acton.sync.validation as module

    monkeypatch.setattr(module, "ScoreValidator", FakeScoreValidator)
    FakeScoreValidator.made = []


def test_splits_scores_and_never_fails_the_run(staging_root, make_context, staging_for, config) -> None:
    context = make_context(dag_id=REVERSE_DAG)
    staging = staging_for(context)
    staging.reset_step(SCORES)
    staging.write_chunk(SCORES, 0, pd.DataFrame({EMAIL: ["a@x.com", "b@x.com"], SCORE: ["10", "lots"]}))
    staging.write_chunk(SCORES, 1, pd.DataFrame({EMAIL: ["c@x.com"], SCORE: ["n/a"]}))
    out = ValidateScoresOperator(task_id="validate", staging_root=staging_root).execute(context)
    assert FakeScoreValidator.made == [(config.expectations.scores, config.reverse.score_range)]
    assert pd.concat(staging.iter_chunks(VALID_SCORES))[EMAIL].tolist() == ["a@x.com"]
    assert sorted(pd.concat(staging.iter_chunks(QUARANTINE_SCORES))[EMAIL]) == ["b@x.com", "c@x.com"]
    assert out["report"]["quarantined_rows"] == 2
    assert out["report"]["quarantined"] == {"score_not_numeric": 2}
    assert out["quarantine"] == str(staging.step(QUARANTINE_SCORES))
