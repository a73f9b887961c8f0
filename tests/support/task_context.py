"""Stand-ins for the parts of a task's context the operators use, for tests that call ``execute``."""

from __future__ import annotations

from typing import Any


class FakeTI:
    """Just ``xcom_pull(task_ids=...)``: the return values of the steps that ran."""

    def __init__(self, xcoms: dict[str, Any] | None = None) -> None:
        self.xcoms = xcoms if xcoms is not None else {}
        self.pulled: list[Any] = []

    def xcom_pull(self, task_ids: Any = None, **_: Any) -> Any:
        self.pulled.append(task_ids)
        return self.xcoms.get(task_ids)


class FakeOutletEvents(dict):
    """``context["outlet_events"]``: per outlet (an Asset alias), the Assets an operator added events for."""

    class _Accessor:
        def __init__(self) -> None:
            self.added: list[Any] = []

        def add(self, asset: Any, extra: dict[str, Any] | None = None) -> None:
            self.added.append(asset)

    def __missing__(self, key: Any) -> FakeOutletEvents._Accessor:
        self[key] = accessor = self._Accessor()
        return accessor


def execute_rendered(operator: Any, context: dict[str, Any]) -> Any:
    """What a task run does: render the templated fields (XComArgs resolve via ``context["ti"]``), execute."""
    operator.render_template_fields(context)
    return operator.execute(context)


def task_context(dag: Any, run_id: str, **params: Any) -> dict[str, Any]:
    """The parts of a task's context the operators read, for a run of ``dag`` with its Param defaults."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    return {
        "dag": SimpleNamespace(dag_id=dag.dag_id),
        "run_id": run_id,
        "params": {name: dag.params[name] for name in dag.params} | params,
        "ti": FakeTI({}),
        "outlet_events": FakeOutletEvents(),
        "dag_run": SimpleNamespace(start_date=datetime.now(UTC)),
    }


def run_task(dag: Any, task_id: str, context: dict[str, Any], staging_root: Any) -> Any:
    """Run one task of ``dag`` as a (re)tried task instance would; its return value becomes its XCom."""
    import copy

    operator = copy.copy(dag.get_task(task_id))  # rendering writes into the operator: keep the DAG's pristine
    operator.staging_root = f"file://{staging_root}"
    result = execute_rendered(operator, context)
    context["ti"].xcoms[task_id] = result
    return result
