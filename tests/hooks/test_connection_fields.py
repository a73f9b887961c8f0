"""The ``verify`` connection field: TLS verification stays on unless explicitly turned off."""

from __future__ import annotations

import pytest

from netsuite_acton.hooks.connection_fields import tls_verify


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, True),
        ("", True),
        ("  ", True),
        (True, True),
        (False, False),
        ("true", True),
        ("Yes", True),
        ("off", False),
        ("FALSE", False),
        ("0", False),
        ("/etc/ssl/certs/corp-ca.pem", "/etc/ssl/certs/corp-ca.pem"),
    ],
)
def test_tls_verify(value: object, expected: bool | str) -> None:
    assert tls_verify(value) == expected
