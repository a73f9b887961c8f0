"""The Act-On connection: API base URL (region or explicit host) and credentials, read once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

REGION_URLS = {"us": "https://api.actonsoftware.com", "eu": "https://api-eu.actonsoftware.com"}


@dataclass(frozen=True)
class ActOnSettings:
    """The connection's fields, validated once per hook (secrets kept out of the repr)."""

    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    username: str = field(repr=False)
    password: str = field(repr=False)
    calls_per_second: int
    timeout: float
    verify: bool | str


def base_url(host: str | None, port: int | None, region: str | None) -> str:
    """The connection's host (scheme optional, https by default) or the region's API URL."""
    if not host:
        return REGION_URLS.get((region or "us").lower(), REGION_URLS["us"])
    url = host if "://" in host else f"https://{host}"
    if port and not re.search(r":\d+$", url.split("://", 1)[1].split("/", 1)[0]):
        scheme, rest = url.split("://", 1)
        netloc, _, path = rest.partition("/")
        url = f"{scheme}://{netloc}:{port}" + (f"/{path}" if path else "")
    return url.rstrip("/")
