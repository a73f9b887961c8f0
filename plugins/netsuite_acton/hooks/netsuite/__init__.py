"""The NetSuite hook and its parts: auth (TBA, M2M), errors, SuiteQL literals, keyset planning, records.

``netsuite_acton.hooks.netsuite.NetSuiteHook`` is the public path (the provider info and users' code
name it); the modules beside it are the hook's own.
"""

from netsuite_acton.hooks.netsuite.errors import NetSuiteError
from netsuite_acton.hooks.netsuite.hook import NetSuiteHook
from netsuite_acton.hooks.netsuite.records import RecordUpdateResult

__all__ = ["NetSuiteError", "NetSuiteHook", "RecordUpdateResult"]
