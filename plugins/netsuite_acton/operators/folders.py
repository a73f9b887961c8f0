"""Every run-folder step name and state key the operators share, in one place.

A step writes its output under ``<run folder>/<step>/`` and the next step reads it from there; naming the
folders here, not in the operator that happens to write them, keeps the operators from importing each
other and lets a reader see a run folder's whole layout at once.
"""

from __future__ import annotations

from typing import Final

# -- forward: netsuite_contacts_to_acton --------------------------------------------------------------
EXTRACTED: Final = "extract"  #: contacts as NetSuite gave them (Parquet chunks)
MANIFEST: Final = "extract/manifest.json"  #: the extraction window and start time (pinned on rerun)
DELETED: Final = "deletions"  #: contacts and companies NetSuite deleted in the window
VALIDATED: Final = "validated"
QUARANTINE: Final = "quarantine_validate"  #: rows the expectation suite refused, with every reason
CLEANED: Final = "cleaned"
TRANSFORMED: Final = "transformed"
QUARANTINE_CLEAN: Final = "quarantine_clean"  #: rows cleaning refused (invalid email), with the reason
DUPLICATES: Final = "duplicates"  #: losers of duplicate emails, with the winner's id
LINKS: Final = "links"  #: email <-> NetSuite contact ids, for the reverse sync
OPTED_OUT: Final = "opted_out"  #: addresses an opted-out record holds: in no list (column ``email``)
CHANGED: Final = "changed"  #: rows to send (new or changed since the last load)
REJECTED: Final = "rejected"  #: rows Act-On refused, with Act-On's reason
REMOVALS: Final = "removals"  #: (email, list, contact, reason) that must leave a list: the plan
REMOVED: Final = "removed"  #: every planned removal with its outcome

# -- reverse: acton_scores_to_netsuite ----------------------------------------------------------------
SCORES: Final = "scores"
VALID_SCORES: Final = "scores_valid"
QUARANTINE_SCORES: Final = "quarantine_scores"
UPDATES: Final = "updates"
UNLINKED: Final = "unlinked"  #: scored emails NetSuite does not know
TO_PUSH: Final = "to_push"
RESULTS: Final = "push_results"  #: every NetSuite write with NetSuite's outcome
FIELD_UPDATES: Final = "field_updates"  #: reverse.fields values, typed, per NetSuite record
FIELD_REFUSED: Final = "field_refused"  #: Act-On field values that do not convert to the field's type
FIELDS_TO_PUSH: Final = "fields_to_push"
FIELD_RESULTS: Final = "field_results"  #: every field write (or if_empty skip) with NetSuite's outcome
LEADS_LIST: Final = "leads_list"  #: the create_leads Act-On list as downloaded (its lead headings only)
QUARANTINE_LEADS: Final = "quarantine_leads"  #: list rows that cannot become a lead, with the reason
LEADS_TO_CREATE: Final = "leads_to_create"  #: the addresses this run creates leads for (a dry run: would)
LEAD_RESULTS: Final = "lead_results"  #: every planned lead with its outcome (customer id, NetSuite's code)

# -- consent: netsuite_acton_optouts ------------------------------------------------------------------
NETSUITE_OPTOUTS: Final = "netsuite_optouts"  #: contacts/customers at status 2 or 4 (changed in the window)
ACTON_CONSENT: Final = "acton_consent"  #: Act-On opt-out, spam-complaint and hard-bounce entries read
CONSENT_ENTRIES: Final = "consent_entries"  #: entries (kind, email, time, origin) to remember
CONSENT_SETTLE: Final = "consent_settle"  #: (kind, email) entries this run brings in line
TO_ACTON_OPTOUT: Final = "to_acton_optout"  #: addresses to add to Act-On's opt-out list
TO_NETSUITE_CONSENT: Final = "to_netsuite_consent"  #: record writes (Soft Opt-Out, hard-bounce flag)
QUARANTINE_CONSENT: Final = "quarantine_consent"  #: opted-out NetSuite records whose address is unusable
CONSENT_RESULTS: Final = "consent_results"  #: every NetSuite consent write with NetSuite's outcome

# -- state keys (watermarks) --------------------------------------------------------------------------
WATERMARK: Final = "netsuite_contacts"  #: next contact extraction (minus the lookback)
SCORES_WATERMARK: Final = "acton_scores"  #: next score download (Act-On ``modafter``)
NETSUITE_OPTOUTS_WATERMARK: Final = "consent_netsuite"  #: next read of opted-out records (lastmodifieddate)
ACTON_CONSENT_WATERMARK: Final = "consent_acton"  #: next read of Act-On's consent lists (createdafter)
