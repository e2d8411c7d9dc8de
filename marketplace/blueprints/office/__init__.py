"""The trade office console, ``/office``: certify OCOP, curate, moderate, read reports (PAGES.md).

Officers' and admins' pages only, on the same services as the API.
"""

from __future__ import annotations

from flask import Blueprint

from marketplace.blueprints.office import console

web = Blueprint("office", __name__, url_prefix="/office")

console.register(web)
