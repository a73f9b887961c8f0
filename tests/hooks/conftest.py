"""The transport-level NetSuite fake for hook tests."""

from tests.support.fake_netsuite import fake  # noqa: F401
