"""What every sync step shares: its run's staging folder, the YAML config and the state store.

Heavy imports (pandas, hooks, Great Expectations) happen inside ``execute`` so that DAG files parse
fast. Each step reads its input from the run folder and clears its own output first: clearing and
rerunning any task gives the result of one clean run.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from netsuite_acton.dag_settings import config_path as config_path_default
from netsuite_acton.errors import InvalidParamError

if TYPE_CHECKING:
    from airflow.sdk import Context

    from netsuite_acton.operators.staging import RunStaging
    from netsuite_acton.state import StateStore
    from netsuite_acton.sync.config import SyncConfig


class SyncStepOperator(BaseOperator):
    """Base of the sync steps: ``staging_root`` and ``config_path`` are templated."""

    template_fields: tuple[str, ...] = ("staging_root", "config_path")
    ui_color = "#e8f1fb"

    def __init__(
        self,
        *,
        staging_root: str | None = None,
        config_path: str | None = None,
        state_conn_id: str = "netsuite_acton_state",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.staging_root = staging_root
        self.config_path = config_path or config_path_default()
        self.state_conn_id = state_conn_id

    def staging(self, context: Context) -> RunStaging:
        from netsuite_acton.operators.staging import RunStaging

        return RunStaging(self.staging_root or None, context["dag"].dag_id, context["run_id"])

    @cached_property
    def sync_config(self) -> SyncConfig:
        from netsuite_acton.sync.config import load_config

        return load_config(self.config_path)

    def state(self) -> StateStore:
        from netsuite_acton.state import StateStore

        return StateStore.from_airflow(self.state_conn_id)


class NetSuiteStepOperator(SyncStepOperator):
    """A sync step that talks to NetSuite through the connection ``netsuite_conn_id``."""

    def __init__(self, *, netsuite_conn_id: str = "netsuite_default", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.netsuite_conn_id = netsuite_conn_id


class ActOnStepOperator(SyncStepOperator):
    """A sync step that talks to Act-On through the connection ``acton_conn_id``."""

    def __init__(self, *, acton_conn_id: str = "acton_default", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.acton_conn_id = acton_conn_id


def param(context: Context, name: str, default: Any = None) -> Any:
    """A run Param (trigger form), with a default for runs created before the Param existed."""
    value = context["params"].get(name, default)
    return default if value is None else value


def target_lists(routed: list[str], only: list[str] | None) -> list[str]:
    """The lists this run writes: all routed lists, or the ``lists`` Param's subset (unknown names fail)."""
    if not only:
        return list(routed)
    unknown = sorted(set(only) - set(routed))
    if unknown:
        raise InvalidParamError(
            f"lists {unknown} are not routed in the sync configuration (routed: {routed})"
        )
    return [name for name in routed if name in only]
