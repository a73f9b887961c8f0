"""Why an email address would be rejected, as Act-On rejects bad addresses in uploads.

email-validator (syntax only, no DNS) is the judge, but at ~25 µs a call it would dominate a million-row
merge, so addresses matching a strict ASCII pattern, which email-validator always accepts, skip it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN = re.compile(rf"(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?:{_LABEL}\.)+(?P<tld>[A-Za-z]{{2,63}})")
_SPECIAL = frozenset(SPECIAL_USE_DOMAIN_NAMES)


def email_key(email: str) -> str:
    """The merge key: Act-On matches emails case-insensitively after trimming."""
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    """``None`` for a usable address, else the reason it is rejected."""
    if not email:
        return "Missing email address"
    match = _PLAIN.fullmatch(email)
    if (
        match
        and len(match.group("local")) <= 64
        and len(email) <= 254
        and "--" not in email
        and match.group("tld").lower() not in _SPECIAL
    ):
        return None
    return _slow_problem(email)


@lru_cache(maxsize=4096)
def _slow_problem(email: str) -> str | None:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"Invalid email address: {exc}"
    return None
