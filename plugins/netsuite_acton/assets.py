"""Assets: one per Act-On list. The forward DAG's load task updates them; the reverse DAG waits on them."""

from __future__ import annotations

import re
from urllib.parse import quote

from airflow.sdk import Asset


def acton_list_asset(list_name: str) -> Asset:
    """The Asset standing for the Act-On list called ``list_name``."""
    slug = re.sub(r"[^a-z0-9]+", "_", list_name.lower()).strip("_")
    return Asset(name=f"acton_list_{slug}", uri=f"acton://lists/{quote(list_name)}", group="acton")
