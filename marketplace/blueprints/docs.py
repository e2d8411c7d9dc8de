"""Interactive API docs that work offline: Swagger UI served from the swagger-ui-bundle package."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from marketplace.extensions import limiter
from marketplace.web.request_rules import PAGE_CSP

web = Blueprint("docs", __name__)


@web.get("/api/docs")
@limiter.exempt
def swagger_ui():
    response = make_response(render_template("docs/swagger.html"))
    # Swagger UI sets inline styles on its widgets; scripts stay same-origin only.
    response.headers["Content-Security-Policy"] = PAGE_CSP.replace(
        "style-src 'self'", "style-src 'self' 'unsafe-inline'"
    )
    return response


@web.get("/api/docs/assets/<path:filename>")
@limiter.exempt
def swagger_asset(filename: str):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
