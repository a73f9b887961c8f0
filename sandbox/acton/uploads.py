"""Receive a multipart upload: form fields plus the file, staged on disk for the job to stream."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from sandbox.acton.csvfiles import CsvFormat
from sandbox.acton.errors import FILE_MISSING, ActOnError, BadParameterError
from sandbox.acton.limits import check_upload_size


@dataclass
class Upload:
    fields: dict[str, str]
    path: str
    size: int

    @property
    def format(self) -> CsvFormat:
        """Both spellings of the separator field: Act-On's docs say ``fieldseparator``, its clients send
        ``fieldseperator``."""
        separator = self.fields.get("fieldseparator") or self.fields.get("fieldseperator")
        return CsvFormat.from_form(separator, self.fields.get("quotecharacter"), self.fields.get("headings"))

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.fields.get(name)
        return default if value is None else value.strip().upper() in {"Y", "YES", "TRUE", "1"}

    def json_field(self, name: str) -> object:
        raw = self.fields.get(name)
        if raw is None or not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise BadParameterError(f"{name} is not valid JSON") from None

    def discard(self) -> None:
        """Remove the staged file; jobs call it when done."""
        if os.path.exists(self.path):
            os.unlink(self.path)


async def read_upload(request: Request) -> Upload:
    """Parse the multipart body; the file part is copied to a temp file that outlives the request."""
    sandbox = request.app.state.sandbox
    async with request.form(max_files=4, max_fields=50) as form:
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        part = form.get("file")
        if not isinstance(part, UploadFile):
            raise ActOnError(FILE_MISSING, "File is missing: send the CSV as the multipart field 'file'")
        handle, path = tempfile.mkstemp(prefix="upload-", suffix=".csv", dir=sandbox.jobs.folder)
        with os.fdopen(handle, "wb") as staged:
            await run_in_threadpool(shutil.copyfileobj, part.file, staged, 1 << 20)
    size = os.path.getsize(path)
    upload = Upload(fields, path, size)
    try:
        check_upload_size(size, sandbox.settings)
    except ActOnError:
        upload.discard()
        raise
    sandbox.stats.add("uploads")
    sandbox.stats.add("upload_bytes", size)
    return upload
