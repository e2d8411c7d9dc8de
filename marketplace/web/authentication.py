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


# Built once: it runs on every authenticated request. The user and the token's id only: the
# token itself is loaded by the one request that needs it (signing out).
_USER_OF_TOKEN = (
    sa.select(User, ApiToken.id)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == sa.bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


def _load_api_user() -> tuple[User | None, str | None]:
    raw = bearer_token()
    if raw is None:
        return None, None
    row = db.session.execute(_USER_OF_TOKEN, {"token_hash": hash_token(raw)}).first()
    if row is None:
        return None, None
    user, token_id = row
    return user, token_id


def api_user() -> User | None:
    """The user of the request's bearer token, or None; loaded once per request."""
    if "api_user" not in g:
        g.api_user, g.api_token_id = _load_api_user()
    return g.api_user


def current_token() -> ApiToken | None:
    api_user()
    return db.session.get(ApiToken, g.api_token_id) if g.api_token_id is not None else None


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
