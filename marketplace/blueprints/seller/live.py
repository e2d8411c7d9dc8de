"""live pages of the seller centre."""

from __future__ import annotations


def register(web) -> None:
    """Adds this module's routes to the seller blueprint."""
