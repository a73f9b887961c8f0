"""The transport-level NetSuite fake for source tests."""

from tests.support.fake_netsuite import fake  # noqa: F401
