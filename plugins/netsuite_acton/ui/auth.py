"""Who may see what, decided by Airflow's auth manager (never by this plugin).

Airflow does not authenticate a plugin's FastAPI app: its routes are mounted outside the core API's
router. So every route here depends on the API server's own ``get_user`` (the JWT from the
``Authorization`` header or the UI's ``_token`` cookie, validated by the configured auth manager), and
asks the auth manager about each DAG:

* reading a DAG's history and runs: ``is_authorized_dag(GET, RUN)`` for that DAG (every role of the
  simple auth manager; per DAG with FAB or Keycloak);
* downloading a run's full files (unmasked addresses, names, phones): ``is_authorized_dag(PUT, RUN)``, the
  right to act on the DAG's runs (the simple auth manager's ``USER`` role and above, not ``VIEWER``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, status

from netsuite_acton.ui.service import DAG_IDS


def _auth_manager() -> Any:
    from airflow.api_fastapi.app import get_auth_manager

    return get_auth_manager()


def _get_user_dependency() -> Any:
    from airflow.api_fastapi.core_api.security import get_user

    return get_user


#: The logged-in Airflow user (401 without a valid token, 403 with an invalid one).
CurrentUser = Annotated[Any, Depends(_get_user_dependency())]


def readable_dags(user: Any) -> list[str]:
    """The project's DAGs whose runs ``user`` may read, in page order."""
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails

    manager = _auth_manager()
    return [
        dag_id
        for dag_id in DAG_IDS
        if manager.is_authorized_dag(
            method="GET", access_entity=DagAccessEntity.RUN, details=DagDetails(id=dag_id), user=user
        )
    ]


def may_download(user: Any, dag_id: str) -> bool:
    """Whether ``user`` may download a run's full, unmasked files (acting on the DAG's runs)."""
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails

    return bool(
        _auth_manager().is_authorized_dag(
            method="PUT", access_entity=DagAccessEntity.RUN, details=DagDetails(id=dag_id), user=user
        )
    )


def require_dag(user: Any, dag_id: str) -> None:
    """404 for a DAG that is not the project's, 403 for one the user may not read."""
    if dag_id not in DAG_IDS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{dag_id!r} is not one of this project's DAGs")
    if dag_id not in readable_dags(user):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Forbidden")


def login_url(next_url: str) -> str:
    """Where the auth manager logs users in, coming back to ``next_url``."""
    return str(_auth_manager().get_url_login(next_url=next_url))
