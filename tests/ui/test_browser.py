"""The page in a real browser: headless Debian Chromium, driven by Playwright, against ``airflow api-server``.

One Airflow home set up only as the README says (``airflow db migrate``, the two API connections, the
simple auth manager's default ``admin`` user and its generated password), one real run of the forward DAG
against both sandboxes (``airflow dags test``), then one API server. The browser logs in through Airflow's
own login page, finds "NetSuite ↔ Act-On" in Airflow's navigation, and checks that the charts, tables and
the run page show what the run's report.json and Act-On say. Screenshots go to a temporary folder, or to
``$NETSUITE_ACTON_SCREENSHOTS`` (``docs/img`` refreshes those docs/ui.md shows).

Needs ``/usr/bin/chromium`` (Debian's ``chromium``) and the ``playwright`` package (requirements.txt;
Playwright's own browser download is not used). Without them it skips with the reason; with ``CI`` set
it fails instead (``.ci/run`` installs Chromium when it is absent).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.launcher import SandboxProcess, sandbox_connection
from tests.support.airflow_stack import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
CHROMIUM = Path("/usr/bin/chromium")
#: As root, on a machine without outside network: no sandbox, no GPU, no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
#: Where the screenshots go: a temporary folder, so a test run never rewrites tracked files;
#: ``NETSUITE_ACTON_SCREENSHOTS=docs/img`` refreshes the ones docs/ui.md shows.
SCREENSHOTS_ENV = "NETSUITE_ACTON_SCREENSHOTS"
FORWARD = "netsuite_contacts_to_acton"
CONTACTS = 1500
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def _browser_or_skip() -> None:
    """Skip (fail in CI) with the reason when there is no browser to drive."""
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (Debian: apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed (pip install -r requirements.txt)"
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so the browser test must run")
    pytest.skip(reason)


def _fresh_env(home: Path) -> dict[str, str]:
    """Only what a shell on a new machine has, plus what the README names."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "AIRFLOW_HOME": str(home / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }


def _cli(env: dict[str, str], *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [AIRFLOW, *args], env=env, cwd=env["HOME"], capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"airflow {' '.join(args)}:\n{(done.stdout + done.stderr)[-4000:]}"
    return done


@pytest.fixture(scope="module")
def airflow_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A fresh Airflow home after one forward run, its API server on a free port, and how to log in."""
    _browser_or_skip()
    home = tmp_path_factory.mktemp("airflow-ui")
    env = _fresh_env(home)
    with (
        SandboxProcess("sandbox.netsuite", ["--contacts", str(CONTACTS), "--seed", "7"]) as netsuite,
        SandboxProcess("sandbox.acton", ["--job-seconds", "0.2"]) as acton,
    ):
        _cli(env, "db", "migrate")
        for conn_id, sandbox in (("netsuite_default", netsuite), ("acton_default", acton)):
            conn = json.dumps(sandbox_connection(sandbox.base_url))
            _cli(env, "connections", "add", conn_id, "--conn-json", conn)
        _cli(env, "dags", "test", FORWARD)
        port = free_port()
        log = home / "api-server.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                [AIRFLOW, "api-server", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                cwd=home,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while True:
                assert server.poll() is None, log.read_text()[-4000:]
                try:
                    if requests.get(f"{base}/api/v2/version", timeout=5).ok:
                        break
                except requests.RequestException:
                    pass
                assert time.monotonic() < deadline, (
                    f"the API server did not start:\n{log.read_text()[-4000:]}"
                )
                time.sleep(1)
            passwords = Path(env["AIRFLOW_HOME"]) / "simple_auth_manager_passwords.json.generated"
            yield {
                "base": base,
                "password": json.loads(passwords.read_text())["admin"],
                "home": Path(env["AIRFLOW_HOME"]),
                "acton": acton.base_url,
                "log": log,
            }
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(5)


def _report(home: Path) -> dict[str, Any]:
    (path,) = (home / "staging" / FORWARD).glob("*/report.json")
    return json.loads(path.read_text())


def _no_address(text: str, where: str) -> None:
    found = ADDRESS.search(text)
    assert found is None, f"an address on {where}"


def test_login_nav_charts_tables_and_run_page(airflow_ui: dict[str, Any], tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path / "screenshots").resolve()

    base = airflow_ui["base"]
    report = _report(airflow_ui["home"])
    lists = requests.get(f"{airflow_ui['acton']}/_sandbox/lists", timeout=30).json()
    in_acton = sum(int(item["count"]) for item in lists)
    loaded = sum(report["loaded_appended"].values()) + sum(report["loaded_updated"].values())
    assert loaded == in_acton > 0
    shots.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # nobody logged in: the page and its JSON refuse
            anonymous = browser.new_context()
            assert anonymous.request.get(f"{base}/netsuite-acton/api/overview").status == 401
            anonymous.close()

            context = browser.new_context(viewport={"width": 1440, "height": 1000})
            page = context.new_page()
            page.goto(f"{base}/netsuite-acton/")
            page.wait_for_url(re.compile(r".*/auth/login.*"))
            page.locator("input[name=username]").fill("admin")
            page.locator("input[name=password]").fill(airflow_ui["password"])
            page.locator("button[type=submit]").click()
            page.wait_for_url(f"{base}/netsuite-acton/", timeout=60_000)

            # the overview: one run charted in each of the seven charts, the table and the state
            section = page.locator(f"section#dag-{FORWARD}")
            assert section.get_attribute("data-total") == "1"
            charts = section.locator("figure.chart")
            assert charts.count() == 7
            expected = {
                "extracted": report["extracted"],
                "quarantined": report["quarantined_rows"],
                "loaded": loaded,
                "rejected": sum(report["rejected"].values()),
                "api_calls": sum(report["calls"].values()),
            }
            for measure, value in expected.items():
                chart = section.locator(f'figure[data-measure="{measure}"]')
                assert chart.get_attribute("data-runs") == "1"
                bar = chart.locator("rect.bar")
                assert bar.count() == 1
                assert float(bar.get_attribute("data-value")) == value, measure
                cell = section.locator(f'table.runs td[data-measure="{measure}"]')
                assert cell.inner_text().replace(",", "") == str(value), measure
            threshold = section.locator('figure[data-measure="quarantined"] polyline.threshold')
            assert threshold.count() == 1
            assert section.locator(".state.success").count() == 1
            glance = page.locator("#glance")
            assert "netsuite_contacts" in glance.locator("#watermarks").inner_text()
            assert (
                int(glance.locator("[data-calls-today]").get_attribute("data-calls-today"))
                == (report["calls"]["acton"])
            )
            assert glance.locator("#token [data-token-age]").count() == 1
            html = page.content()
            _no_address(html, "the overview")
            page.screenshot(path=str(shots / "ui-overview.png"), full_page=True)

            # the run's page, from the table
            section.locator("table.runs a").first.click()
            page.wait_for_url(re.compile(r".*/netsuite-acton/dags/.*/runs/.*"))
            run = page.locator("section.run")
            assert run.get_attribute("data-state") == "success"
            counts = page.locator("#counts")
            assert counts.locator('tr[data-count="extracted"] td.num').inner_text().replace(",", "") == str(
                report["extracted"]
            )
            for name, count in report["loaded_appended"].items():
                item = counts.locator(f'tr[data-count="loaded_appended"] li[data-item="{name}"]')
                assert item.inner_text() == f"{name}: {count:,}"
            quarantine = page.locator('div.file[data-step="quarantine_validate"]')
            assert int(quarantine.get_attribute("data-total")) > 0
            assert quarantine.locator("a.download").count() == 1  # the admin may download
            masked = quarantine.locator("table.rows td").all_inner_texts()
            assert any(text.startswith("<email>#") for text in masked)
            _no_address(page.content(), "the run page")
            log_link = page.locator('#steps tr[data-step="load"] a')
            assert (
                log_link.get_attribute("href")
                == page.locator("a", has_text="the run in Airflow").get_attribute("href") + "/tasks/load"
            )
            page.screenshot(
                path=str(shots / "ui-run.png"),
                full_page=True,
                clip={"x": 0, "y": 0, "width": 1440, "height": 1800},
            )

            # inside Airflow: the nav entry, and the page in Airflow's frame
            page.goto(f"{base}/")
            nav = page.get_by_role("link", name="NetSuite ↔ Act-On")
            nav.first.wait_for(timeout=60_000)
            nav.first.click()
            page.wait_for_url(re.compile(r".*/plugin/netsuite-acton.*"))
            frame = page.frame_locator("iframe").first
            frame.locator(f"section#dag-{FORWARD}").wait_for(timeout=60_000)
            assert frame.locator(f"section#dag-{FORWARD}").get_attribute("data-total") == "1"
            page.screenshot(path=str(shots / "ui-in-airflow.png"))
            context.close()
        finally:
            browser.close()
    # the API server's log: no address, and the password only where the auth manager announced it
    lines = airflow_ui["log"].read_text().splitlines()
    _no_address("\n".join(lines), "the API server's log")
    assert not [line for line in lines if airflow_ui["password"] in line and "Password for user" not in line]


def test_without_a_browser_it_skips_and_in_ci_it_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        _browser_or_skip()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        _browser_or_skip()
