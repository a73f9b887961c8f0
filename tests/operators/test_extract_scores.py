from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from netsuite_acton.hooks.acton.errors import ActOnHeadingsMismatchError
from netsuite_acton.operators.extract_scores import SCORES, ActOnScoresExtractOperator
from tests.operators.conftest import REVERSE_DAG

EMAIL, SCORE = "E-mail Address", "Act-On score"


class FakeActOnHook:
    lists: dict[str, list[pd.DataFrame]] = {}
    instances: list[FakeActOnHook] = []

    def __init__(self, acton_conn_id: str = "acton_default", state: Any = None, **_: Any) -> None:
        self.state = state
        self.downloads: list[tuple[str, list[str]]] = []
        FakeActOnHook.instances.append(self)

    @property
    def calls_made(self) -> int:
        return 7

    def find_list(self, name: str) -> dict[str, Any] | None:
        return {"id": f"id:{name}", "name": name} if name in FakeActOnHook.lists else None

    def download_list(self, list_id: str, fields: list[str], **_: Any) -> Iterator[pd.DataFrame]:
        self.downloads.append((list_id, list(fields)))
        yield from FakeActOnHook.lists[list_id.removeprefix("id:")]


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> type[FakeActOnHook]:
    import netsuite_acton.hooks.acton as module

    monkeypatch.setattr(module, "ActOnHook", FakeActOnHook)
    FakeActOnHook.instances = []
    FakeActOnHook.lists = {
        "NetSuite Leads": [
            pd.DataFrame({EMAIL: ["a@x.com", "b@x.com"], SCORE: ["10", ""], "Other": ["o", "o"]}),
            pd.DataFrame({EMAIL: ["c@x.com"], SCORE: ["99"], "Other": ["o"]}),
        ],
        "NetSuite Customers": [pd.DataFrame({EMAIL: ["d@x.com"], SCORE: ["5"]})],
    }
    return FakeActOnHook


def _run(staging_root, make_context, **params):
    context = make_context(params=params, dag_id=REVERSE_DAG)
    out = ActOnScoresExtractOperator(task_id="extract_scores", staging_root=staging_root).execute(context)
    return out, context


def test_downloads_two_columns_of_every_list_and_counts_missing(
    hook, store, staging_root, make_context, staging_for
) -> None:
    out, context = _run(staging_root, make_context)
    (fake,) = hook.instances
    assert fake.state is store
    assert all(fields == [EMAIL, SCORE] for _, fields in fake.downloads)
    assert out["rows_per_list"] == {"NetSuite Customers": 1, "NetSuite Leads": 3}
    assert out["missing_lists"] == ["NetSuite Prospects", "NetSuite Unaffiliated"]
    assert out["report"]["extracted"] == 4
    assert out["report"]["direction"] == "reverse"
    assert out["report"]["counters"] == {
        "lists_missing:NetSuite Prospects": 1,
        "lists_missing:NetSuite Unaffiliated": 1,
    }
    staged = pd.concat(staging_for(context).iter_chunks(SCORES))
    assert list(staged.columns) == [EMAIL, SCORE, "list_name"]
    assert staged.groupby("list_name").size().to_dict() == {"NetSuite Customers": 1, "NetSuite Leads": 3}


def test_lists_param_limits_the_download(hook, store, staging_root, make_context) -> None:
    out, _ = _run(staging_root, make_context, lists=["NetSuite Leads"])
    assert [list_id for list_id, _ in hook.instances[0].downloads] == ["id:NetSuite Leads"]
    assert out["missing_lists"] == []


def test_list_without_the_score_column_fails_with_the_fix(hook, store, staging_root, make_context) -> None:
    hook.lists["NetSuite Leads"] = [pd.DataFrame({EMAIL: ["a@x.com"]})]
    with pytest.raises(ActOnHeadingsMismatchError, match=r"reverse\.score_column"):
        _run(staging_root, make_context)
