"""Values as the record API takes them: whole numbers as integers, blanks as null, times as ISO-8601."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from netsuite_acton.hooks.netsuite.records import jsonable, updates_from_frame


@pytest.mark.parametrize(
    ("value", "expected", "kind"),
    [
        (87.0, 87, int),
        (np.float64(3.0), 3, int),
        (0.0, 0, int),
        (87.5, 87.5, float),
        (np.float64(1.25), 1.25, float),
        (np.int64(7), 7, int),
        (True, True, bool),
        ("87.0", "87.0", str),
        (None, None, type(None)),
        (math.nan, None, type(None)),
    ],
)
def test_jsonable(value: object, expected: object, kind: type) -> None:
    out = jsonable(value)
    assert out == expected
    assert type(out) is kind


def test_frames_send_whole_scores_as_integers() -> None:
    """The frame path used to send ``87.0``, which NetSuite refuses for an integer field."""
    frame = pd.DataFrame({"id": ["1", "2"], "custentity_acton_score": [87.0, 12.5]})
    assert list(updates_from_frame(frame)) == [
        ("1", {"custentity_acton_score": 87}),
        ("2", {"custentity_acton_score": 12.5}),
    ]
    assert type(next(updates_from_frame(frame))[1]["custentity_acton_score"]) is int


def test_timestamps_are_iso() -> None:
    when = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert jsonable(pd.Timestamp(when)) == "2026-03-01T12:00:00+00:00"
