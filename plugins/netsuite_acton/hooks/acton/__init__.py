"""The Act-On hook and its parts: settings, the shared token cache, CSV uploads, error types.

``netsuite_acton.hooks.acton.ActOnHook`` is the public path (the provider info and users' code name it);
the modules beside it are the hook's own.
"""

from netsuite_acton.hooks.acton.errors import ActOnError
from netsuite_acton.hooks.acton.hook import ActOnHook, MergeResult
from netsuite_acton.hooks.acton.list_records import DeleteResult

__all__ = ["ActOnError", "ActOnHook", "DeleteResult", "MergeResult"]
