"""One redactor for every message that may reach a log, an exception or a run report."""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Anything shaped like an address (no spaces, quotes or brackets around one "@"): broad on purpose, a
#: false positive costs a masked word, a false negative puts personal data in a log.
_EMAIL = re.compile(r"[^\s@\"'<>,;()\[\]]+@[^\s@\"'<>,;()\[\]]+")
#: Secrets shorter than this are not masked: replacing "a" everywhere would garble the message.
_MIN_SECRET = 4


def redact(text: str, secrets: Iterable[str | None] = (), limit: int | None = None) -> str:
    """``text`` with email addresses and any of ``secrets`` masked, cut to ``limit`` characters."""
    text = _EMAIL.sub("<email>", text)
    for secret in secrets:
        if secret and len(secret) >= _MIN_SECRET:
            text = text.replace(secret, "<secret>")
    return text if limit is None else text[:limit]
