"""The one exception every layer may raise for a failure that no retry can fix.

Airflow retries a failed task (``retries`` in the DAG defaults) because most failures are transient: a
429, a 5xx, a dropped connection. Some are not: a reject rate above its threshold, a missing custom field,
an invalid ``include/sync.yaml``, list headings that do not match, Act-On's daily quota spent. Retrying
those only delays the page to the on-call person and spends API budget. They subclass
:class:`PermanentSyncError`, and the DAGs' retry policy (``dag_settings.retry_policy``) fails the task at
once on it, with the message. This module imports nothing, so the pure ``sync`` layer can use it too.
"""

from __future__ import annotations


class PermanentSyncError(Exception):
    """A failure that a retry cannot fix: the task fails at once and the message says what to do."""


class InvalidParamError(PermanentSyncError, ValueError):
    """A run Param names something the configuration does not have: trigger again with a valid value."""
