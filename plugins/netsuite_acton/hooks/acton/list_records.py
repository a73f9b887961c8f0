"""Removing addresses from an Act-On list within its budget: record ids from one download, deletes by 100.

Act-On deletes list records by record id (``l-0001:12``), up to 100 ids per call, and answers 200 even when
some fail (``fail_count``, ``failedList``). The ids come from the list download (JSON pages of 1000 rows,
record id first), so removing N addresses from a list of M rows costs ceil(M/1000) + ceil(N/100) calls,
never one call per address. Mixed into :class:`~netsuite_acton.hooks.acton.hook.ActOnHook`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

#: Act-On's limit of record ids per bulk delete.
DELETE_BATCH: Final = 100
#: The first column of a list download: the record id.
RECORD_ID_HEADING: Final = "_contact_id_"


@dataclass
class DeleteResult:
    """What a bulk delete did: ids deleted and ids refused with Act-On's reason."""

    deleted: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    calls: int = 0


class ListRecords:
    """Record ids by address, and bulk deletes; the host provides ``_call`` and ``download_list``."""

    _call: Any  # ActOnHook._call: authenticated, rate-limited, retried
    download_list: Any  # ActOnHook.download_list: JSON pages of the list

    def record_ids(self, list_id: str, email_heading: str, emails: Iterable[str]) -> dict[str, list[str]]:
        """Address (lower case) -> the ids of its records in the list, for the addresses asked about only.

        One paged download of the email column; an address with no record is absent from the answer.
        """
        wanted = {str(e).strip().lower() for e in emails if e}
        found: dict[str, list[str]] = {}
        if not wanted:
            return found
        for page in self.download_list(list_id, fields=[email_heading]):
            if page.empty:
                continue
            ids = page[RECORD_ID_HEADING].astype(str)
            keys = page[email_heading].astype(str).str.strip().str.lower()
            hit = keys.isin(wanted)
            for key, record_id in zip(keys[hit], ids[hit], strict=True):
                found.setdefault(key, []).append(record_id)
        return found

    def delete_list_records(self, list_id: str, record_ids: Sequence[str]) -> DeleteResult:
        """Delete these records from the list, 100 per call; per-record refusals are results, not errors."""
        result = DeleteResult()
        for start in range(0, len(record_ids), DELETE_BATCH):
            batch = list(record_ids[start : start + DELETE_BATCH])
            response = self._call(
                "DELETE",
                f"/api/1/list/{list_id}/record",
                what=f"DELETE /api/1/list/{list_id}/record",
                params={"contactids": ",".join(batch)},
            )
            result.calls += 1
            body = response.json() if response.content else {}
            failed = {
                str(item.get("id")): str(item.get("reason") or "unknown")
                for item in body.get("failedList") or []
                if isinstance(item, dict)
            }
            if int(body.get("fail_count") or 0) and not failed:
                failed = {rid: "refused (Act-On gave no detail)" for rid in batch}
            result.failed.update(failed)
            result.deleted.extend(rid for rid in batch if rid not in failed)
        return result
