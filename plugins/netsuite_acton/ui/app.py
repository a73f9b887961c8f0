"""The FastAPI app the API server mounts at ``/netsuite-acton``: HTML pages and the same data as JSON.

Pages (server-rendered, inline SVG charts, no JavaScript):

* ``/``: the state at a glance and, per DAG, small-multiple charts of its recent runs and its last runs;
* ``/dags/{dag_id}``: one DAG's charts over a chosen number of runs and every run, page by page;
* ``/dags/{dag_id}/runs/{run_id}``: one run: counts per step, rows that did not make it (masked),
  removals and consent changes, links to the run, its tasks and their logs in Airflow;
* ``/dags/{dag_id}/runs/{run_id}/files/{step}.csv``: a whole file, unmasked, for users allowed to act on
  the DAG's runs.

``/api/...`` serves the pages' data as JSON. Every route but the icon needs a user logged in to Airflow
(``auth.CurrentUser``): a page sends a visitor without a valid session to the auth manager's login, the
JSON routes answer 401.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from netsuite_acton.state.run_history import Point, RunRow
from netsuite_acton.ui import URL_PREFIX, pages
from netsuite_acton.ui.auth import CurrentUser, login_url, may_download, readable_dags, require_dag
from netsuite_acton.ui.charts import compact
from netsuite_acton.ui.masking import mask_text
from netsuite_acton.ui.service import DAGS, MEASURES, PREVIEW_ROWS, DagSpec, HistoryService, spec

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="#017cee" '
    'stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M4 8h13l-3-3"/>'
    '<path d="M20 16H7l3 3"/></svg>'
)


#: Pages and JSON hold run data: not for shared caches, nor for the browser's disk.
NO_STORE = {"Cache-Control": "no-store"}


class PageError(HTTPException):
    """A page that cannot be shown, with a message for people (rendered, never a stack trace)."""


def create_app(service: HistoryService | None = None) -> FastAPI:
    """The app; ``service`` replaces the state store and staging reads (tests, the benchmark)."""
    app = FastAPI(
        title="NetSuite ↔ Act-On sync history",
        description="Run history, run reports and sync state of the netsuite-acton-sync DAGs.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service or HistoryService()
    templates = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), auto_reload=False
    )
    templates.globals.update(compact=compact, measures=MEASURES, preview_rows=PREVIEW_ROWS)

    def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = templates.get_template(name).render(links=_links(request), **context)
        return HTMLResponse(html, status_code=status_code)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        root, path = str(request.scope.get("root_path", "")), request.url.path
        is_api = (path[len(root) :] if path.startswith(root) else path).startswith("/api/")
        if not isinstance(exc, PageError) and exc.status_code in (401, 403) and not is_api:
            # no session, or one the auth manager no longer accepts: log in, then come back here
            return RedirectResponse(login_url(str(request.url)), status.HTTP_303_SEE_OTHER)
        if is_api:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return render(request, "error.html", exc.status_code, message=str(exc.detail), dags=[])

    @app.middleware("http")
    async def _no_store(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Cache-Control", NO_STORE["Cache-Control"])
        return response

    @app.get("/icon.svg", include_in_schema=False)
    def icon() -> Response:
        return Response(ICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})

    # -- pages ------------------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse)
    def overview_page(request: Request, user: CurrentUser) -> HTMLResponse:
        return render(request, "overview.html", **_overview(request, user, svg=True))

    @app.get("/dags/{dag_id}", response_class=HTMLResponse)
    def dag_page(
        request: Request,
        dag_id: str,
        user: CurrentUser,
        runs: int = Query(pages.DAG_PAGE_RUNS, ge=1, le=max(pages.WINDOW_CHOICES)),
        page: int = Query(1, ge=1),
    ) -> HTMLResponse:
        _require(user, dag_id)
        return render(request, "dag.html", **_dag(request, user, dag_id, runs, page, svg=True))

    @app.get("/dags/{dag_id}/runs/{run_id}", response_class=HTMLResponse)
    def run_page(request: Request, dag_id: str, run_id: str, user: CurrentUser) -> HTMLResponse:
        _require(user, dag_id)
        return render(request, "run.html", **_run(request, user, dag_id, run_id))

    @app.get("/dags/{dag_id}/runs/{run_id}/files/{step}.csv")
    def download(request: Request, dag_id: str, run_id: str, step: str, user: CurrentUser) -> Response:
        _require(user, dag_id)
        if not may_download(user, dag_id):
            raise PageError(
                status.HTTP_403_FORBIDDEN,
                "Downloading a run's full files (unmasked addresses) needs the right to act on this "
                "DAG's runs; your role may only read them.",
            )
        dag, row = _dag_spec(dag_id), _row(request, dag_id, run_id)
        chunks = request.app.state.service.download(row, dag, step)
        if chunks is None:
            raise PageError(status.HTTP_404_NOT_FOUND, f"This run has no {step!r} file (any more).")
        log.info("Full %s file of %s %s downloaded by %s", step, dag_id, run_id, mask_text(user.get_name()))
        name = pages.download_name(dag_id, run_id, step)
        return StreamingResponse(
            chunks,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    # -- the same data as JSON --------------------------------------------------------------------------
    @app.get("/api/overview")
    def overview_json(request: Request, user: CurrentUser) -> dict[str, Any]:
        data = _overview(request, user, svg=False)
        return {"glance": data["glance"], "dags": [_without_charts(d) for d in data["dags"]]}

    @app.get("/api/dags/{dag_id}/runs")
    def runs_json(
        request: Request,
        dag_id: str,
        user: CurrentUser,
        runs: int = Query(pages.DAG_PAGE_RUNS, ge=1, le=max(pages.WINDOW_CHOICES)),
        page: int = Query(1, ge=1),
    ) -> dict[str, Any]:
        _require(user, dag_id)
        return _without_charts(_dag(request, user, dag_id, runs, page, svg=False))

    @app.get("/api/dags/{dag_id}/runs/{run_id}")
    def run_json(request: Request, dag_id: str, run_id: str, user: CurrentUser) -> dict[str, Any]:
        _require(user, dag_id)
        data = _run(request, user, dag_id, run_id)
        data.pop("dag", None)
        return data

    return app


# -- what the routes share ----------------------------------------------------------------------------
def _links(request: Request) -> pages.Links:
    """This app's path and the Airflow UI's, from where the API server mounted the app."""
    root = str(request.scope.get("root_path", "")).rstrip("/")
    airflow = root.removesuffix(URL_PREFIX) if root.endswith(URL_PREFIX) else ""
    return pages.Links(root=root, airflow=airflow)


def _require(user: Any, dag_id: str) -> None:
    try:
        require_dag(user, dag_id)
    except HTTPException as exc:
        raise PageError(exc.status_code, exc.detail) from None


def _dag_spec(dag_id: str) -> DagSpec:
    found = spec(dag_id)
    if found is None:  # require_dag has said so already; keeps the type checker honest
        raise PageError(status.HTTP_404_NOT_FOUND, f"{dag_id!r} is not one of this project's DAGs")
    return found


def _row(request: Request, dag_id: str, run_id: str) -> RunRow:
    row = request.app.state.service.run(dag_id, run_id)
    if row is None:
        raise PageError(
            status.HTTP_404_NOT_FOUND,
            f"No run {run_id!r} of {dag_id} in the sync history: it has not reached its report step yet, "
            "or it ran before the history was kept.",
        )
    return row


def _overview(request: Request, user: Any, svg: bool) -> dict[str, Any]:
    """The overview's data; ``svg``: charts drawn for the page, else their series for JSON."""
    service: HistoryService = request.app.state.service
    links = _links(request)
    allowed = readable_dags(user)
    thresholds = service.thresholds()
    glance = service.glance(allowed)
    dags = []
    for dag in (d for d in DAGS if d.dag_id in allowed):
        rows = service.points(dag.dag_id, limit=pages.OVERVIEW_RUNS)
        latest = service.runs(dag.dag_id, limit=10)
        dags.append(
            {
                "dag_id": dag.dag_id,
                "title": dag.title,
                "direction": dag.direction,
                "href": links.dag(dag.dag_id),
                "airflow": links.airflow_dag(dag.dag_id),
                "total": service.total(dag.dag_id),
                "charted": len(rows),
                **_chart_data(rows, dag, thresholds, links, svg),
                "runs": [pages.run_summary(r, links) for r in latest],
                "threshold": {"key": dag.threshold_key, "value": thresholds.get(dag.threshold_key)},
            }
        )
    return {"glance": _glance(glance, links), "dags": dags, "nav": _nav(allowed, links)}


def _glance(glance: dict[str, Any], links: pages.Links) -> dict[str, Any]:
    now = glance["now"]
    quota = glance["acton_daily_quota"]
    used = glance["acton_calls_today"]
    last_clean = []
    for dag in DAGS:
        if dag.dag_id not in glance["last_clean"]:
            continue
        row = glance["last_clean"][dag.dag_id]
        last = glance["last_run"].get(dag.dag_id)
        last_clean.append(
            {
                "dag_id": dag.dag_id,
                "title": dag.title,
                "direction": dag.direction,
                "run_id": row.run_id if row else None,
                "ended": pages.when(row.ended_at) if row else "",
                "ago": pages.age((now - row.ended_at).total_seconds()) if row else "",
                "href": links.run(dag.dag_id, row.run_id) if row else None,
                "last_state": pages.run_state(last) if last else None,
                "last_href": links.run(dag.dag_id, last.run_id) if last else None,
            }
        )
    return {
        "now": pages.when(now),
        "watermarks": [
            {
                "name": w["name"],
                "value": pages.when(w["value"]),
                "updated": pages.when(w["updated_at"]),
                "run_id": w["run_id"],
            }
            for w in glance["watermarks"]
        ],
        "last_clean": last_clean,
        "tokens": [
            {
                "name": t["name"].split(":", 1)[0] + ":" + t["name"].split(":", 1)[-1][:8] + "…",
                "written": pages.when(t["updated_at"]),
                "age": pages.age(t["age_seconds"]),
                "age_seconds": round(t["age_seconds"]) if t["age_seconds"] is not None else None,
                "expires_in": pages.age(t["expires_in_seconds"]),
                "expired": t["expires_in_seconds"] is not None and t["expires_in_seconds"] <= 0,
            }
            for t in glance["tokens"]
        ],
        "acton_calls_today": used,
        "acton_runs_today": glance["acton_runs_today"],
        "acton_daily_quota": quota,
        "acton_quota_share": round(used / quota, 4) if quota else 0.0,
        "quota_resets_at": pages.when(glance["quota_resets_at"]),
    }


def _dag(request: Request, user: Any, dag_id: str, window: int, page: int, svg: bool) -> dict[str, Any]:
    service: HistoryService = request.app.state.service
    links = _links(request)
    dag = _dag_spec(dag_id)
    thresholds = service.thresholds()
    rows = service.points(dag_id, limit=window)
    total = service.total(dag_id)
    listed = service.runs(dag_id, limit=pages.PAGE_SIZE, offset=(page - 1) * pages.PAGE_SIZE)
    last_page = max(1, -(-total // pages.PAGE_SIZE))
    return {
        "dag_id": dag_id,
        "title": dag.title,
        "direction": dag.direction,
        "airflow": links.airflow_dag(dag_id),
        "total": total,
        "window": window,
        "charted": len(rows),
        **_chart_data(rows, dag, thresholds, links, svg),
        "threshold": {"key": dag.threshold_key, "value": thresholds.get(dag.threshold_key)},
        "runs": [pages.run_summary(r, links) for r in listed],
        "page": page,
        "last_page": last_page,
        "prev": links.dag(dag_id, runs=window, page=page - 1) if page > 1 else None,
        "next": links.dag(dag_id, runs=window, page=page + 1) if page < last_page else None,
        "windows": [
            {"runs": n, "href": links.dag(dag_id, runs=n), "current": n == window}
            for n in pages.WINDOW_CHOICES
        ],
        "nav": _nav(readable_dags(user), links),
    }


def _run(request: Request, user: Any, dag_id: str, run_id: str) -> dict[str, Any]:
    service: HistoryService = request.app.state.service
    links = _links(request)
    dag = _dag_spec(dag_id)
    row = _row(request, dag_id, run_id)
    view = service.report(row)
    report = view.report or {}
    allowed = may_download(user, dag_id)
    files = service.row_files(row, dag)
    for entry in files:
        entry["download"] = (
            links.download(dag_id, run_id, entry["step"]) if allowed and entry["total"] else None
        )
    return {
        "dag": dag,
        "dag_id": dag_id,
        "title": dag.title,
        "direction": dag.direction,
        "run": pages.run_summary(row, links),
        "report_error": view.error,
        "report": report,
        "counts": pages.report_counts(report) if view.report else [],
        "steps": pages.step_lines(report, dag_id, run_id, links) if view.report else [],
        "problems": report.get("problems") or [],
        "files": files,
        "may_download": allowed,
        "removals": service.removals(run_id) if dag.direction == "forward" else None,
        "consent_changes": service.consent_changes(run_id) if dag.direction == "consent" else None,
        "run_links": {
            "page": links.run(dag_id, run_id),
            "dag": links.dag(dag_id),
            "airflow_run": links.airflow_run(dag_id, run_id),
            "airflow_tasks": links.airflow_tasks(dag_id, run_id),
            "airflow_report_log": links.airflow_task(dag_id, run_id, "report"),
        },
        "nav": _nav(readable_dags(user), links),
    }


def _chart_data(
    rows: list[Point], dag: DagSpec, thresholds: dict[str, float], links: pages.Links, svg: bool
) -> dict[str, Any]:
    if svg:
        return {"charts": pages.charts(rows, dag, thresholds, links)}
    return {"series": pages.series(rows, dag, thresholds)}


def _nav(allowed: list[str], links: pages.Links) -> list[dict[str, str]]:
    return [{"title": d.title, "href": links.dag(d.dag_id)} for d in DAGS if d.dag_id in allowed]


def _without_charts(data: dict[str, Any]) -> dict[str, Any]:
    """A page's data minus its SVG (JSON carries the series instead) and its nav."""
    return {k: v for k, v in data.items() if k not in ("charts", "nav", "windows", "prev", "next")}
