"""Start the Airflow UI (``airflow api-server``) on this checkout's Airflow home, with the sync's page.

``make ui`` runs it, typically after ``make demo``: the API server reads the demo's state store (its run
history, watermarks, token age) and, through the paths recorded there, the demo's run folders, so
"NetSuite ↔ Act-On" in the UI's navigation shows the demo's runs, and its links open them in Airflow.
The plugin comes with the installed provider package (entry point ``airflow.plugins``): nothing to copy.

Log in with the simple auth manager's user (``admin`` unless ``AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS``
says otherwise) and the password it generated in
``$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated`` (also printed at the server's first start).

    python -m scripts.ui_server                 # http://127.0.0.1:8080, state of the last `make demo`
    python -m scripts.ui_server --port 8181 --state /path/to/netsuite_acton_state.db
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE_CONN = "AIRFLOW_CONN_NETSUITE_ACTON_STATE"
PAGE = "plugin/netsuite-acton"


def airflow_home() -> Path:
    return Path(os.environ.get("AIRFLOW_HOME", ROOT / ".airflow"))


def demo_state(home: Path) -> Path:
    """Where ``make demo`` keeps its state store (scripts/demo.py: ``$AIRFLOW_HOME/demo/state.db``)."""
    return home / "demo" / "state.db"


def passwords_file(home: Path) -> Path:
    return home / "simple_auth_manager_passwords.json.generated"


def how_to_open(home: Path | None = None, port: int = 8080) -> list[str]:
    """What the demo prints at the end: the command, the page's URL and how to log in (no password)."""
    home = home or airflow_home()
    return [
        '── The runs above in the Airflow UI, page "NetSuite ↔ Act-On":',
        "   make ui    (the Airflow API server on this demo's state; Ctrl-C stops it)",
        f"   then open http://127.0.0.1:{port}/{PAGE}  (or http://127.0.0.1:{port}/netsuite-acton/ alone)",
        "   log in as admin, with the password the API server prints at its first start and keeps in",
        f"   {passwords_file(home)}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state", type=Path, help="SQLite state store to show (default: the demo's)")
    args = parser.parse_args(argv)
    home = airflow_home()
    env = dict(os.environ, AIRFLOW_HOME=str(home))
    state = args.state or demo_state(home)
    if args.state or (STATE_CONN not in env and state.exists()):
        env[STATE_CONN] = json.dumps({"conn_type": "sqlite", "host": str(state.resolve())})
        print(f"State store: {state}")
    else:
        print("State store: the netsuite_acton_state connection, or $AIRFLOW_HOME/netsuite_acton_state.db")
    print(
        f"Open http://{args.host}:{args.port}/{PAGE} and log in as admin (password: {passwords_file(home)})."
    )
    airflow = shutil.which("airflow", path=str(Path(sys.executable).parent)) or "airflow"
    command = [airflow, "api-server", "--host", args.host, "--port", str(args.port)]
    os.execvpe(command[0], command, env)  # noqa: S606 - the Airflow CLI of this interpreter, fixed arguments
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
