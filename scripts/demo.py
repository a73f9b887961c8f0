"""`make demo`: both sandboxes, both DAGs end to end on the embedded SQLite default, then a summary.

1. starts the NetSuite sandbox (seeded, messy contacts) and the Act-On sandbox (empty account);
2. runs ``netsuite_contacts_to_acton`` (full first sync) and shows what landed in each Act-On list;
3. lets "Act-On" score the contacts (the sandbox stands in for the List Maintenance Program);
4. runs ``acton_scores_to_netsuite`` and reads the scores back from NetSuite;
5. runs the forward DAG again: it re-reads the contacts whose score was just written (NetSuite bumps
   their last-modified date) and sends only rows whose content changed;
6. three webinar sign-ups NetSuite does not know land in an Act-On list, and ``reverse.create_leads`` is
   turned on (a demo copy of ``include/sync.yaml``); the reverse DAG runs again: no score changed, so no
   score is written, and each sign-up becomes a NetSuite lead (an individual customer), created once;
7. in NetSuite, a LEAD company becomes a CUSTOMER and one contact is deleted; the forward DAG moves the
   company's contacts from "NetSuite Leads" to "NetSuite Customers", takes the deleted contact out, and
   lists the new leads in "NetSuite Leads" like any other individual (key ``customer:<id>``);
8. runs ``netsuite_acton_optouts``: the seed's NetSuite opt-outs go onto Act-On's opt-out list;
9. a listed contact unsubscribes in Act-On and a salesperson marks another one Soft Opt-Out in NetSuite;
   the opt-out DAG carries each to the other system, and the forward DAG takes both out of their lists;
10. the summary shows one "NetSuite Leads" row with its address and sales rep columns, and one individual
    lead.

Task logs go to ``.airflow/demo/logs/``; run reports and staged files to ``.airflow/demo/staging/``.
Exits non-zero if any run fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from sandbox.launcher import SandboxProcess, sandbox_connection

ROOT = Path(__file__).resolve().parent.parent
FORWARD, REVERSE = "netsuite_contacts_to_acton", "acton_scores_to_netsuite"
OPTOUTS = "netsuite_acton_optouts"


def mask(email: str) -> str:
    """``d***@example.com``: enough to recognise a row, not enough to leak an address."""
    local, _, domain = str(email).partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


class Demo:
    def __init__(self, home: Path, contacts: int) -> None:
        self.home = home
        self.contacts = contacts
        self.env: dict[str, str] = {}
        self.ok = True

    def run(self, dag_id: str, label: str, **params: Any) -> dict[str, Any]:
        from netsuite_acton.sync.report import RunReport

        log = self.home / "logs" / f"{label}.log"
        out = self.home / f"{label}.json"
        started = time.monotonic()
        with log.open("w") as handle:
            code = subprocess.call(  # noqa: S603 - our own interpreter and module
                [
                    sys.executable,
                    "-m",
                    "scripts.run_dag",
                    dag_id,
                    "--conf",
                    json.dumps(params),
                    "--report-out",
                    str(out),
                ],
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        result = json.loads(out.read_text()) if out.exists() else {"state": "failed", "report": None}
        seconds = time.monotonic() - started
        print(f"\n── {label}: {dag_id} → {result['state']} in {seconds:.0f} s (log: {log.relative_to(ROOT)})")
        report = result["report"] or {}
        if report:
            for line in RunReport.from_dict(report).summary_lines():
                print(f"   {line}")
            for problem in report.get("problems", []):
                print(f"   PROBLEM: {problem}")
        if code != 0 or result["state"] != "success":
            self.ok = False
        return report


def show_lists(acton: str) -> dict[str, list[dict[str, Any]]]:
    lists = requests.get(f"{acton}/_sandbox/lists", timeout=30).json()
    records = {}
    print("\n   What landed in Act-On:")
    for lst in lists:
        rows = requests.get(f"{acton}/_sandbox/lists/{lst['id']}/records", timeout=60).json()
        records[lst["name"]] = rows
        print(f"   • {lst['name']} ({lst['id']}): {len(rows):,} contacts")
        for row in rows[:2]:
            phone = row.get("Business Phone") or row.get("Cell Phone") or "-"
            print(
                f"       {mask(row['E-mail Address']):32} {row['First Name'] or '-':12} "
                f"{row['Company'] or '-':28.28} {phone}"
            )
            place = ", ".join(v for v in (row.get("Business City"), row.get("Business Country")) if v)
            print(
                f"       {'':32} address: {place or '-'}; sales rep: {row.get('Sales Rep') or '-'}; "
                f"status: {row.get('NetSuite Status') or '-'}"
            )
    return records


def score_contacts(acton: str, records: dict[str, list[dict[str, Any]]]) -> int:
    """Act-On's List Maintenance Program copies behaviour scores into the list; here we set them."""
    scores = {}
    for rows in records.values():
        for index, row in enumerate(rows):
            if index % 3 == 0:
                scores[row["E-mail Address"]] = (index * 37 + 11) % 101
    requests.post(f"{acton}/_sandbox/scores", json={"scores": scores}, timeout=60).raise_for_status()
    return len(scores)


def show_scores(netsuite: str, home: Path) -> None:
    from netsuite_acton.state import StateStore

    state = StateStore(f"sqlite:///{home / 'state.db'}")
    with state.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT record_type, record_id, field_id, value FROM nas_pushed_values "
            "ORDER BY value DESC, record_type, record_id LIMIT 6"
        ).all()
    print("\n   Highest scores, read back from NetSuite:")
    for record_type, record_id, field_id, value in rows:
        path = "contacts" if record_type == "contact" else "customers"
        record = requests.get(f"{netsuite}/_sandbox/{path}/{record_id}", timeout=30).json()
        name = record.get("companyname") or f"{record.get('firstname') or ''} {record.get('lastname') or ''}"
        print(f"   • {record_type} {record_id:>6} {name.strip()[:30]:30} {field_id} = {record.get(field_id)}")
        if record.get(field_id) != value:
            print("     (does not match what was pushed!)")


def change_netsuite(netsuite: str, home: Path) -> tuple[str, int, int]:
    """A LEAD company (the one with most synced contacts) becomes a CUSTOMER; one other contact is deleted.

    Returns (company name, its contacts, the deleted contact's id). Through the sandbox's admin API, as a
    salesperson's edits in NetSuite would be.
    """
    from netsuite_acton.state import StateStore

    state = StateStore(f"sqlite:///{home / 'state.db'}")
    with state.engine.connect() as conn:
        company_id, contacts = conn.exec_driver_sql(
            "SELECT company_id, COUNT(*) FROM nas_contact_links WHERE company_stage = 'LEAD' "
            "GROUP BY company_id ORDER BY COUNT(*) DESC, company_id LIMIT 1"
        ).one()
        (gone,) = conn.exec_driver_sql(
            "SELECT netsuite_id FROM nas_list_members WHERE list_name = 'NetSuite Prospects' "
            "ORDER BY netsuite_id LIMIT 1"
        ).one()
    company = requests.get(f"{netsuite}/_sandbox/customers/{company_id}", timeout=30).json()
    for generated in ("locked", "lastmodifieddate", "searchstage", "entitystatus", "entitytitle"):
        company.pop(generated, None)
    company["stage"] = "CUSTOMER"
    requests.post(f"{netsuite}/_sandbox/customers", json=[company], timeout=30).raise_for_status()
    requests.delete(f"{netsuite}/_sandbox/contacts/{gone}", timeout=30).raise_for_status()
    return str(company.get("companyname")), int(contacts), int(gone)


def show_mirror(report: dict[str, Any]) -> None:
    removed = {
        k.split(":", 1)[1]: v for k, v in report.get("counters", {}).items() if k.startswith("removed:")
    }
    print("   Removed from Act-On lists (list: reason):")
    for key, count in sorted(removed.items()) or [("nothing", 0)]:
        print(f"   • {key}: {count:,}")


def opt_out_both_ways(netsuite: str, acton: str, home: Path) -> tuple[tuple[str, str], tuple[str, str]]:
    """One listed contact unsubscribes in Act-On; a salesperson marks another Soft Opt-Out in NetSuite.

    Returns ((email, contact id) unsubscribed in Act-On, (email, contact id) opted out in NetSuite).
    """
    from datetime import UTC, datetime

    from netsuite_acton.state import StateStore

    state = StateStore(f"sqlite:///{home / 'state.db'}")
    with state.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT m.email, m.netsuite_id FROM nas_list_members m WHERE m.list_name = 'NetSuite Customers' "
            "AND m.email IN (SELECT email FROM nas_contact_links GROUP BY email HAVING COUNT(*) = 1) "
            "ORDER BY m.netsuite_id LIMIT 2"
        ).all()
    (unsubscribed, first), (marked, second) = ((str(e), str(i)) for e, i in rows)
    requests.post(f"{acton}/_sandbox/optouts", json={"emails": [unsubscribed]}, timeout=30).raise_for_status()
    contact = requests.get(f"{netsuite}/_sandbox/contacts/{second}", timeout=30).json()
    contact.pop("locked", None)
    contact.update(globalsubscriptionstatus=2, lastmodifieddate=datetime.now(UTC).isoformat())
    requests.post(f"{netsuite}/_sandbox/contacts", json=[contact], timeout=30).raise_for_status()
    return (unsubscribed, first), (marked, second)


def show_consent(netsuite: str, acton: str, home: Path, *people: tuple[str, str]) -> None:
    """Each person's status in both systems, and the audit trail (addresses masked)."""
    from netsuite_acton.state import StateStore
    from scripts.consent_history import describe

    on_acton = {row["email"].lower() for row in requests.get(f"{acton}/_sandbox/optouts", timeout=30).json()}
    state = StateStore(f"sqlite:///{home / 'state.db'}")
    for email, contact_id in people:
        status = requests.get(f"{netsuite}/_sandbox/contacts/{contact_id}", timeout=30).json()
        print(
            f"   • contact {contact_id}: NetSuite status {status['globalsubscriptionstatus']} "
            f"(2 = Soft Opt-Out); on Act-On's opt-out list: {'yes' if email in on_acton else 'NO'}"
        )
        for line in describe(mask(email), state.consent_history(email))[1:]:
            print(f"     {line.strip()}")


SIGNUPS = "Webinar signups"
SIGNUP_HEADINGS = ["E-mail Address", "First Name", "Last Name", "Company", "Business Phone"]
NEW_PEOPLE = [
    ["ada.lovelace@example.org", "Ada", "Lovelace", "Analytical Engines", "(415) 555-0142"],
    ["grace.hopper@example.org", "Grace", "Hopper", "", "+1 202 555 0199"],
    ["katherine.johnson@example.org", "Katherine", "Johnson", "NASA Langley", ""],
]
LEADS_LIST = "NetSuite Leads"
ADDRESS_HEADINGS = (
    "Business Street",
    "Business Street 2",
    "Business City",
    "Business State",
    "Business Postal Code",
    "Business Country",
)


def turn_on_create_leads(acton: str, home: Path) -> str:
    """Fill an Act-On list with sign-ups and write a demo sync.yaml with ``reverse.create_leads`` on.

    The shipped ``include/sync.yaml`` keeps it off; the DAGs read the copy through NETSUITE_ACTON_CONFIG,
    as a deployment with its own configuration would.
    """
    import yaml

    from netsuite_acton.dag_settings import config_path

    records = [dict(zip(SIGNUP_HEADINGS, row, strict=True)) for row in NEW_PEOPLE]
    body = {"name": SIGNUPS, "headings": SIGNUP_HEADINGS, "records": records}
    requests.post(f"{acton}/_sandbox/lists", json=body, timeout=30).raise_for_status()
    shipped = Path(config_path())
    config = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    config["reverse"]["create_leads"] = {"list": SIGNUPS, "entity_status": "Unqualified", "max_per_run": 500}
    config["expectations"] = {k: str(shipped.parent / v) for k, v in config["expectations"].items()}
    path = home / "sync.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return str(path)


def created_leads(home: Path) -> dict[str, str]:
    """address -> NetSuite customer id of every lead the sync created (the state table)."""
    from netsuite_acton.state import StateStore
    from netsuite_acton.state.leads import CreatedLeads

    rows = CreatedLeads(StateStore(f"sqlite:///{home / 'state.db'}").engine).rows()
    return {row["email"]: row["customer_id"] for row in rows if row["status"] == "created"}


def show_created_leads(netsuite: str, home: Path) -> None:
    leads = created_leads(home)
    print(f"   NetSuite leads created from Act-On list {SIGNUPS!r}: {len(leads)}")
    for email, customer_id in sorted(leads.items()):
        record = requests.get(f"{netsuite}/_sandbox/customers/{customer_id}", timeout=30).json()
        print(
            f"   • customer {customer_id}: {mask(email):28} "
            f"{record.get('firstname')} {record.get('lastname')}, stage {record.get('stage')}"
        )


def show_new_leads_listed(acton: str, home: Path) -> None:
    lists = {lst["name"]: lst["id"] for lst in requests.get(f"{acton}/_sandbox/lists", timeout=30).json()}
    rows = requests.get(f"{acton}/_sandbox/lists/{lists[LEADS_LIST]}/records", timeout=60).json()
    keys = {str(row["E-mail Address"]).lower(): row["NetSuite Contact ID"] for row in rows}
    print(f"   The new leads in {LEADS_LIST!r}:")
    for email, customer_id in sorted(created_leads(home).items()):
        key = keys.get(email)
        shown = f"key {key}" if key == f"customer:{customer_id}" else f"NOT LISTED (key {key})"
        print(f"   • {mask(email):28} {shown}")


def show_lead_rows(acton: str, home: Path) -> None:
    """One "NetSuite Leads" row with its address and sales rep, and one individual lead."""
    lists = {lst["name"]: lst["id"] for lst in requests.get(f"{acton}/_sandbox/lists", timeout=30).json()}
    rows = requests.get(f"{acton}/_sandbox/lists/{lists[LEADS_LIST]}/records", timeout=60).json()
    print(f"\n── Summary: {LEADS_LIST!r} ({len(rows):,} rows)")
    full = [r for r in rows if r.get("Business Street") and r.get("Sales Rep")]
    if full:
        row = full[0]
        print(
            f"   contact {row['NetSuite Contact ID']}: {mask(row['E-mail Address'])}, "
            f"{row['First Name']} {row['Last Name']}, {row['Company'] or '-'}"
        )
        for headings in (ADDRESS_HEADINGS[:3], ADDRESS_HEADINGS[3:]):
            print("     " + "; ".join(f"{h}: {row.get(h) or '-'}" for h in headings))
        print(f"     Sales Rep: {row['Sales Rep']}; Sales Rep Email: {mask(row['Sales Rep Email'])}")
    created = {f"customer:{cid}" for cid in created_leads(home).values()}
    people = [r for r in rows if str(r["NetSuite Contact ID"]).startswith("customer:")]
    people.sort(key=lambda r: r["NetSuite Contact ID"] not in created)  # ours first
    if people:
        row = people[0]
        print(
            f"   individual lead {row['NetSuite Contact ID']}: {mask(row['E-mail Address'])}, "
            f"{row['First Name']} {row['Last Name']}, status {row.get('NetSuite Status') or '-'}"
        )


def connection_json(base_url: str) -> str:
    """The ready-made Airflow connection a sandbox serves, as AIRFLOW_CONN_* wants it."""
    return json.dumps(sandbox_connection(base_url))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--contacts", type=int, default=10_000)
    args = parser.parse_args(argv)
    airflow_home = Path(os.environ.get("AIRFLOW_HOME", ROOT / ".airflow"))
    home = airflow_home / "demo"
    shutil.rmtree(home, ignore_errors=True)
    (home / "logs").mkdir(parents=True)
    print(f"netsuite-acton-sync demo: {args.contacts:,} NetSuite contacts, an empty Act-On account")

    with (
        SandboxProcess("sandbox.netsuite", ["--contacts", str(args.contacts), "--latency-ms", "20"]) as ns,
        SandboxProcess("sandbox.acton", ["--job-seconds", "0.5", "--latency-ms", "20"]) as ao,
    ):
        print(f"   NetSuite sandbox at {ns.base_url}, Act-On sandbox at {ao.base_url}")
        demo = Demo(home, args.contacts)
        demo.env = {
            **os.environ,
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW_CONN_NETSUITE_DEFAULT": connection_json(ns.base_url),
            "AIRFLOW_CONN_ACTON_DEFAULT": connection_json(ao.base_url),
            "AIRFLOW_CONN_NETSUITE_ACTON_STATE": json.dumps(
                {"conn_type": "sqlite", "host": str(home / "state.db")}
            ),
            "AIRFLOW_VAR_NETSUITE_ACTON_STAGING_ROOT": f"file://{home / 'staging'}",
            "NETSUITE_ACTON_TASK_RETRIES": "0",
            "PYTHONPATH": str(ROOT),
        }
        demo.run(FORWARD, "1-forward-full-sync")
        records = show_lists(ao.base_url)
        print(
            f"\n── Act-On scores {score_contacts(ao.base_url, records):,} contacts (List Maintenance Program)"
        )
        demo.run(REVERSE, "2-reverse-scores")
        show_scores(ns.base_url, home)
        demo.run(FORWARD, "3-forward-incremental")
        demo.env["NETSUITE_ACTON_CONFIG"] = turn_on_create_leads(ao.base_url, home)
        print(
            f"\n── {len(NEW_PEOPLE)} webinar sign-ups NetSuite does not know land in Act-On list "
            f"{SIGNUPS!r}; reverse.create_leads is turned on"
        )
        demo.run(REVERSE, "4-reverse-new-leads")
        show_created_leads(ns.base_url, home)
        name, moved, gone = change_netsuite(ns.base_url, home)
        print(
            f"\n── In NetSuite: {name!r} goes from LEAD to CUSTOMER ({moved} contacts); "
            f"contact {gone} is deleted"
        )
        show_mirror(demo.run(FORWARD, "5-forward-mirror"))
        show_new_leads_listed(ao.base_url, home)
        show_lists(ao.base_url)
        first = demo.run(OPTOUTS, "6-optouts-first-run")
        added = first.get("loaded_appended", {}).get("acton:optout", 0)
        print(f"   NetSuite opt-outs added to Act-On's opt-out list: {added:,}")
        unsubscribed, marked = opt_out_both_ways(ns.base_url, ao.base_url, home)
        print(
            f"\n── {mask(unsubscribed[0])} unsubscribes in Act-On; in NetSuite, contact {marked[1]} is "
            "marked Soft Opt-Out"
        )
        demo.run(OPTOUTS, "7-optouts-both-ways")
        show_consent(ns.base_url, ao.base_url, home, unsubscribed, marked)
        show_mirror(demo.run(FORWARD, "8-forward-consent"))
        show_lead_rows(ao.base_url, home)
        print(
            "\n" + ("Demo finished: every run succeeded." if demo.ok else "Demo FAILED: see the logs above.")
        )
        from scripts.ui_server import how_to_open  # the UI page that shows these runs

        print("\n" + "\n".join(how_to_open(airflow_home)))
        return 0 if demo.ok else 1


if __name__ == "__main__":
    sys.exit(main())
