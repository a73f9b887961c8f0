"""Why is this person opted out, and since when? Everything the sync knows about one address.

    python -m scripts.consent_history someone@example.com [--json]

Reads the state store of the Airflow connection ``netsuite_acton_state`` (SQLite beside AIRFLOW_HOME
when the connection is not defined): the consent entries (which Act-On list or NetSuite records said
so, and when they recorded it) and every change the sync made for the address, in either system.
Exit status 1 when the sync knows nothing about the address.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

KINDS = {
    "optout": "on Act-On's opt-out list",
    "spamcomplaint": "on Act-On's spam-complaint list",
    "hardbounce": "on Act-On's hard-bounce list",
    "netsuite": "opted out in NetSuite",
}


def history(email: str, conn_id: str = "netsuite_acton_state") -> dict[str, list[dict[str, Any]]]:
    """The address's entries and changes, from the state store the DAGs use."""
    from netsuite_acton.state import StateStore

    return StateStore.from_airflow(conn_id).consent_history(email)


def describe(email: str, found: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Human lines: the entries (why), then the changes (what the sync did), oldest first."""
    if not found["entries"] and not found["changes"]:
        return [f"{email}: the sync has no consent record of this address"]
    lines = [f"{email}:"]
    for entry in found["entries"]:
        state = "done" if entry["settled_at"] else f"writes still owed ({entry['last_error'] or 'pending'})"
        lines.append(
            f"  {KINDS.get(entry['kind'], entry['kind'])} since {_when(entry['recorded_at'])}"
            f" ({entry['origin'] or 'origin unknown'}); {state}"
        )
    for change in found["changes"]:
        why = KINDS.get(change["source"], change["source"])
        lines.append(
            f"  {_when(change['changed_at'])} run {change['run_id']}: {change['target']}: {change['change']}"
            f" (because: {why}, recorded {_when(change['recorded_at'])})"
        )
    return lines


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "an unknown time"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("email")
    parser.add_argument("--conn-id", default="netsuite_acton_state")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    found = history(args.email, args.conn_id)
    if args.json:
        print(json.dumps(found, default=str, indent=2))
    else:
        print("\n".join(describe(args.email.strip().lower(), found)))
    return 0 if found["entries"] or found["changes"] else 1


if __name__ == "__main__":
    sys.exit(main())
