from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pandas as pd
import pytest

from netsuite_acton.hooks.acton import MergeResult
from netsuite_acton.operators.base import target_lists
from netsuite_acton.operators.diff_contacts import CHANGED
from netsuite_acton.operators.load_contacts import REJECTED, ActOnMergeOperator
from netsuite_acton.sync.contract import LIST_NAME
from tests.operators.data import act_on_rows

ROUTED = ["NetSuite Customers", "NetSuite Prospects", "NetSuite Leads", "NetSuite Unaffiliated"]


# -- target_lists ----------------------------------------------------------------------------------------


def test_target_lists_all_by_default() -> None:
    assert target_lists(ROUTED, None) == ROUTED
    assert target_lists(ROUTED, []) == ROUTED
    assert target_lists(ROUTED, None) is not ROUTED


def test_target_lists_subset_in_routed_order() -> None:
    assert target_lists(ROUTED, ["NetSuite Leads", "NetSuite Customers"]) == [
        "NetSuite Customers",
        "NetSuite Leads",
    ]


def test_target_lists_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match=r"\['NetSuite Leeds'\] are not routed"):
        target_lists(ROUTED, ["NetSuite Leads", "NetSuite Leeds"])


# -- the operator ----------------------------------------------------------------------------------------


class FakeActOnHook:
    """Remembers lists ensured and merges; rejects the emails in ``reject`` with a reason."""

    instances: list[FakeActOnHook] = []
    reject: dict[str, str] = {}

    def __init__(self, acton_conn_id: str = "acton_default", state: Any = None, **_: Any) -> None:
        self.state = state
        self.ensured: list[tuple[str, list[str], str]] = []
        self.merges: list[dict[str, Any]] = []
        FakeActOnHook.instances.append(self)

    @property
    def calls_made(self) -> int:
        return len(self.ensured) + len(self.merges)

    def ensure_list(self, name: str, headings: list[str], folder: str = "NetSuite Sync") -> str:
        self.ensured.append((name, list(headings), folder))
        return f"l-{len(self.ensured)}"

    def merge_contacts(self, list_id: str, frame: pd.DataFrame, **kwargs: Any) -> MergeResult:
        self.merges.append({"list_id": list_id, "frame": frame.copy(), **kwargs})
        email = kwargs["email_heading"]
        rejected = frame.loc[frame[email].isin(list(FakeActOnHook.reject)), [email]]
        rejected = pd.DataFrame(
            {"email": rejected[email].str.upper(), "reason": rejected[email].map(FakeActOnHook.reject)}
        )
        return MergeResult(
            list_id=list_id,
            uploads=1,
            appended=len(frame) - len(rejected),
            failed=len(rejected),
            rejected=len(rejected),
            rejected_rows=rejected,
            calls=3,
        )


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> type[FakeActOnHook]:
    import netsuite_acton.hooks.acton as module

    monkeypatch.setattr(module, "ActOnHook", FakeActOnHook)
    FakeActOnHook.instances, FakeActOnHook.reject = [], {}
    return FakeActOnHook


@pytest.fixture
def seeded(make_context, staging_for, config):
    def seed(**params: Any):
        context = make_context(params=params)
        staging = staging_for(context)
        staging.reset_step(CHANGED)
        rows = act_on_rows(
            config.forward,
            [
                {"id": 1, "email": "a@example.com", "list": "NetSuite Leads"},
                {"id": 2, "email": "b@example.com", "list": "NetSuite Customers"},
                {"id": 3, "email": "c@example.com", "list": "NetSuite Leads"},
            ],
        ).assign(row_hash="h")
        staging.write_chunk(CHANGED, 0, rows.iloc[:2])
        staging.write_chunk(CHANGED, 1, rows.iloc[2:])
        return context, staging

    return seed


def _op(staging_root: str, **kwargs: Any) -> ActOnMergeOperator:
    return ActOnMergeOperator(task_id="load", staging_root=staging_root, **kwargs)


def test_merges_each_list_once_with_the_mapped_headings_only(hook, store, seeded, staging_root, config):
    context, _ = seeded()
    out = _op(staging_root).execute(context)
    (fake,) = hook.instances
    assert fake.state is store
    fwd = config.forward
    assert [name for name, _, _ in fake.ensured] == ["NetSuite Customers", "NetSuite Leads"]
    _name, headings, folder = fake.ensured[0]
    assert headings == [*fwd.headings, config.reverse.score_column]
    assert folder == "NetSuite"
    by_list = {m["list_id"]: m for m in fake.merges}
    assert set(by_list) == {"l-1", "l-2"}
    for merge in fake.merges:
        assert list(merge["frame"].columns) == fwd.headings, "list_name/row_hash must not be uploaded"
        assert merge["mode"] == "UPSERT"
        assert merge["email_heading"] == fwd.email_heading
    assert sorted(by_list["l-2"]["frame"][fwd.email_heading]) == ["a@example.com", "c@example.com"]
    assert out["loaded_lists"] == ROUTED
    assert out["list_ids"] == {"NetSuite Customers": "l-1", "NetSuite Leads": "l-2"}
    assert out["report"]["loaded_appended"] == {"NetSuite Customers": 1, "NetSuite Leads": 2}
    assert out["report"]["calls"] == {"acton": 4}
    assert out["written_lists"] == ["NetSuite Customers", "NetSuite Leads"]
    assert _events(context) == ["NetSuite Customers", "NetSuite Leads"]


def _events(context: dict[str, Any]) -> list[str]:
    """The lists the task announced an Asset event for (through the alias), by list name."""
    from netsuite_acton.assets import ACTON_LISTS_WRITTEN

    return [
        unquote(asset.uri.rsplit("/", 1)[1]) for asset in context["outlet_events"][ACTON_LISTS_WRITTEN].added
    ]


def test_dry_run_makes_no_write_call(hook, store, seeded, staging_root):
    context, _ = seeded(dry_run=True)
    out = _op(staging_root).execute(context)
    (fake,) = hook.instances
    assert fake.ensured == []
    assert fake.merges == []
    assert out["loaded_lists"] == []
    assert out["report"]["dry_run"] is True
    assert out["report"]["to_load"] == {"would_load:NetSuite Leads": 2, "would_load:NetSuite Customers": 1}
    assert out["report"]["loaded_appended"] == {}
    assert out["written_lists"] == []
    assert _events(context) == [], "a dry run must not start the reverse DAG"


def test_rejected_rows_are_written_and_counted(hook, store, seeded, staging_root):
    hook.reject = {"c@example.com": "Invalid email domain"}
    context, staging = seeded()
    out = _op(staging_root).execute(context)
    assert out["rejected"] == str(staging.step(REJECTED))
    rejected = pd.concat(staging.iter_chunks(REJECTED))
    assert rejected.to_dict("records") == [
        {"email": "C@EXAMPLE.COM", "reason": "Invalid email domain", "list_name": "NetSuite Leads"}
    ]
    assert out["report"]["rejected"] == {"Invalid email domain": 1}
    assert out["report"]["counters"] == {"failed:NetSuite Leads": 1}
    assert out["report"]["loaded_appended"]["NetSuite Leads"] == 1


def test_lists_param_limits_the_write(hook, store, seeded, staging_root):
    context, _ = seeded(lists=["NetSuite Customers"])
    out = _op(staging_root).execute(context)
    (fake,) = hook.instances
    assert [name for name, _, _ in fake.ensured] == ["NetSuite Customers"]
    assert len(fake.merges) == 1
    assert out["loaded_lists"] == ["NetSuite Customers"]
    assert _events(context) == ["NetSuite Customers"]


def test_lists_with_nothing_to_send_get_no_event(hook, store, make_context, staging_root, staging_for):
    context = make_context()
    staging_for(context).reset_step(CHANGED)
    out = _op(staging_root).execute(context)
    assert out["loaded_lists"] == ROUTED, "every list was processed: the watermark may move"
    assert out["written_lists"] == []
    assert _events(context) == []


def test_unknown_list_param_fails_before_any_call(hook, store, seeded, staging_root):
    context, _ = seeded(lists=["NetSuite Leeds"])
    with pytest.raises(ValueError, match="not routed"):
        _op(staging_root).execute(context)
    assert all(not h.merges and not h.ensured for h in hook.instances)


def test_batches_of_batch_rows(hook, store, seeded, staging_root, config):
    context, _ = seeded()
    _op(staging_root, batch_rows=1).execute(context)
    (fake,) = hook.instances
    sizes = sorted(len(m["frame"]) for m in fake.merges)
    assert sizes == [1, 1, 1]
    assert len(fake.ensured) == 2, "a list is looked up once, not once per batch"


def test_rerun_clears_rejected_rows(hook, store, seeded, staging_root):
    hook.reject = {"a@example.com": "bad"}
    context, staging = seeded()
    _op(staging_root).execute(context)
    hook.reject = {}
    out = _op(staging_root).execute(context)
    assert staging.chunk_paths(REJECTED) == []
    assert out["report"]["rejected"] == {}


def test_rows_of_other_lists_are_never_merged(hook, store, make_context, staging_for, staging_root, config):
    context = make_context()
    staging = staging_for(context)
    staging.reset_step(CHANGED)
    rows = act_on_rows(config.forward, [{"id": 1, "email": "x@example.com", "list": "Somewhere Else"}])
    staging.write_chunk(CHANGED, 0, rows)
    out = _op(staging_root).execute(context)
    assert hook.instances[0].merges == []
    assert out["report"]["loaded_appended"] == {}
    assert set(pd.concat(staging.iter_chunks(CHANGED))[LIST_NAME]) == {"Somewhere Else"}
