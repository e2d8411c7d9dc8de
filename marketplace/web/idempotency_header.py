"""The ``Idempotency-Key`` header on POST views: the HTTP side of services/orders/idempotency.

A view opts in with ``decorators = [idempotent]`` on its MethodView and documents the header
with ``@blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])``. Used by checkouts and livestream
claims: the two POSTs that make orders, and that a buyer or a seller on flaky 4G taps twice.

Keys belong to a user, not to an endpoint: the request's fingerprint holds its method and path,
so a key first used on one endpoint and then on another is 409 ``idempotency_key_reused`` (as
Stripe does), never a replay of the other endpoint's answer.
"""

from __future__ import annotations

import functools

from flask import current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from marketplace.errors import (
    DomainError,
    ValidationFailed,
    error_response,
    http_exception_response,
)
from marketplace.extensions import db
from marketplace.messages import N_
from marketplace.services.orders import idempotency
from marketplace.web.authentication import require_user

IDEMPOTENCY_HEADER = "Idempotency-Key"

# The header as an OpenAPI parameter, for ``@blp.doc(parameters=[…])``.
IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": idempotency.MAX_KEY_LENGTH},
    "description": (
        "Retries with the same key within 24 h get the first answer (header "
        "`Idempotent-Replayed: true`) and change nothing; the same key with another body is "
        "409 `idempotency_key_reused`; while the first request runs, 409 `request_in_progress`."
    ),
}


def idempotent(view):
    """Honour ``Idempotency-Key`` on POST: one user's retries get the first answer back.

    Wraps the whole view so it sees the final answer, errors included (kept unless 5xx).
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "POST":
            return view(*args, **kwargs)
        # Signed in first: a stranger gets 401, whatever their body looks like.
        user = require_user()
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            return view(*args, **kwargs)
        key = key.strip()
        # Printable characters only: a NUL cannot even be stored by PostgreSQL.
        if not key or len(key) > idempotency.MAX_KEY_LENGTH or not key.isprintable():
            raise ValidationFailed.field(
                IDEMPOTENCY_HEADER, N_("Give 1 to 255 printable characters (a UUID is a good key).")
            )
        claim = idempotency.claim(
            user.id, key, idempotency.fingerprint(request.method, request.path, request.get_data())
        )
        if claim.replay is not None:
            return _replayed(*claim.replay)
        try:
            with idempotency.holding(claim):
                # The first request made its resource and died: finish it and answer from it
                # (None: it was undone meanwhile, so the work is done anew).
                resumed = claim.resume() if claim.resume is not None else None
                if resumed is not None:
                    response = _replayed(*resumed)
                else:
                    response = current_app.make_response(view(*args, **kwargs))
        except DomainError as exc:
            response = current_app.make_response(
                error_response(exc.status, exc.code, exc.message, exc.details)
            )
        except HTTPException as exc:
            response = current_app.make_response(http_exception_response(exc))
        except Exception:
            # Our failure (a 5xx is coming): the key is released so that a retry runs anew,
            # unless the work was committed (a retry is then answered from what it made).
            db.session.rollback()
            idempotency.release_unless_made(claim)
            raise
        idempotency.record(claim, response.status_code, response.get_json(silent=True))
        return response

    return wrapper


def _replayed(status: int, body: dict | None):
    response = jsonify(body)
    response.status_code = status
    response.headers["Idempotent-Replayed"] = "true"
    return response
