"""Who may see what: the auth manager decides, per DAG; the plugin only asks."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import HTTPException

from netsuite_acton.ui.auth import login_url, may_download, readable_dags, require_dag
from netsuite_acton.ui.service import DAG_IDS


def _user(role: str | None) -> Any:
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return SimpleAuthManagerUser(username="someone", role=role)


@pytest.mark.parametrize(
    ("role", "download"), [("viewer", False), ("user", True), ("op", True), ("admin", True)]
)
def test_every_role_reads_and_those_who_act_on_runs_download(
    auth_manager: Any, role: str, download: bool
) -> None:
    user = _user(role)
    assert readable_dags(user) == list(DAG_IDS)
    assert all(may_download(user, dag_id) is download for dag_id in DAG_IDS)
    require_dag(user, DAG_IDS[0])


def test_a_user_without_a_role_reads_nothing(auth_manager: Any) -> None:
    user = _user(None)
    assert readable_dags(user) == []
    with pytest.raises(HTTPException) as forbidden:
        require_dag(user, DAG_IDS[0])
    assert forbidden.value.status_code == 403
    with pytest.raises(HTTPException) as unknown:
        require_dag(_user("admin"), "example_dag")
    assert unknown.value.status_code == 404


def test_login_goes_to_the_auth_manager_and_comes_back(auth_manager: Any) -> None:
    assert (
        login_url("http://host/netsuite-acton/") == "/auth/login?next=http%3A%2F%2Fhost%2Fnetsuite-acton%2F"
    )
