"""Tables of the state store. Created on first use; every write is an upsert so reruns converge."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()


def _stamped(name: str) -> tuple[Column, Column]:
    """When a row was last written (UTC) and by which Airflow run: every sync table says both."""
    return Column(name, DateTime(timezone=True), nullable=False), Column("run_id", String(250))


#: High-water marks of incremental extractions (UTC). Moved only after the data behind them is loaded.
watermarks = Table(
    "nas_watermarks",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("value", DateTime(timezone=True), nullable=False),
    *_stamped("updated_at"),
)

#: What was last merged into Act-On for each email: the content hash decides "changed or not".
loaded_rows = Table(
    "nas_loaded_rows",
    metadata,
    Column("email", String(320), primary_key=True),
    Column("list_name", String(200), nullable=False),
    Column("row_hash", String(64), nullable=False),
    Column("netsuite_id", String(64), nullable=False),
    *_stamped("loaded_at"),
)

#: Which address the sync put in which Act-On list (an address may sit in several), and removals still
#: owed: ``pending_reason`` is set while a removal that failed waits for the next run.
list_members = Table(
    "nas_list_members",
    metadata,
    Column("list_name", String(200), primary_key=True),
    Column("email", String(320), primary_key=True),
    Column("netsuite_id", String(64), nullable=False, index=True),
    Column("pending_reason", String(40)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    *_stamped("updated_at"),
    Index("ix_nas_list_members_email", "email"),
)

#: NetSuite contact id -> email (and company), every contact, duplicates included: the reverse DAG's map.
contact_links = Table(
    "nas_contact_links",
    metadata,
    Column("netsuite_id", String(64), primary_key=True),
    Column("email", String(320), nullable=False, index=True),
    Column("company_id", String(64), index=True),
    Column("company_stage", String(32)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

#: The last value written into a NetSuite custom field, per record: the reverse DAG's diff.
pushed_values = Table(
    "nas_pushed_values",
    metadata,
    Column("record_type", String(32), primary_key=True),
    Column("record_id", String(64), primary_key=True),
    Column("field_id", String(100), primary_key=True),
    Column("value", Float),
    *_stamped("pushed_at"),
)

#: The last value written into a NetSuite field from an Act-On field (``reverse.fields``), as canonical text
#: (``sync.field_values``): the diff of ``policy: always`` and the memory of ``policy: if_empty``.
pushed_fields = Table(
    "nas_pushed_fields",
    metadata,
    Column("record_type", String(32), primary_key=True),
    Column("record_id", String(64), primary_key=True),
    Column("field_id", String(100), primary_key=True),
    Column("value", Text),
    *_stamped("pushed_at"),
)

#: OAuth tokens shared by every worker. ``lock_version`` is bumped to take the row's write lock.
api_tokens = Table(
    "nas_api_tokens",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("access_token", Text),
    Column("refresh_token", Text),
    Column("expires_at", DateTime(timezone=True)),
    Column("lock_version", Integer, nullable=False, default=0),
    Column("updated_at", DateTime(timezone=True)),
)

#: Every consent entry the sync knows of, one row per (kind, address): Act-On's opt-out, spam-complaint and
#: hard-bounce lists, and NetSuite opt-outs (kind ``netsuite``). ``settled_at`` is null while the writes it
#: asks for (Soft Opt-Out on each NetSuite record, the address on Act-On's list) are still owed.
consent_entries = Table(
    "nas_consent_entries",
    metadata,
    Column("kind", String(20), primary_key=True),
    Column("email", String(320), primary_key=True),
    Column("recorded_at", DateTime(timezone=True)),
    Column("origin", Text),
    Column("settled_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    *_stamped("updated_at"),
    Index("ix_nas_consent_entries_owed", "settled_at"),
)

#: The audit trail: every consent write the sync made, in either system (never deleted by the sync).
consent_changes = Table(
    "nas_consent_changes",
    metadata,
    Column("run_id", String(250), primary_key=True),
    Column("direction", String(20), primary_key=True),  # to_acton | to_netsuite
    Column("email", String(320), primary_key=True),
    Column("target", String(120), primary_key=True),  # "Act-On opt-out list" or "contact 12"
    Column("change", String(200), primary_key=True),  # "added", "globalsubscriptionstatus: ... -> ..."
    Column("source", String(20), nullable=False),  # the entry kind that asked for it
    Column("origin", Text),  # who recorded it there: Act-On's origin, or the NetSuite records
    Column("recorded_at", DateTime(timezone=True)),  # when Act-On or NetSuite recorded the opt-out
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("ix_nas_consent_changes_email", "email"),
)

#: NetSuite leads the sync created from an Act-On list, one row per canonical address: the claim that makes
#: a create happen at most once (a second writer's insert hits the primary key), then its outcome. ``status``
#: is ``claimed`` (a create is, or was, under way: ``customer_id`` unknown), ``created`` (``customer_id``
#: set), ``failed`` (NetSuite refused it, or the outcome stayed unknown: a later run looks, then may try
#: again) or ``exists`` (a NetSuite contact held the address: no lead needed). Rows are never deleted.
created_leads = Table(
    "nas_created_leads",
    metadata,
    Column("email", String(320), primary_key=True),
    Column("customer_id", String(64)),
    Column("status", String(20), nullable=False),
    Column("claimed_by", String(250), nullable=False),  # the Airflow run that holds (or held) the claim
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Index("ix_nas_created_leads_status", "status"),
)

#: One row per finished run, written by the ``report`` task: what the Airflow UI page (``netsuite_acton.ui``)
#: charts and lists without opening a run folder. The charted measures are columns (a chart of 5,000 runs
#: reads numbers, not JSON); ``counts`` is the whole JSON summary (counts only, never an address);
#: ``report_path`` names the run's report.json, the detail source for a run's page. ``state`` is
#: ``success`` or ``failed``; ``attempted`` is the count the DAG's failure threshold is a share of.
run_history = Table(
    "nas_run_history",
    metadata,
    Column("dag_id", String(250), primary_key=True),
    Column("run_id", String(250), primary_key=True),
    Column("direction", String(20), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("ended_at", DateTime(timezone=True), nullable=False),
    Column("state", String(20), nullable=False),
    Column("dry_run", Integer, nullable=False, default=0),
    *(
        Column(name, Integer, nullable=False, default=0)
        for name in ("extracted", "quarantined", "loaded", "removed", "rejected", "api_calls", "attempted")
    ),
    Column("duration_seconds", Float, nullable=False, default=0.0),
    Column("counts", Text, nullable=False),
    Column("report_path", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_nas_run_history_dag_ended", "dag_id", "ended_at"),
    Index("ix_nas_run_history_ended", "ended_at"),
)
