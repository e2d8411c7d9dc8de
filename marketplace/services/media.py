"""Media (the media issue fills this in)."""

from __future__ import annotations


def public_url(key: str) -> str:
    """Where a client fetches the stored object with this key."""
    raise NotImplementedError("the storage adapters come with the media issue")
