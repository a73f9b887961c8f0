"""Run one DAG end to end in this process (``dag.test()``) and return its state and run report.

Used by ``make demo`` and the end-to-end tests. Needs AIRFLOW_HOME with a migrated metadata DB and
AIRFLOW__CORE__DAGS_FOLDER pointing at ``dags/`` (the Makefile and tests/conftest.py set both).

    python -m scripts.run_dag netsuite_contacts_to_acton --conf '{"dry_run": true}'
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

DAGS = Path(__file__).resolve().parent.parent / "dags"


def load_dag(dag_id: str) -> Any:
    """The DAG object from its file in ``dags/`` (file name = dag id)."""
    import importlib.util

    path = DAGS / f"{dag_id}.py"
    spec = importlib.util.spec_from_file_location(f"_dag_{dag_id}", path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.dag


def run_report(dag_id: str, run_id: str) -> dict[str, Any] | None:
    """The report.json the run's report task wrote, if it got that far."""
    from netsuite_acton.operators.staging import RunStaging

    root = os.environ.get("AIRFLOW_VAR_NETSUITE_ACTON_STAGING_ROOT") or None
    staging = RunStaging(root, dag_id, run_id)
    try:
        return staging.read_json("report.json")
    except FileNotFoundError:
        return None


def run_dag(dag_id: str, conf: dict[str, Any] | None = None) -> tuple[str, dict[str, Any] | None]:
    """Run the DAG once with ``conf`` as its Params; return (final state, run report)."""
    dag = load_dag(dag_id)
    dag_run = dag.test(run_conf=conf or {})
    return str(dag_run.state), run_report(dag_id, dag_run.run_id)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("dag_id")
    parser.add_argument("--conf", default="{}", help="Params as JSON")
    parser.add_argument("--report-out", help="write the run report (JSON) to this file")
    args = parser.parse_args(argv)
    state, report = run_dag(args.dag_id, json.loads(args.conf))
    if args.report_out:
        Path(args.report_out).write_text(json.dumps({"state": state, "report": report}, default=str))
    return 0 if state == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
