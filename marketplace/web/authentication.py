"""Who is calling: bearer tokens for the API, the session cookie for pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, request

from marketplace.errors import Forbidden, Unauthorized
from marketplace.extensions import db, login_manager
from marketplace.messages import N_
from marketplace.models import ApiToken, Role, User
from marketplace.services.accounts import hash_token


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


# One query for both, built once: it runs on every authenticated request.
_TOKEN_AND_USER = (
    sa.select(ApiToken, User)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == sa.bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


def _load_api_user() -> tuple[User | None, ApiToken | None]:
    raw = bearer_token()
    if raw is None:
        return None, None
    row = db.session.execute(_TOKEN_AND_USER, {"token_hash": hash_token(raw)}).first()
    if row is None:
        return None, None
    token, user = row
    return user, token


def api_user() -> User | None:
    """The user of the request's bearer token, or None; loaded once per request."""
    if "api_user" not in g:
        g.api_user, g.api_token = _load_api_user()
    return g.api_user


def current_token() -> ApiToken | None:
    api_user()
    return g.api_token


def require_user() -> User:
    """The signed-in user, or 401."""
    user = api_user()
    if user is None:
        if bearer_token() is not None:
            raise Unauthorized(N_("The token is not valid or was revoked."), code="invalid_token")
        raise Unauthorized()
    return user


def require_role(*roles: Role | str) -> User:
    """The signed-in user when they hold one of ``roles`` (admins hold every role), else 403."""
    user = require_user()
    if user.role != Role.ADMIN and user.role not in roles:
        raise Forbidden()
    return user


def require_staff() -> User:
    """Officers and admins: the trade office."""
    return require_role(Role.OFFICER, Role.ADMIN)


@login_manager.user_loader
def load_session_user(user_id: str) -> User | None:
    return db.session.get(User, user_id)
