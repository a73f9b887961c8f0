"""Assets: one per Act-On list. The forward DAG's load task updates them; the reverse DAG waits on them.

The load task declares the alias :data:`ACTON_LISTS_WRITTEN` as its outlet, not every list: it adds an
event only for the lists it really wrote in this run, so a dry run, a run limited by the ``lists`` Param or
a run with nothing changed starts no reverse run (which would write to NetSuite).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from airflow.sdk import Asset, AssetAlias

#: The load task's outlet: resolved at run time to the list Assets written in that run.
ACTON_LISTS_WRITTEN = AssetAlias(name="acton_lists_written", group="acton")


def acton_list_asset(list_name: str) -> Asset:
    """The Asset standing for the Act-On list called ``list_name``."""
    slug = re.sub(r"[^a-z0-9]+", "_", list_name.lower()).strip("_")
    return Asset(name=f"acton_list_{slug}", uri=f"acton://lists/{quote(list_name)}", group="acton")
