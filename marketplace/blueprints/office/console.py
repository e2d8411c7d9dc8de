"""The trade office console pages."""

from __future__ import annotations


def register(web) -> None:
    """Adds the console's routes to the office blueprint."""
