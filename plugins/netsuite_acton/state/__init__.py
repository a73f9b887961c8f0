"""Sync state in SQL: watermarks, loaded-row hashes, contact links, pushed scores, the API token cache."""

from netsuite_acton.state.store import StateStore, TokenSlot

__all__ = ["StateStore", "TokenSlot"]
