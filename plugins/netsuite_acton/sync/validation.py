"""Validate step: run a Great Expectations suite on a chunk and quarantine failing rows with reasons.

The suites are JSON files in ``include/expectations`` so the data team can change rules without Python.
GX reports, per expectation, the index of every failing row (``result_format=COMPLETE``); those indices
become a human-readable ``reasons`` column ("email_missing; stage_unknown") in the order the suite lists
its expectations, so the same input always gives the same verdict.

GX is imported lazily (it takes seconds): importing this module, e.g. while Airflow parses a DAG file,
stays cheap. One ``SuiteValidator`` holds one ephemeral GX context and is reused for every chunk.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from netsuite_acton.sync.cleaning import as_text, normalise_stage
from netsuite_acton.sync.contract import REASONS
from netsuite_acton.sync.quarantine import count_reasons, join_reasons, split_by_reasons

#: Column names of the scores suite's view (independent of the configured Act-On headings).
SCORE_EMAIL: Final = "email"
SCORE_TEXT: Final = "score_text"
SCORE_VALUE: Final = "score"


class SuiteError(ValueError):
    """The suite file is missing, not JSON, not a GX suite, or an expectation could not be evaluated."""


@dataclass(frozen=True)
class ValidationOutcome:
    """Valid rows, quarantined rows (input columns + ``reasons``), and what GX said about the chunk.

    ``valid`` and ``quarantine`` together hold every input row exactly once, with the input's index.
    ``gx_success`` is the suite-level verdict (it honours ``mostly``); rows are quarantined either way.
    """

    valid: pd.DataFrame
    quarantine: pd.DataFrame
    counts_by_reason: dict[str, int]
    gx_success: bool
    statistics: dict[str, Any] = field(default_factory=dict)


def load_suite(path: str | Path) -> dict[str, Any]:
    """The suite file as a dict, checked enough to give a clear error before GX sees it."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SuiteError(f"{path}: cannot read the expectation suite ({exc.strerror or exc})") from exc
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise SuiteError(f"{path}: not valid JSON at {where}: {exc.msg}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("expectations"), list):
        raise SuiteError(f"{path}: a suite is an object with an 'expectations' list")
    for number, expectation in enumerate(data["expectations"]):
        if not isinstance(expectation, dict) or "type" not in expectation:
            raise SuiteError(f"{path}: expectations[{number}] needs a 'type'")
    return data


def _reason(expectation: Mapping[str, Any]) -> str:
    """``meta.reason`` when the data team gave one, else ``column:expectation_type``."""
    reason = (expectation.get("meta") or {}).get("reason")
    if reason:
        return str(reason)
    column = (expectation.get("kwargs") or {}).get("column", "table")
    return f"{column}:{expectation['type']}"


class SuiteValidator:
    """Runs one suite file against DataFrames; build once per task, call per chunk."""

    def __init__(self, suite_path: str | Path, parameters: Mapping[str, Any] | None = None) -> None:
        self.suite_path = Path(suite_path)
        self.parameters = dict(parameters or {})
        self._definition = load_suite(self.suite_path)
        self.reasons = [_reason(e) for e in self._definition["expectations"]]
        self._gx: tuple[Any, Any] | None = None

    def _context(self) -> tuple[Any, Any]:
        """(batch definition, suite) in a private ephemeral context: no files, analytics or progress bars."""
        if self._gx is None:
            import great_expectations as gx
            from great_expectations.data_context.types.base import (
                DataContextConfig,
                InMemoryStoreBackendDefaults,
                ProgressBarsConfig,
            )

            project = DataContextConfig(
                store_backend_defaults=InMemoryStoreBackendDefaults(),
                analytics_enabled=False,
                progress_bars=ProgressBarsConfig(globally=False),
            )
            from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

            # GX logs and DROPS an expectation it cannot build; a typo must fail instead of disabling a rule
            for number, spec in enumerate(self._definition["expectations"]):
                try:
                    ExpectationConfiguration(**spec).to_domain_obj()
                except Exception as exc:  # GX raises many types for a malformed expectation
                    message = " ".join(str(exc).split())
                    where = f"expectations[{number}] ({spec.get('type')})"
                    raise SuiteError(f"{self.suite_path}: {where} is not valid: {message}") from exc
            context = gx.get_context(mode="ephemeral", project_config=project)
            try:
                suite = context.suites.add(gx.ExpectationSuite(**self._definition))
            except Exception as exc:
                raise SuiteError(f"{self.suite_path}: not a valid expectation suite: {exc}") from exc
            if len(suite.expectations) != len(self._definition["expectations"]):
                raise SuiteError(f"{self.suite_path}: GX could not load every expectation of the suite")
            asset = context.data_sources.add_pandas("sync").add_dataframe_asset("chunk")
            self._gx = (asset.add_batch_definition_whole_dataframe("whole"), suite)
        return self._gx

    def failures(self, view: pd.DataFrame) -> tuple[pd.Series, bool, dict[str, Any]]:
        """(reasons per row of ``view``, suite success, GX statistics + timing).

        ``view`` must have a unique index; reasons come back on that index.
        """
        batch_definition, suite = self._context()
        started = time.perf_counter()
        batch = batch_definition.get_batch(batch_parameters={"dataframe": view})
        result = batch.validate(
            suite,
            result_format={"result_format": "COMPLETE", "include_unexpected_rows": False},
            expectation_parameters=self.parameters,
        )
        elapsed = time.perf_counter() - started
        failed_rows: dict[str, pd.Series] = {}
        for outcome in result.results:
            config = outcome.expectation_config
            message = _exception_message(outcome.exception_info)
            if message:
                raise SuiteError(f"{self.suite_path}: {config.type} on {dict(config.kwargs)}: {message}")
            reason = _reason({"type": config.type, "kwargs": config.kwargs, "meta": config.meta})
            indices = outcome.result.get("unexpected_index_list") or []
            if indices:
                hit = np.zeros(len(view), dtype=bool)
                hit[view.index.get_indexer(list(indices))] = True
                if reason in failed_rows:  # two expectations may share a reason
                    hit |= failed_rows[reason].to_numpy()
                failed_rows[reason] = pd.Series(hit, index=view.index)
        # suite order first (a reason shared by two expectations appears once), then any others by name
        order = dict.fromkeys([*self.reasons, *sorted(failed_rows)])
        ordered = [(reason, failed_rows[reason]) for reason in order if reason in failed_rows]
        statistics = {**dict(result.statistics), "rows": len(view), "gx_seconds": round(elapsed, 4)}
        return join_reasons(view.index, ordered), bool(result.success), statistics


def _exception_message(info: Any) -> str | None:
    """GX reports an expectation that could not run (e.g. missing column) in one of two shapes."""
    if not isinstance(info, Mapping):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    nested = [v for v in info.values() if isinstance(v, Mapping) and v.get("raised_exception")]
    return str(nested[0].get("exception_message")) if nested else None


def _split(frame: pd.DataFrame, view: pd.DataFrame, validator: SuiteValidator) -> ValidationOutcome:
    """Validate ``view`` (same rows as ``frame``, positional index) and split ``frame`` accordingly."""
    reasons, success, statistics = validator.failures(view)
    reasons.index = frame.index
    valid, quarantine = split_by_reasons(frame, reasons)
    return ValidationOutcome(valid, quarantine, count_reasons(quarantine[REASONS]), success, statistics)


def _blank_as_missing(values: pd.Series) -> pd.Series:
    text = as_text(values)
    return text.mask(text.str.strip().eq(""))


class ContactValidator:
    """The contacts suite, applied to chunks in the NetSuite hook's column contract."""

    def __init__(self, suite_path: str | Path) -> None:
        self.suite = SuiteValidator(suite_path)

    def validate(self, frame: pd.DataFrame) -> ValidationOutcome:
        """Quarantine rows that break the suite; the rest go on to cleaning unchanged."""
        if not frame.index.is_unique:
            raise ValueError("contact chunk index must be unique (rows are matched back by index)")
        view = frame.reset_index(drop=True)
        view["email"] = _blank_as_missing(view["email"])
        view["id"] = _blank_as_missing(as_text(view["id"]).str.strip())
        view["stage"] = normalise_stage(view["stage"])
        return _split(frame, view, self.suite)


class ScoreValidator:
    """The scores suite, applied to rows downloaded from Act-On lists."""

    def __init__(self, suite_path: str | Path, score_range: tuple[float, float]) -> None:
        low, high = score_range
        self.suite = SuiteValidator(suite_path, {"score_min": low, "score_max": high})

    def validate(self, frame: pd.DataFrame, email_column: str, score_column: str) -> ValidationOutcome:
        """Quarantine rows without an email or with a non-numeric or out-of-range score.

        ``frame`` keeps its own columns (Act-On headings); the suite sees the neutral names
        ``email`` / ``score_text`` / ``score`` so it does not depend on the configuration.
        """
        for column in (email_column, score_column):
            if column not in frame:
                raise KeyError(f"column {column!r} is missing from the downloaded list")
        if not frame.index.is_unique:
            raise ValueError("score frame index must be unique (rows are matched back by index)")
        text = _blank_as_missing(frame[score_column]).reset_index(drop=True)
        view = pd.DataFrame(
            {
                SCORE_EMAIL: _blank_as_missing(frame[email_column]).reset_index(drop=True),
                SCORE_TEXT: text,
                SCORE_VALUE: pd.to_numeric(text.str.strip(), errors="coerce").astype("float64"),
            }
        )
        view.loc[~np.isfinite(view[SCORE_VALUE].fillna(0.0)), SCORE_VALUE] = np.nan
        return _split(frame, view, self.suite)
