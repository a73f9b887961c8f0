"""The Act-On hook: one owner for the connection, the session, the shared token, the rate and the retries.

Act-On's limits shape it (see docs and API_FACTS): 5 calls per second, 30,000 per day, 5 password logins
per hour, single-use refresh tokens. So every call, the token endpoint included, passes the client-side
:mod:`rate limiter <netsuite_acton.client.rate_limit>`; the token lives in the state store and is shared by
every worker (:mod:`netsuite_acton.hooks.acton.tokens`); contacts are loaded with the bulk merge (a few
calls per million rows), never per record.

Across processes the per-second budget is divided, not shared: run Act-On tasks in an Airflow pool
(``acton_api``, 1 slot) or lower ``calls_per_second`` on the connection.

Logs carry counts, list ids and job ids only: never an email address, a token or a password.
"""

from __future__ import annotations

import io
import json
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any

import pandas as pd
import requests
from airflow.sdk import BaseHook
from requests.adapters import HTTPAdapter
from requests_toolbelt.multipart.encoder import MultipartEncoder

from netsuite_acton.client.paging import offset_pages
from netsuite_acton.client.rate_limit import RateLimiter, shared_limiter
from netsuite_acton.client.redaction import redact
from netsuite_acton.client.retries import (
    RETRIABLE_STATUS,
    RetryPolicy,
    call_with_retries,
    parse_retry_after,
)
from netsuite_acton.hooks.acton.consent import ConsentLists
from netsuite_acton.hooks.acton.csv_upload import header_csv, split_csv
from netsuite_acton.hooks.acton.errors import (
    ActOnAmbiguousError,
    ActOnError,
    ActOnHeadingsMismatchError,
    ActOnQuotaExhaustedError,
    ActOnRetriableError,
)
from netsuite_acton.hooks.acton.list_records import ListRecords
from netsuite_acton.hooks.acton.settings import ActOnSettings, base_url
from netsuite_acton.hooks.acton.tokens import (
    Grant,
    RefreshRejectedError,
    TokenCipher,
    TokenManager,
    token_key,
)
from netsuite_acton.hooks.connection_fields import tls_verify
from netsuite_acton.state import StateStore

MERGE_MODES = frozenset({"UPSERT", "APPEND", "APPEND_NO_DUPLICATES", "UPDATE_ONLY", "REPLACE"})
PAGE_MAX = 1000
#: Headings Act-On maps to system fields when it sees them (EMAIL is required; the rest are courtesy).
SYSTEM_COLUMNS = {
    "First Name": "FIRSTNAME",
    "Last Name": "LASTNAME",
    "Middle Name": "MIDDLENAME",
    "Company": "COMPANY",
    "Job Title": "JOBTITLE",
    "Business Phone": "BIZ_PHONE",
    "Cell Phone": "CELL_PHONE",
    "Home Phone": "HOME_PHONE",
}
_DAILY_QUOTA_RE = re.compile(r"\b(daily|per day|quota)\b", re.IGNORECASE)
_TOKEN_POLICY = RetryPolicy(max_attempts=3, initial_wait=1.0, max_wait=10.0)


@dataclass
class MergeResult:
    """What a bulk merge did: totals over every upload, the rejected rows and the Act-On calls used."""

    list_id: str
    uploads: int = 0
    appended: int = 0
    updated: int = 0
    failed: int = 0
    rejected: int = 0
    rejected_rows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["email", "reason"]))
    calls: int = 0


class ActOnHook(ListRecords, ConsentLists, BaseHook):
    """Act-On REST API: lists, bulk merges and downloads, with a shared token and a client-side rate limit.

    :param acton_conn_id: an ``acton`` connection (login = username, password, extra client id/secret).
    :param state: where the shared token lives; default the ``netsuite_acton_state`` connection's store.
    :param retry_policy: retries for 429, 5xx, timeouts and dropped connections.
    :param job_timeout: seconds to wait for one upload job before failing.
    :param method: HTTP method of :meth:`run` (a generic call in ``HttpHook``'s style, but through the
        same token, limiter and retries); the named methods ignore it.
    """

    conn_name_attr = "acton_conn_id"
    default_conn_name = "acton_default"
    conn_type = "acton"
    hook_name = "Act-On"

    def __init__(
        self,
        acton_conn_id: str = default_conn_name,
        state: StateStore | None = None,
        *,
        retry_policy: RetryPolicy | None = None,
        job_timeout: float = 3600.0,
        poll_initial: float = 1.0,
        poll_max: float = 15.0,
        method: str = "GET",
    ) -> None:
        super().__init__()
        self.method = method.upper()
        self.acton_conn_id = acton_conn_id
        self.retry_policy = retry_policy or RetryPolicy()
        self.job_timeout = job_timeout
        self.poll_initial = poll_initial
        self.poll_max = poll_max
        self._state = state
        self._settings: ActOnSettings | None = None
        self._session: requests.Session | None = None
        self._tokens: TokenManager | None = None
        self._limiter: RateLimiter | None = None
        self._calls = 0
        self._calls_lock = threading.Lock()
        self._sleep: Callable[[float], None] = time.sleep

    # -- configuration ------------------------------------------------------------------------------
    @property
    def settings(self) -> ActOnSettings:
        """The connection, read once per hook."""
        if self._settings is None:
            conn = self.get_connection(self.acton_conn_id)
            extra = conn.extra_dejson or {}
            settings = ActOnSettings(
                base_url=base_url(conn.host, conn.port, extra.get("region")),
                client_id=str(extra.get("client_id") or ""),
                client_secret=str(extra.get("client_secret") or ""),
                username=conn.login or "",
                password=conn.password or "",
                calls_per_second=int(extra.get("calls_per_second") or 4),
                timeout=float(extra.get("timeout") or 120),
                verify=tls_verify(extra.get("verify")),
            )
            self._require_credentials(settings)
            self._settings = settings
        return self._settings

    def _require_credentials(self, s: ActOnSettings) -> None:
        """Fail before any call (and any login attempt from the hourly five) on an incomplete connection."""
        given = {
            "client_id": s.client_id,
            "client_secret": s.client_secret,
            "login": s.username,
            "password": s.password,
        }
        missing = [name for name, value in given.items() if not value]
        if missing:
            raise ActOnError(
                None, "CONNECTION_INCOMPLETE", f"connection {self.acton_conn_id!r} lacks {missing}"
            )

    @property
    def state(self) -> StateStore:
        """The state store holding the shared token (opened on first use, so building a hook is cheap)."""
        if self._state is None:
            self._state = StateStore.from_airflow()
        return self._state

    @property
    def tokens(self) -> TokenManager:
        """The token manager for this (API, app, user): shared through the state store."""
        if self._tokens is None:
            s = self.settings
            name = token_key(s.base_url, s.client_id, s.username)
            self._tokens = TokenManager(
                state=lambda: self.state,
                name=name,
                cipher=TokenCipher(s.client_secret, s.password, salt=name),
                password_grant=self._password_grant,
                refresh_grant=self._refresh_grant,
            )
        return self._tokens

    @property
    def limiter(self) -> RateLimiter:
        """This process's limiter for the account: every hook and thread on it shares the budget."""
        if self._limiter is None:
            s = self.settings
            self._limiter = shared_limiter(token_key(s.base_url, s.client_id, s.username), s.calls_per_second)
        return self._limiter

    @property
    def calls_made(self) -> int:
        """HTTP calls this hook sent to Act-On (token endpoint, retries and job polls included)."""
        return self._calls

    def get_conn(self) -> requests.Session:
        """A pooled session, TLS verified unless the connection says otherwise; auth is added per call.

        Shared by every call of this hook: per-request headers are passed per request, never set here.
        """
        if self._session is None:
            s = self.settings
            session = requests.Session()
            session.verify = s.verify
            pool = max(4, 2 * s.calls_per_second)
            adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool, max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            session.headers.update({"Accept": "application/json", "User-Agent": "netsuite-acton-sync"})
            self._session = session
        return self._session

    # -- transport ----------------------------------------------------------------------------------
    def check_response(self, response: requests.Response) -> None:
        """Raise :class:`ActOnError` (retriable for 429/5xx) with Act-On's code and message, scrubbed.

        A 429 for the daily quota is not retried: nothing changes before midnight UTC.
        """
        if response.ok:
            return
        code, message = self._error_fields(response)
        if response.status_code == 429 and _DAILY_QUOTA_RE.search(message):
            raise ActOnQuotaExhaustedError(message)
        if response.status_code in RETRIABLE_STATUS:
            raise ActOnRetriableError(
                response.status_code,
                code,
                message,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        raise ActOnError(response.status_code, code, message)

    def _error_fields(self, response: requests.Response) -> tuple[str | None, str]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            code = body.get("errorCode", body.get("error"))
            message = body.get("message") or body.get("error_description") or body.get("detail") or ""
        else:
            code, message = None, response.text[:300]
        return (None if code is None else str(code)), self._scrub(str(message) or response.reason or "")

    def _scrub(self, text: str) -> str:
        """Strip what must never reach a log or an exception: email addresses and the connection's secrets."""
        s = self._settings
        return redact(text, (s.password, s.client_secret) if s is not None else (), limit=500)

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Callable[[], tuple[Any, str | None]] | None = None,
        token: str | None = None,
    ) -> requests.Response:
        """One attempt: wait for the limiter, send, check. ``body`` builds the payload afresh per attempt."""
        session = self.get_conn()
        headers: dict[str, str] = {}
        data = None
        if body is not None:
            data, content_type = body()
            if content_type:
                headers["Content-Type"] = content_type
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        self.limiter.acquire()
        with self._calls_lock:
            self._calls += 1
        response = session.request(
            method,
            self.settings.base_url + path,
            params=params,
            data=data,
            headers=headers,
            timeout=(min(30.0, self.settings.timeout), self.settings.timeout),
        )
        self.check_response(response)
        return response

    def _call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: dict[str, Any] | None = None,
        body: Callable[[], tuple[Any, str | None]] | None = None,
        idempotent: bool = True,
    ) -> requests.Response:
        """An authenticated API call with retries; a 401 on a cached token re-acquires the token once.

        Non-idempotent calls are retried only on 429 (Act-On refused before doing anything); any other
        failure raises :class:`ActOnAmbiguousError` for the caller to resolve (e.g. re-check by name).
        """

        used: list[str] = []

        def attempt() -> requests.Response:
            token = self.tokens.access_token()
            used.append(token)
            try:
                return self._send(method, path, params=params, body=body, token=token)
            except (ActOnRetriableError, requests.ConnectionError, requests.Timeout) as exc:
                if idempotent or getattr(exc, "status", None) == 429:
                    raise
                raise ActOnAmbiguousError(
                    getattr(exc, "status", None), "AMBIGUOUS", f"{what}: {exc}"
                ) from exc

        try:
            return call_with_retries(attempt, self.retry_policy, self.log, what, sleep=self._sleep)
        except ActOnError as exc:
            if exc.status != 401 or not used:
                raise
        self.log.info("Act-On answered 401 to %s; re-acquiring the access token once", what)
        self.tokens.invalidate(used[-1])
        return call_with_retries(attempt, self.retry_policy, self.log, what, sleep=self._sleep)

    def run(
        self,
        endpoint: str | None = None,
        data: dict[str, Any] | str | None = None,
        *,
        json_body: Any = None,
    ) -> requests.Response:
        """A generic call (``ActOnHook(method=...)``, as ``HttpHook.run``), authenticated, limited, retried.

        For endpoints without a dedicated method; GET sends ``data`` as query parameters, other methods
        as a form, or ``json_body`` as a JSON body. Only GET, PUT and DELETE are retried on ambiguous
        failures.
        """
        path = "/" + (endpoint or "").lstrip("/")
        what = f"{self.method} {path.split('?', 1)[0]}"  # query values (an email) never reach a log line
        if self.method == "GET":
            return self._call("GET", path, what=what, params=data if isinstance(data, dict) else None)

        def body() -> tuple[Any, str | None]:
            if json_body is not None:
                return json.dumps(json_body), "application/json"
            return data, None

        return self._call(
            self.method,
            path,
            what=what,
            body=body,
            idempotent=self.method in ("PUT", "DELETE"),
        )

    # -- tokens -------------------------------------------------------------------------------------
    def _token_grant(self, form: dict[str, str], what: str) -> Grant:
        s = self.settings
        payload = {**form, "client_id": s.client_id, "client_secret": s.client_secret}

        def body() -> tuple[Any, str | None]:
            return payload, None

        response = call_with_retries(
            lambda: self._send("POST", "/token", body=body), _TOKEN_POLICY, self.log, what, sleep=self._sleep
        )
        data = response.json()
        expires_in = float(data.get("expires_in") or 3600)
        return Grant(
            access_token=str(data["access_token"]),
            refresh_token=data.get("refresh_token"),
            expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
        )

    def _password_grant(self) -> Grant:
        s = self.settings
        try:
            return self._token_grant(
                {"grant_type": "password", "username": s.username, "password": s.password},
                "POST /token (password)",
            )
        except ActOnError as exc:
            if exc.status in (401, 403):
                raise ActOnError(
                    exc.status, exc.code, f"Act-On refused the password login: {exc.detail}"
                ) from None
            raise

    def _refresh_grant(self, refresh_token: str) -> Grant:
        try:
            return self._token_grant(
                {"grant_type": "refresh_token", "refresh_token": refresh_token}, "POST /token (refresh)"
            )
        except ActOnError as exc:
            if exc.status == 403 and exc.code == "invalid_grant":
                raise RefreshRejectedError(exc.detail) from None
            raise

    # -- lists --------------------------------------------------------------------------------------
    def list_lists(self, page_size: int = PAGE_MAX) -> list[dict[str, Any]]:
        """Every contact list (all pages): Act-On has no lookup by name."""

        def fetch(offset: int, count: int) -> tuple[list[dict[str, Any]], int | None]:
            page = self._call(
                "GET",
                "/api/1/list",
                what="GET /api/1/list",
                params={"listingtype": "CONTACT_LIST", "count": count, "offset": offset},
            ).json()
            return page.get("result") or [], _total(page)

        return [item for page in offset_pages(fetch, min(page_size, PAGE_MAX)) for item in page]

    def find_list(self, name: str) -> dict[str, Any] | None:
        """The contact list called ``name`` (the oldest, if Act-On holds several), or None."""
        matches = [item for item in self.list_lists() if item.get("name") == name]
        if len(matches) > 1:
            self.log.warning("%d Act-On lists share one name; using %s", len(matches), matches[0].get("id"))
        return matches[0] if matches else None

    def list_headings(self, list_id: str) -> list[str]:
        """The list's column headings (one small download call), without ``_contact_id_``."""
        page = self._download_page(list_id, offset=0, count=1, fields=None, modified_after=None)
        return [h for h in page.get("headers") or [] if h != "_contact_id_"]

    def ensure_list(self, name: str, headings: Sequence[str], folder: str = "NetSuite Sync") -> str:
        """The id of list ``name``; created with ``headings`` (header-only CSV) when it does not exist.

        An existing list must have every heading (merges need a verbatim match): a clear error beats a
        failed merge job later.
        """
        found = self.find_list(name)
        if found is not None:
            list_id = str(found["id"])
            existing = set(self.list_headings(list_id))
            missing = [h for h in headings if h not in existing]
            if missing:
                raise ActOnHeadingsMismatchError(
                    f"list {list_id} lacks the heading(s) {missing}; add them in Act-On"
                )
            return list_id
        return self._create_list(name, list(headings), folder)

    def _create_list(self, name: str, headings: list[str], folder: str) -> str:
        """POST the list; never twice: after an ambiguous failure, look for it by name before re-posting."""
        csv_file = header_csv(headings)
        fields = {
            "listname": name,
            "foldername": folder,
            "headings": "Y",
            "fieldseparator": "COMMA",
            "quotecharacter": "DOUBLE_QUOTE",
            "uploadspecs": json.dumps(self._upload_specs(headings, self._guess_email(headings))),
        }
        for attempt in range(1, self.retry_policy.max_attempts + 1):
            try:
                response = self._call(
                    "POST",
                    "/api/1/list",
                    what="POST /api/1/list",
                    body=self._multipart(fields, io.BytesIO(csv_file)),
                    idempotent=False,
                )
                break
            except ActOnAmbiguousError:
                if attempt == self.retry_policy.max_attempts:
                    raise
                self._sleep(min(self.retry_policy.max_wait, self.retry_policy.initial_wait * 2**attempt))
                found = self.find_list(name)
                if found is not None:
                    self.log.info("List creation had already succeeded: list %s", found["id"])
                    return str(found["id"])
        job_id = str(response.json()["jobId"])
        details = self._wait_for_job(job_id)
        list_id = details.get("listId") or (self.find_list(name) or {}).get("id")
        if not list_id:
            raise ActOnError(None, "LIST_NOT_FOUND", f"job {job_id} finished but the new list is not listed")
        self.log.info("Created Act-On list %s (%d headings)", list_id, len(headings))
        return str(list_id)

    # -- merge --------------------------------------------------------------------------------------
    def merge_contacts(
        self,
        list_id: str,
        frame: pd.DataFrame,
        mode: str = "UPSERT",
        email_heading: str = "E-mail Address",
        max_upload_bytes: int = 50_000_000,
        put_empty_values: bool = False,
        align_headings: bool = True,
    ) -> MergeResult:
        """Bulk-merge ``frame`` (columns = the list's headings) into ``list_id``, keyed by email.

        The CSV is built in blocks and split into uploads of at most ``max_upload_bytes``; each upload is
        one merge job, polled to the end before the next (Act-On processes a list's jobs one at a time).
        ``put_empty_values=False`` leaves fields Act-On already holds when the cell is empty (a score
        written by Act-On is not wiped by a sync that does not know it). With ``align_headings`` (one
        extra call) a frame heading the list lacks fails before any upload, and list headings the frame
        lacks (such as the score field) are sent as empty cells, which ``put_empty_values=False`` ignores.
        """
        mode = mode.upper()
        if mode not in MERGE_MODES:
            raise ValueError(f"mode must be one of {sorted(MERGE_MODES)}, not {mode!r}")
        if email_heading not in frame.columns:
            raise ValueError(f"the frame has no {email_heading!r} column (the merge key)")
        calls_before = self.calls_made
        result = MergeResult(list_id=list_id)
        if frame.empty:
            return result
        if align_headings:
            headings = self._align_headings(list_id, frame, put_empty_values)
        else:
            headings = [str(c) for c in frame.columns]
        rejected: list[pd.DataFrame] = []
        fields = {
            "headings": "Y",
            "fieldseparator": "COMMA",
            "quotecharacter": "DOUBLE_QUOTE",
            "uploadspecs": json.dumps(self._upload_specs(headings, email_heading)),
            "mergespecs": json.dumps(
                [{"dstListId": list_id, "mergeMode": mode, "columnMap": [], "mergeKeyHeading": email_heading}]
            ),
            "putEmptyValues": "Y" if put_empty_values else "N",
        }
        for part, rows in split_csv(frame, max_upload_bytes, columns=headings):
            result.uploads += 1
            details = self._merge_part(list_id, fields, part, mode, result.uploads)
            self._add_counts(result, details)
            self.log.info(
                "Merge upload %d into %s: %d rows, appended %s, updated %s, rejected %s",
                result.uploads,
                list_id,
                rows,
                details.get("appendCount", 0),
                details.get("updateCount", 0),
                details.get("rejectedCount", 0),
            )
            if int(details.get("rejectedCount") or 0):
                rejected.append(self._rejected_rows(details, email_heading))
        if rejected:
            result.rejected_rows = pd.concat(rejected, ignore_index=True)
        result.calls = self.calls_made - calls_before
        return result

    def _align_headings(self, list_id: str, frame: pd.DataFrame, put_empty_values: bool) -> list[str]:
        """The list's headings, to upload the frame under (Act-On has no column mapping), or a clear error."""
        list_headings = self.list_headings(list_id)
        unknown = [str(c) for c in frame.columns if c not in list_headings]
        if unknown:
            raise ActOnHeadingsMismatchError(f"list {list_id} has no heading(s) {unknown}")
        missing = [h for h in list_headings if h not in frame.columns]
        if not missing:
            return [str(c) for c in frame.columns]
        if put_empty_values:
            raise ActOnHeadingsMismatchError(
                f"the frame lacks list {list_id}'s heading(s) {missing}; "
                "with put_empty_values they would be wiped"
            )
        self.log.info(
            "List %s has %d heading(s) the frame lacks; sent empty, left unchanged", list_id, len(missing)
        )
        return list_headings

    def _merge_part(
        self, list_id: str, fields: dict[str, str], part: IO[bytes], mode: str, number: int
    ) -> dict[str, Any]:
        response = self._call(
            "PUT",
            f"/api/1/list/{list_id}",
            what=f"PUT /api/1/list/{list_id} (upload {number})",
            body=self._multipart(fields, part),
            idempotent=mode != "APPEND",
        )
        return self._wait_for_job(str(response.json()["jobId"]))

    @staticmethod
    def _add_counts(result: MergeResult, details: dict[str, Any]) -> None:
        result.appended += int(details.get("appendCount") or 0)
        result.updated += int(details.get("updateCount") or 0)
        result.failed += int(details.get("failedCount") or 0)
        result.rejected += int(details.get("rejectedCount") or 0)

    def _rejected_rows(self, details: dict[str, Any], email_heading: str) -> pd.DataFrame:
        """The rejected rows' email and reason, from the job's rejected-records CSV."""
        filename = next(
            (str(v) for k, v in details.items() if "reject" in k.lower() and "file" in k.lower() and v), None
        )
        if filename is None:
            self.log.warning("Job reported rejected rows but named no rejected-records file")
            return pd.DataFrame(columns=["email", "reason"])
        text = self._call(
            "GET",
            "/api/1/list/rejectedUploadRecords",
            what="GET /api/1/list/rejectedUploadRecords",
            params={"filename": filename},
        ).content
        raw = pd.read_csv(io.BytesIO(text), dtype=str, keep_default_na=False)
        email_col = email_heading if email_heading in raw.columns else self._guess_email(list(raw.columns))
        reason_col = next((c for c in raw.columns if "reason" in c.lower() or "error" in c.lower()), None)
        return pd.DataFrame(
            {
                "email": raw[email_col] if email_col in raw.columns else "",
                "reason": raw[reason_col] if reason_col else "rejected by Act-On",
            }
        )

    # -- jobs ---------------------------------------------------------------------------------------
    def _wait_for_job(self, job_id: str) -> dict[str, Any]:
        """Poll an upload job with backoff (``poll_initial`` growing to ``poll_max``) until it ends."""
        deadline = time.monotonic() + self.job_timeout
        delay = self.poll_initial
        while True:
            body = self._call(
                "GET", f"/api/1/list/{job_id}/status", what=f"GET /api/1/list/{job_id}/status"
            ).json()
            status = str(body.get("status") or "")
            if status.lower() == "success":
                return self._job_details(job_id, body)
            if not any(word in status.lower() for word in ("pending", "running", "progress", "queued")):
                raise ActOnError(None, "JOB_FAILED", f"Act-On job {job_id} failed: {self._job_message(body)}")
            if time.monotonic() + delay > deadline:
                raise ActOnError(
                    None, "JOB_TIMEOUT", f"Act-On job {job_id} still {status!r} after {self.job_timeout:.0f}s"
                )
            self._sleep(delay * random.uniform(0.9, 1.1))
            delay = min(self.poll_max, delay * 1.6)

    def _job_details(self, job_id: str, body: dict[str, Any]) -> dict[str, Any]:
        details = body.get("details")
        if not isinstance(details, dict):
            try:
                details = json.loads(body.get("jobDetails") or "{}")
            except ValueError:
                details = {}
        if str(details.get("status", "ok")).lower() != "ok":
            raise ActOnError(None, "JOB_FAILED", f"Act-On job {job_id} failed: {self._job_message(details)}")
        return details

    def _job_message(self, body: dict[str, Any]) -> str:
        parts = [str(body.get(k)) for k in ("status", "message", "error", "errorCode") if body.get(k)]
        return self._scrub("; ".join(parts) or "no detail given")

    # -- download -----------------------------------------------------------------------------------
    def download_list(
        self,
        list_id: str,
        fields: Sequence[str] | None = None,
        modified_after: datetime | None = None,
        page_size: int = PAGE_MAX,
    ) -> Iterator[pd.DataFrame]:
        """The list as DataFrames of at most ``page_size`` rows (JSON pages, ``_contact_id_`` kept)."""
        headers: list[str] = []

        def fetch(offset: int, count: int) -> tuple[list[Any], int | None]:
            page = self._download_page(list_id, offset, count, fields, modified_after)
            headers[:] = page.get("headers") or []
            return page.get("data") or [], _total(page)

        for data in offset_pages(fetch, max(1, min(page_size, PAGE_MAX))):
            yield pd.DataFrame(data, columns=headers)

    def _download_page(
        self,
        list_id: str,
        offset: int,
        count: int,
        fields: Sequence[str] | None,
        modified_after: datetime | None,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"count": count, "offset": offset, "responseformat": "JSON"}
        if fields:
            params["fields"] = ";".join(fields)
        if modified_after is not None:
            when = modified_after if modified_after.tzinfo else modified_after.replace(tzinfo=UTC)
            params["modafter"] = int(when.timestamp() * 1000)
        return self._call(
            "GET", f"/api/1/list/{list_id}", what=f"GET /api/1/list/{list_id}", params=params
        ).json()

    # -- helpers ------------------------------------------------------------------------------------
    @staticmethod
    def _guess_email(headings: Sequence[str]) -> str:
        for heading in headings:
            if heading.lower().replace("-", "").replace(" ", "") in ("emailaddress", "email"):
                return heading
        return "E-mail Address"

    @staticmethod
    def _upload_specs(headings: Sequence[str], email_heading: str) -> list[dict[str, Any]]:
        specs = []
        for index, heading in enumerate(headings):
            spec: dict[str, Any] = {"columnHeading": heading, "ignoreColumn": "N", "columnIndex": index}
            column_type = "EMAIL" if heading == email_heading else SYSTEM_COLUMNS.get(heading)
            if column_type:
                spec["columnType"] = column_type
            specs.append(spec)
        return specs

    @staticmethod
    def _multipart(fields: dict[str, str], file: IO[bytes]) -> Callable[[], tuple[Any, str | None]]:
        """A body factory: a fresh streaming multipart encoder per attempt, the file rewound."""

        def build() -> tuple[Any, str | None]:
            file.seek(0)
            encoder = MultipartEncoder(fields=[*fields.items(), ("file", ("contacts.csv", file, "text/csv"))])
            return encoder, encoder.content_type

        return build

    # -- UI -----------------------------------------------------------------------------------------
    def test_connection(self) -> tuple[bool, str]:
        """Get a token (cached if possible) and read one page of lists: proves URL, app and user."""
        try:
            self.tokens.access_token()
            page = self._call(
                "GET",
                "/api/1/list",
                what="GET /api/1/list",
                params={"listingtype": "CONTACT_LIST", "count": 1, "offset": 0},
            ).json()
            return True, f"Connected to Act-On at {self.settings.base_url}: {page.get('totalCount', 0)} lists"
        except Exception as exc:
            return False, self._scrub(str(exc))


def _total(page: dict[str, Any]) -> int | None:
    """The page's ``totalCount`` as an int, or None when absent or not a number."""
    try:
        return int(page["totalCount"])
    except (KeyError, TypeError, ValueError):
        return None
