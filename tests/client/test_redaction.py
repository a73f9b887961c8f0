"""The one redactor: addresses and secrets never reach a log, an exception or a report."""

from __future__ import annotations

import pytest

from netsuite_acton.client.redaction import redact


@pytest.mark.parametrize(
    "address",
    ["jane.doe@example.com", "o'neil+tag@sub.example.co.uk", "müller@bücher.de", "x@localhost", "a_b@c-d.io"],
)
def test_addresses_are_masked_wherever_they_stand(address: str) -> None:
    text = f"Invalid value '{address}' for field email (<{address}>, [{address}]; ({address}))"
    out = redact(text)
    assert address not in out
    assert out.count("<email>") == 4


def test_secrets_are_masked_but_too_short_ones_are_not() -> None:
    out = redact("token s3cr3t-value and x in the body", secrets=["s3cr3t-value", "x", None, ""])
    assert out == "token <secret> and x in the body"


def test_limit_cuts_after_masking() -> None:
    assert redact("mail a@b.co now", limit=6) == "mail <"
    assert redact("plain text") == "plain text"
