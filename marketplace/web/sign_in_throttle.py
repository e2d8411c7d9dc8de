"""Failed sign-ins throttled per account and per client address (Flask-Limiter).

The API's token endpoint and the pages' sign-in form share one budget: an attacker gets no
extra guesses by switching between them, nor by typing one phone number in another format.
Only failures count, so a member who signs in often is never slowed down. A wrong password
reset code is a failed sign-in too, on the same budget. Password reset requests, which send a
text message or an e-mail each, have a budget of their own per login and per address, counting
every request (they all answer 202).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_limiter.util import get_remote_address

from marketplace.extensions import limiter
from marketplace.services import accounts

# The answer to a failed sign-in, from the API and from the page form alike.
FAILED = 401


def _login_key(typed_login: Callable[[], object]) -> Callable[[], str]:
    def login_key() -> str:
        login = typed_login()
        if isinstance(login, str) and login.strip():
            return "login:" + accounts.login_identity(login)
        return "address:" + get_remote_address()

    return login_key


def throttle_failed_sign_ins(
    typed_login: Callable[[], object], *, failed_status: int = FAILED
) -> Callable:
    """Decorate a sign-in view: ``typed_login()`` reads the login from the request; only
    answers with status ``failed_status`` count; past either budget the view answers 429."""

    def failed(response) -> bool:
        return response.status_code == failed_status

    per_account = limiter.shared_limit(
        lambda: current_app.config["RATELIMIT_LOGIN_FAILURES"],
        scope="login-failures",
        key_func=_login_key(typed_login),
        deduct_when=failed,
        methods=["POST"],
    )
    per_address = limiter.shared_limit(
        lambda: current_app.config["RATELIMIT_LOGIN_FAILURES_PER_ADDRESS"],
        scope="login-address-failures",
        key_func=get_remote_address,
        deduct_when=failed,
        methods=["POST"],
    )

    def decorate(view):
        return per_account(per_address(view))

    return decorate


def throttle_password_reset_requests(typed_login: Callable[[], object]) -> Callable:
    """Decorate the password reset request view: every request counts, per login (however it
    is typed, whether or not it has an account) and per address; past either, 429."""
    per_login = limiter.shared_limit(
        lambda: current_app.config["RATELIMIT_PASSWORD_RESET"],
        scope="password-reset-requests",
        key_func=_login_key(typed_login),
        methods=["POST"],
    )
    per_address = limiter.shared_limit(
        lambda: current_app.config["RATELIMIT_PASSWORD_RESET_PER_ADDRESS"],
        scope="password-reset-address",
        key_func=get_remote_address,
        methods=["POST"],
    )

    def decorate(view):
        return per_login(per_address(view))

    return decorate
