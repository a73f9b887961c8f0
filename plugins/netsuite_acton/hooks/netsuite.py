"""NetSuite hook: SuiteQL, parallel keyset extraction of contacts, record PATCHes and a preflight check.

Built on Airflow's HTTP provider (``HttpHook``): the hook owns the connection, the session, the signing and
the retries. Every request goes through :meth:`NetSuiteHook._request`, which holds an in-flight slot (the
account's concurrency is a shared budget), signs afresh on every attempt, and retries only what is
retriable (429, 5xx, timeouts, dropped connections) with jittered backoff, honouring ``Retry-After``.
Logs carry endpoints, ids and counts; never secrets, never email addresses.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import requests
from airflow.providers.http.hooks.http import HttpHook
from requests_toolbelt.adapters.socket_options import TCPKeepAliveAdapter

from netsuite_acton.client.concurrency import AdaptiveLimiter
from netsuite_acton.client.parallel import read_in_parallel
from netsuite_acton.client.retries import RetriableHTTPError, RetryPolicy, call_with_retries
from netsuite_acton.hooks.netsuite_auth import M2MBearerAuth, NetSuiteSettings, make_auth
from netsuite_acton.hooks.netsuite_contacts import contacts_frame
from netsuite_acton.hooks.netsuite_errors import NetSuiteError, error_from_response
from netsuite_acton.hooks.netsuite_preflight import (
    NetSuitePreflightError,
    Preflight,
    PreflightCheck,
    PreflightReport,
)
from netsuite_acton.hooks.netsuite_records import (
    RecordUpdateResult,
    jsonable,
    updates_from_frame,
    validate_record_id,
    validate_record_type,
)
from netsuite_acton.hooks.suiteql import (
    SqlLiteral,
    default_template_dir,
    load_template,
    render,
    sql_int,
    watermark_literal,
)
from netsuite_acton.hooks.suiteql_keyset import KeysetCursor, RangeSplitter, plan_id_ranges

__all__ = [
    "NetSuiteError",
    "NetSuiteHook",
    "NetSuitePreflightError",
    "PreflightCheck",
    "PreflightReport",
    "RecordUpdateResult",
]

SUITEQL_ENDPOINT = "/services/rest/query/v1/suiteql"
RECORD_ENDPOINT = "/services/rest/record/v1"
PAGE_LIMIT = 1000
RESULT_CAP = 100_000
#: Generous on purpose: a 429 is the account being busy, not a failure; backoff grows to 20 s.
DEFAULT_RETRY_POLICY = RetryPolicy(max_attempts=10, initial_wait=0.25, max_wait=20.0)


class NetSuiteHook(HttpHook):
    """Talk to one NetSuite account through SuiteTalk REST (SuiteQL and the record API).

    :param netsuite_conn_id: an Airflow connection of type ``netsuite``.
    :param retry_policy: attempts and backoff for retriable failures.
    :param suiteql_dir: folder of the SuiteQL templates (default ``include/suiteql``).
    """

    conn_name_attr = "netsuite_conn_id"
    default_conn_name = "netsuite_default"
    conn_type = "netsuite"
    hook_name = "NetSuite"

    def __init__(
        self,
        netsuite_conn_id: str = default_conn_name,
        retry_policy: RetryPolicy | None = None,
        suiteql_dir: str | Path | None = None,
    ) -> None:
        super().__init__(method="POST", http_conn_id=netsuite_conn_id)
        self.netsuite_conn_id = netsuite_conn_id
        self.retry_policy = retry_policy or DEFAULT_RETRY_POLICY
        self.suiteql_dir = Path(suiteql_dir) if suiteql_dir else default_template_dir()
        self._lock = threading.RLock()
        self._settings: NetSuiteSettings | None = None
        self._session: requests.Session | None = None
        self._limiter: AdaptiveLimiter | None = None
        self._authenticated = False
        self._sleep = time.sleep
        self._calls = 0

    # --- connection ---------------------------------------------------------------------------------

    @property
    def settings(self) -> NetSuiteSettings:
        """The validated connection (read once per hook)."""
        with self._lock:
            if self._settings is None:
                conn = self.get_connection(self.netsuite_conn_id)
                host = conn.host or ""
                if host and conn.port and f":{conn.port}" not in host:
                    host = f"{host}:{conn.port}"
                self._settings = NetSuiteSettings.from_connection(host, conn.extra_dejson)
            return self._settings

    @property
    def limiter(self) -> AdaptiveLimiter:
        """The in-flight cap shared by every thread of this hook (at most ``max_concurrency``)."""
        with self._lock:
            if self._limiter is None:
                self._limiter = AdaptiveLimiter(self.settings.max_concurrency)
            return self._limiter

    def get_conn(
        self, headers: dict[Any, Any] | None = None, extra_options: dict[str, Any] | None = None
    ) -> requests.Session:
        """The hook's one session: signing auth, TLS verification, a pool sized for max_concurrency."""
        with self._lock:
            if self._session is None:
                self._session = self._new_session()
            session = self._session
        if headers:
            session.headers.update(headers)
        return session

    def _new_session(self) -> requests.Session:
        settings = self.settings
        self.base_url = settings.base_url
        self._base_url_initialized = True
        self.merged_extra = {"timeout": settings.timeout}
        session = requests.Session()
        session.auth = make_auth(settings)
        session.verify = settings.verify
        session.headers.update({"Accept": "application/json", "User-Agent": "netsuite-acton-sync"})
        adapter = TCPKeepAliveAdapter(
            idle=120, count=20, interval=30, pool_connections=2, pool_maxsize=settings.max_concurrency + 1
        )
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def check_response(self, response: requests.Response) -> None:
        """Raise :class:`NetSuiteError` (retriable for 429/5xx) carrying NetSuite's code and detail.

        A 401 after this hook has already been let in is treated as retriable (an expired token, or
        NetSuite's "Invalid login attempt" under load); a first 401 means bad credentials and fails fast.
        """
        if response.status_code < 400:
            self._authenticated = True
            return
        retriable = None
        if response.status_code == 401:
            auth = self._session.auth if self._session else None
            if isinstance(auth, M2MBearerAuth):
                auth.invalidate()
            retriable = self._authenticated
        raise error_from_response(response, self.settings.secret_values(), retriable=retriable)

    def _request(
        self,
        method: str,
        endpoint: str,
        what: str,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """One API call with retries; each attempt is prepared, and so signed, afresh."""
        session = self.get_conn()
        url = self.url_from_endpoint(endpoint)
        limiter = self.limiter
        timeout = self.settings.timeout

        def attempt() -> requests.Response:
            with limiter.slot() as slot:
                with self._lock:
                    self._calls += 1
                response = session.request(
                    method, url, params=params, json=json_body, headers=headers, timeout=timeout
                )
                slot.throttled = response.status_code == 429
            self.check_response(response)
            return response

        return call_with_retries(attempt, self.retry_policy, self.log, what, sleep=self._sleep)

    @property
    def calls_made(self) -> int:
        """HTTP requests this hook sent to NetSuite (retries included), for the run report."""
        return self._calls

    def test_connection(self) -> tuple[bool, str]:
        """Run a one-row SuiteQL; the message says which account answered, or NetSuite's error."""
        try:
            page = self.suiteql("SELECT c.id FROM contact c", limit=1)
        except Exception as exc:
            return False, str(exc)
        return True, (
            f"Connected to NetSuite account {self.settings.account_id}: "
            f"SuiteQL answered ({page.get('totalResults', 0)} contacts)."
        )

    # --- SuiteQL ------------------------------------------------------------------------------------

    def suiteql(self, query: str, limit: int = PAGE_LIMIT, offset: int = 0) -> dict[str, Any]:
        """One page of a SuiteQL query, as NetSuite returns it (``items``, ``hasMore``, ``totalResults``)."""
        if not 1 <= limit <= PAGE_LIMIT:
            raise ValueError(f"limit must be between 1 and {PAGE_LIMIT}")
        if offset < 0 or offset + limit > RESULT_CAP:
            raise ValueError(f"offset + limit must stay within NetSuite's {RESULT_CAP:,}-result cap")
        response = self._request(
            "POST",
            SUITEQL_ENDPOINT,
            "NetSuite SuiteQL",
            params={"limit": limit, "offset": offset},
            json_body={"q": query},
            headers={"Prefer": "transient"},
        )
        return response.json()

    def read_keyset_pages(
        self, template: str, min_id: int, max_id: int, count: int, **values: SqlLiteral
    ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a keyset template over ids ``[min_id, max_id]``, read by ``max_concurrency`` workers.

        The template takes ``$after_id`` and ``$upper_id`` (plus ``values``) and must ``ORDER BY`` the id;
        pages are read by key with offset 0, so NetSuite's 100,000-result cap never applies. ``count``
        (rows expected) only guides how ranges are split. Pages arrive in no particular order.
        """
        workers = self.settings.max_concurrency
        splitter = RangeSplitter(
            plan_id_ranges(min_id, max_id, count, workers), rows_per_id=count / max(1, max_id - min_id + 1)
        )
        read = partial(self._read_cursor, template, splitter, values)
        yield from read_in_parallel(splitter.take, read, workers, queue_size=2 * workers)
        self.log.info("Keyset read done: %d range splits to keep %d workers busy", splitter.splits, workers)

    def _read_cursor(
        self, template: str, splitter: RangeSplitter, values: dict[str, SqlLiteral], cursor: KeysetCursor
    ) -> Iterator[list[dict[str, Any]]]:
        while (bounds := splitter.bounds(cursor)) is not None:
            after, upper = bounds
            query = render(template, after_id=sql_int(after), upper_id=sql_int(upper), **values)
            page = self.suiteql(query, limit=PAGE_LIMIT, offset=0)
            items = page.get("items") or []
            last = int(items[-1]["id"]) if items else None
            bound = splitter.advance(cursor, after, last, bool(page.get("hasMore")))
            if last is not None and last > bound:  # another worker took our tail meanwhile
                items = items[: bisect.bisect_right([int(item["id"]) for item in items], bound)]
            if items:
                yield items

    # --- contacts -----------------------------------------------------------------------------------

    def extract_contacts(
        self, modified_since: datetime | None = None, chunk_rows: int = 10_000
    ) -> Iterator[pd.DataFrame]:
        """Every contact modified at or after ``modified_since`` (UTC-aware; None = all), each exactly once.

        Yields frames of at most ``chunk_rows`` rows (columns: :data:`CONTACT_COLUMNS`; ids as str, stage
        CUSTOMER/PROSPECT/LEAD or None, datetimes UTC), in no particular order, and nothing when no contact
        matches. Id ranges are read in parallel by keyset (``c.id > :last ORDER BY c.id``), so NetSuite's
        100,000-result cap never truncates, and pages stream through a bounded queue, so memory stays flat.

        Watermark contract: a contact modified *during* the extraction may or may not be in this output.
        The caller records the time *before* calling this, and passes that time minus a lookback as the next
        ``modified_since``; then every such contact comes out next run (de-duplicate by id downstream).
        """
        if chunk_rows < 1:
            raise ValueError("chunk_rows must be at least 1")
        since = watermark_literal(modified_since, self.settings.timezone)
        template = load_template("contacts", self.suiteql_dir)
        started = time.monotonic()
        bounds = self._contact_bounds(since)
        if bounds is None:
            self.log.info("No contacts modified since %s", modified_since or "the beginning")
            return
        pages = self.read_keyset_pages(template, *bounds, modified_since=since)
        rows = 0
        for frame in self._contact_frames(pages, chunk_rows, modified_since):
            rows += len(frame)
            yield frame
        elapsed = max(time.monotonic() - started, 1e-9)
        self.log.info(
            "Extracted %d contacts in %.1fs (%.0f rows/s; this hook so far: %d requests, %d throttled)",
            rows,
            elapsed,
            rows / elapsed,
            self.limiter.requests_sent,
            self.limiter.throttled_count,
        )

    def _contact_bounds(self, since: SqlLiteral) -> tuple[int, int, int] | None:
        """(min id, max id, count) of the contacts to read, from the planning template."""
        query = render(load_template("contacts_bounds", self.suiteql_dir), modified_since=since)
        bounds = (self.suiteql(query, limit=1).get("items") or [{}])[0]
        count = int(bounds.get("n") or 0)
        if count == 0 or bounds.get("min_id") is None:
            return None
        min_id, max_id = int(bounds["min_id"]), int(bounds["max_id"])
        self.log.info(
            "Extracting about %d contacts (ids %d..%d) with %d workers",
            count,
            min_id,
            max_id,
            self.settings.max_concurrency,
        )
        return min_id, max_id, count

    def _contact_frames(
        self, pages: Iterable[list], chunk_rows: int, modified_since: datetime | None
    ) -> Iterator[pd.DataFrame]:
        buffer: list[dict[str, Any]] = []
        for items in pages:
            buffer.extend(items)
            while len(buffer) >= chunk_rows:
                chunk, buffer = buffer[:chunk_rows], buffer[chunk_rows:]
                yield from self._contact_frame(chunk, modified_since)
        if buffer:
            yield from self._contact_frame(buffer, modified_since)

    def _contact_frame(
        self, items: list[dict[str, Any]], modified_since: datetime | None
    ) -> Iterator[pd.DataFrame]:
        """Typed frame of one chunk, minus rows the DST margin let in (older than ``modified_since``)."""
        frame = contacts_frame(items, self.settings.timezone)
        if modified_since is not None:
            # NetSuite shows whole seconds (12:00:00.7 reads 12:00:00): compare to the second.
            threshold = pd.Timestamp(modified_since).floor("s")
            frame = frame[frame["lastmodifieddate"] >= threshold].reset_index(drop=True)
        if len(frame):
            yield frame

    # --- records ------------------------------------------------------------------------------------

    def get_record(self, record_type: str, record_id: str | int) -> dict[str, Any]:
        """One record from the record API (field names in camelCase, custom fields by script id)."""
        endpoint = f"{RECORD_ENDPOINT}/{validate_record_type(record_type)}/{validate_record_id(record_id)}"
        return self._request("GET", endpoint, f"NetSuite GET {record_type}").json()

    def update_records(
        self,
        record_type: str,
        updates: Iterable[tuple[str, dict[str, Any]]] | pd.DataFrame,
        max_workers: int | None = None,
    ) -> list[RecordUpdateResult]:
        """PATCH records concurrently (≤ max_concurrency); one result per update, in input order.

        A per-record 4xx (locked record, unknown field, bad value) is a result with NetSuite's code, not an
        exception, so one bad record never blocks the others. Retriable failures are retried; if they
        persist, or credentials are rejected, the exception propagates (nothing is skipped silently).
        """
        record_type = validate_record_type(record_type)
        pairs = updates_from_frame(updates) if isinstance(updates, pd.DataFrame) else updates
        cap = self.settings.max_concurrency
        workers = min(max_workers or cap, cap)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="netsuite-patch")
        try:
            futures = [pool.submit(self._update_one, record_type, rid, fields) for rid, fields in pairs]
            results = [future.result() for future in futures]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        failed = [result for result in results if not result.ok]
        codes: dict[str, int] = {}
        for result in failed:
            codes[result.error_code or "?"] = codes.get(result.error_code or "?", 0) + 1
        self.log.info(
            "PATCH %s: %d ok, %d failed %s", record_type, len(results) - len(failed), len(failed), codes
        )
        return results

    def _update_one(self, record_type: str, record_id: Any, fields: Mapping[str, Any]) -> RecordUpdateResult:
        try:
            rid = validate_record_id(record_id)
        except ValueError as exc:
            return RecordUpdateResult(record_type, str(record_id)[:40], False, None, "INVALID_ID", str(exc))
        endpoint = f"{RECORD_ENDPOINT}/{record_type}/{rid}"
        body = {str(name): jsonable(value) for name, value in fields.items()}
        try:
            response = self._request(
                "PATCH",
                endpoint,
                f"NetSuite PATCH {record_type}",
                json_body=body,
                headers={"X-NetSuite-PropertyNameValidation": "error"},
            )
        except NetSuiteError as exc:
            if isinstance(exc, RetriableHTTPError) or exc.status in (None, 401):
                raise
            return RecordUpdateResult(record_type, rid, False, exc.status, exc.code, exc.detail)
        return RecordUpdateResult(record_type, rid, True, response.status_code)

    # --- preflight ----------------------------------------------------------------------------------

    def preflight(
        self,
        contact_fields: Sequence[str] = ("custentity_acton_score",),
        customer_fields: Sequence[str] = (),
        write_check: bool = True,
    ) -> PreflightReport:
        """Check, before a sync, what its privileges imply: SuiteQL on contact and customer, the contacts
        template's columns, and that each custom field exists and can be written (a no-op PATCH of one
        record with its current value). Returns a report; call ``raise_for_problems()`` to fail loudly.

        The write check bumps that record's ``lastmodifieddate`` (NetSuite saves it), so callers that run
        often can skip it once it has passed (``write_check=False``): existence is still checked.
        """
        report = Preflight(self, write_check=write_check).run(contact_fields, customer_fields)
        self.log.info("%s", report.summary())
        return report
