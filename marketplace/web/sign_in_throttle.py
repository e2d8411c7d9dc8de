"""Failed sign-ins throttled per account and per client address (Flask-Limiter).

The API's token endpoint and the pages' sign-in form share one budget: an attacker gets no
extra guesses by switching between them, nor by typing one phone number in another format.
Only failures count, so a member who signs in often is never slowed down.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_limiter.util import get_remote_address

from marketplace.extensions import limiter
from marketplace.services import accounts

# The answer to a failed sign-in, from the API and from the page form alike.
FAILED = 401


def _failed(response) -> bool:
    return response.status_code == FAILED


def throttle_failed_sign_ins(typed_login: Callable[[], object]) -> Callable:
    """Decorate a sign-in view: ``typed_login()`` reads the login from the request; only
    answers with status ``FAILED`` count; past either budget the view answers 429."""

    def login_key() -> str:
        login = typed_login()
        if isinstance(login, str) and login.strip():
            return "login:" + accounts.login_identity(login)
        return "address:" + get_remote_address()

    per_account = limiter.shared_limit(
        lambda: current_app.config["RATELIMIT_LOGIN_FAILURES"],
        scope="login-failures",
        key_func=login_key,
        deduct_when=_failed,
        methods=["POST"],
    )
    per_address = limiter.shared_limit(
        lambda: current_app.config["RATELIMIT_LOGIN_FAILURES_PER_ADDRESS"],
        scope="login-address-failures",
        key_func=get_remote_address,
        deduct_when=_failed,
        methods=["POST"],
    )

    def decorate(view):
        return per_account(per_address(view))

    return decorate
