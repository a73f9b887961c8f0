from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from netsuite_acton.operators.staging import ChunkWriter, RunStaging, default_staging_root, safe_segment


@pytest.mark.parametrize(
    ("run_id", "expected"),
    [
        ("manual__2026-03-01T10:00:00+00:00", "manual__2026-03-01T10_00_00_00_00"),
        ("scheduled__2026-03-01T10:00:00.123456+00:00", "scheduled__2026-03-01T10_00_00.123456_00_00"),
        ("asset_triggered__2026-03-01T10:00:00+00:00", "asset_triggered__2026-03-01T10_00_00_00_00"),
        ("a b/c?d#e", "a_b_c_d_e"),
        (":+:", "run"),
    ],
)
def test_safe_segment(run_id: str, expected: str) -> None:
    segment = safe_segment(run_id)
    assert segment == expected
    assert not set(segment) & set(":+/ ?#")


def test_run_folder_is_root_dag_run(tmp_path: Path) -> None:
    staging = RunStaging(f"file://{tmp_path}", "my_dag", "manual__2026-03-01T10:00:00+00:00")
    assert staging.path.path.endswith("/my_dag/manual__2026-03-01T10_00_00_00_00")
    assert str(staging.step("extract")).endswith("/manual__2026-03-01T10_00_00_00_00/extract")
    # two runs never share a folder
    other = RunStaging(f"file://{tmp_path}", "my_dag", "manual__2026-03-01T11:00:00+00:00")
    assert other.path != staging.path


def test_default_root_is_under_airflow_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    assert default_staging_root() == f"file://{tmp_path}/staging"
    staging = RunStaging(None, "d", "r")
    assert staging.path.path == f"{tmp_path}/staging/d/r"


def test_reset_step_empties_and_creates(tmp_path: Path) -> None:
    staging = RunStaging(f"file://{tmp_path}", "d", "r")
    fresh = staging.reset_step("extract")
    assert fresh.exists()
    assert list(fresh.iterdir()) == []
    staging.write_chunk("extract", 0, pd.DataFrame({"a": [1]}))
    (staging.step("extract") / "stray.txt").write_text("left by an earlier attempt")
    staging.reset_step("other")
    staging.write_chunk("other", 0, pd.DataFrame({"a": [1]}))
    staging.reset_step("extract")
    assert list(staging.step("extract").iterdir()) == []
    assert len(staging.chunk_paths("other")) == 1, "resetting one step must not touch another"


def test_chunk_writer_buffers_to_about_chunk_rows(tmp_path: Path) -> None:
    staging = RunStaging(f"file://{tmp_path}", "d", "r")
    staging.reset_step("s")
    writer = ChunkWriter(staging, "s", chunk_rows=3)
    writer.add(pd.DataFrame({"a": [1, 2]}))
    assert staging.chunk_paths("s") == [], "below chunk_rows nothing is written yet"
    writer.add(pd.DataFrame({"a": [3, 4]}))  # 4 >= 3: flushed as one chunk
    writer.add(pd.DataFrame({"a": []}))  # empty frames are ignored
    writer.add(pd.DataFrame({"a": [5]}))
    assert writer.close() == {"rows": 5, "chunks": 2}
    assert [p.name for p in staging.chunk_paths("s")] == ["part-00000.parquet", "part-00001.parquet"]
    sizes = [len(c) for c in staging.iter_chunks("s")]
    assert sizes == [4, 1]
    assert pd.concat(staging.iter_chunks("s"))["a"].tolist() == [1, 2, 3, 4, 5]


def test_chunk_writer_with_nothing_writes_nothing(tmp_path: Path) -> None:
    staging = RunStaging(f"file://{tmp_path}", "d", "r")
    writer = ChunkWriter(staging, "s", chunk_rows=10)
    assert writer.close() == {"rows": 0, "chunks": 0}
    assert staging.chunk_paths("s") == []
    assert list(staging.iter_chunks("s")) == []


def test_chunk_order_and_column_selection(tmp_path: Path) -> None:
    staging = RunStaging(f"file://{tmp_path}", "d", "r")
    staging.reset_step("s")  # writers create the step folder first (a local path needs it)
    for index in (10, 2, 0):
        staging.write_chunk("s", index, pd.DataFrame({"i": [index], "x": ["y"]}))
    chunks = list(staging.iter_chunks("s", columns=["i"]))
    assert [c["i"].item() for c in chunks] == [0, 2, 10]
    assert all(list(c.columns) == ["i"] for c in chunks)


def test_json_round_trip(tmp_path: Path) -> None:
    staging = RunStaging(f"file://{tmp_path}", "d", "r")
    staging.write_json("extract/manifest.json", {"b": 1, "a": [1, 2]})
    assert staging.read_json("extract/manifest.json") == {"a": [1, 2], "b": 1}


def test_prune_runs_removes_only_old_finished_runs(tmp_path) -> None:
    import json
    from datetime import UTC, datetime, timedelta

    from netsuite_acton.operators.staging import RunStaging, prune_runs

    root = f"file://{tmp_path}"
    now = datetime(2026, 3, 20, tzinfo=UTC)
    old = RunStaging(root, "dag", "manual__old")
    old.write_json("report.json", {"finished_at": (now - timedelta(days=30)).isoformat()})
    crashed = RunStaging(root, "dag", "manual__crashed")  # no report, but an old extract manifest
    crashed.write_json("extract/manifest.json", {"started_at": (now - timedelta(days=20)).isoformat()})
    recent = RunStaging(root, "dag", "manual__recent")
    recent.write_json("report.json", {"finished_at": (now - timedelta(days=1)).isoformat()})
    unknown = RunStaging(root, "dag", "manual__unknown")
    unknown.write_json("notes.json", {})
    current = RunStaging(root, "dag", "manual__current")
    current.write_json("report.json", {"finished_at": (now - timedelta(days=99)).isoformat()})

    removed = prune_runs(current, timedelta(days=14), now)

    assert sorted(removed) == ["manual__crashed", "manual__old"]
    left = sorted(p.name for p in (tmp_path / "dag").iterdir())
    assert left == ["manual__current", "manual__recent", "manual__unknown"]
    assert json.loads((tmp_path / "dag" / "manual__recent" / "report.json").read_text())
