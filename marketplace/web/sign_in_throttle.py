"""Failed sign-ins throttled per account and per client address (Flask-Limiter).

The API's token endpoint and the pages' sign-in form share one budget: an attacker gets no
extra guesses by switching between them, nor by typing one phone number in another format.
Only failures count, so a member who signs in often is never slowed down. A wrong password
reset code is a failed sign-in too, on the same budget. Password reset requests, which send a
text message or an e-mail each, have a budget of their own per login and per address, counting
every request (they all answer 202).

A stranger who spends an account's budget must not lock its owner out, so a device that has
signed in to the account before is not held to the account's budget (nor to its address's):
a successful sign-in leaves a signed ``known_device`` cookie naming the accounts it signed in
to (by keyed digest, never the login itself), and such a device has a failure budget of its
own instead (OWASP's "device cookies"). Anyone else waits out the account's window.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable

from flask import current_app, g, make_response, request
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer

from marketplace.extensions import limiter
from marketplace.services import accounts

# The answer to a failed sign-in, from the API and from the page form alike.
FAILED = 401

KNOWN_DEVICE_COOKIE = "known_device"
KNOWN_DEVICE_SALT = "known-device"
KNOWN_DEVICE_MAX_AGE = 180 * 24 * 3600
# Accounts one device is known for (a family's shared phone), the most recent first.
KNOWN_DEVICE_ACCOUNTS = 5


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=KNOWN_DEVICE_SALT)


def _account_tag(identity: str) -> str:
    """A keyed digest of a login identity: the cookie names accounts without revealing them."""
    key = hashlib.sha256(current_app.secret_key.encode() + b"known-device-account").digest()
    return hmac.new(key, identity.encode(), hashlib.sha256).hexdigest()[:32]


def _identity(typed: object) -> str | None:
    if isinstance(typed, str) and typed.strip():
        return accounts.login_identity(typed)
    return None


def _device() -> dict:
    """The request's known-device cookie, checked: ``{"id", "accounts"}``; empty when absent,
    forged or expired."""
    if "known_device" not in g:
        g.known_device = {}
        raw = request.cookies.get(KNOWN_DEVICE_COOKIE)
        if raw:
            try:
                data = _serializer().loads(raw, max_age=KNOWN_DEVICE_MAX_AGE)
            except BadSignature:
                data = None
            if (
                isinstance(data, dict)
                and isinstance(data.get("id"), str)
                and isinstance(data.get("accounts"), list)
            ):
                g.known_device = data
    return g.known_device


def _remember_device(response, identity: str) -> None:
    """Add the account to the device's cookie (a new device gets an id of its own)."""
    device = _device()
    tag = _account_tag(identity)
    known = [tag, *(t for t in device.get("accounts", []) if t != tag)]
    value = _serializer().dumps(
        {
            "id": device.get("id") or secrets.token_urlsafe(16),
            "accounts": known[:KNOWN_DEVICE_ACCOUNTS],
        }
    )
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        value,
        max_age=KNOWN_DEVICE_MAX_AGE,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )


def _login_key(typed_login: Callable[[], object]) -> Callable[[], str]:
    def login_key() -> str:
        identity = _identity(typed_login())
        if identity is not None:
            return "login:" + identity
        return "address:" + get_remote_address()

    return login_key


def throttle_failed_sign_ins(
    typed_login: Callable[[], object], *, failed_status: int = FAILED
) -> Callable:
    """Decorate a sign-in view: ``typed_login()`` reads the login from the request; only
    answers with status ``failed_status`` count; past either budget the view answers 429.

    The view answers a POST below 400 only when it signed someone in (or proved the account
    theirs, as a reset code does): the device is then remembered for that account.
    """

    def failed(response) -> bool:
        return response.status_code == failed_status

    def known_device() -> bool:
        identity = _identity(typed_login())
        return identity is not None and _account_tag(identity) in _device().get("accounts", [])

    per_account = limiter.shared_limit(
        lambda: current_app.config["RATELIMIT_LOGIN_FAILURES"],
        scope="login-failures",
        key_func=_login_key(typed_login),
        deduct_when=failed,
        exempt_when=known_device,
        methods=["POST"],
    )
    per_address = limiter.shared_limit(
        lambda: current_app.config["RATELIMIT_LOGIN_FAILURES_PER_ADDRESS"],
        scope="login-address-failures",
        key_func=get_remote_address,
        deduct_when=failed,
        exempt_when=known_device,
        methods=["POST"],
    )
    # A known device's own budget: a stolen cookie gives no more guesses than a stranger gets.
    per_device = limiter.shared_limit(
        lambda: current_app.config["RATELIMIT_LOGIN_FAILURES"],
        scope="login-device-failures",
        key_func=lambda: "device:" + _device().get("id", ""),
        deduct_when=failed,
        exempt_when=lambda: not known_device(),
        methods=["POST"],
    )

    def decorate(view):
        limited = per_account(per_address(per_device(view)))

        @functools.wraps(view)
        def remembering(*args, **kwargs):
            response = make_response(limited(*args, **kwargs))
            identity = _identity(typed_login())
            if request.method == "POST" and response.status_code < 400 and identity:
                _remember_device(response, identity)
            return response

        return remembering

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
