"""The fast email check must never accept what email-validator rejects."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email

from sandbox.acton.emails import email_problem

SAMPLES = [
    "ada@example.com",
    "A.B+tag@sub.example.co.uk",
    "x@foo.test",
    "a@localhost",
    "a..b@example.com",
    ".a@example.com",
    "a.@example.com",
    "a@-example.com",
    "a@example-.com",
    "a@ex--ample.com",
    "a@example.c0m",
    "a@example",
    "a b@example.com",
    "é@example.com",
    "a@exämple.com",
    "a@b.c",
    "a@123.com",
    "a@[127.0.0.1]",
    '"quoted"@example.com',
    "a" * 65 + "@example.com",
    "a@" + "b" * 64 + ".com",
    "a@b@example.com",
    "a@example.onion",
    "user@xn--bcher-kva.example",
]


@pytest.mark.parametrize("email", SAMPLES)
def test_fast_check_agrees_with_email_validator(email: str) -> None:
    try:
        validate_email(email, check_deliverability=False)
        valid = True
    except EmailNotValidError:
        valid = False
    assert (email_problem(email) is None) == valid


def test_missing_email_has_its_own_reason() -> None:
    assert email_problem("") == "Missing email address"
