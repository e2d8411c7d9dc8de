"""Accounts — /api/v1/auth and /api/v1/me."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_limiter.util import get_remote_address

from marketplace.api import Blueprint
from marketplace.authn import current_token, require_user
from marketplace.extensions import limiter
from marketplace.schemas.auth import RegisterSchema, SessionSchema, TokenRequestSchema, UserSchema
from marketplace.services import accounts

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Accounts and tokens")


def _login_key() -> str:
    body = request.get_json(silent=True)
    login = body.get("login") if isinstance(body, dict) else None
    if not isinstance(login, str) or not login.strip():
        return f"address:{get_remote_address()}"
    return "login:" + "".join(login.split()).lower()


def _failed(response) -> bool:
    return response.status_code == 401


@blp.route("/auth/register")
class Register(MethodView):
    decorators = [
        limiter.limit(
            lambda: current_app.config["RATELIMIT_REGISTER"], scope="register", methods=["POST"]
        )
    ]

    @blp.arguments(RegisterSchema)
    @blp.response(201, SessionSchema)
    def post(self, data):
        """Create an account (buyer or artisan) and sign in."""
        user, token = accounts.register(**data)
        return {"user": user, "token": token}


@blp.route("/auth/token")
class Token(MethodView):
    decorators = [
        limiter.limit(
            lambda: current_app.config["RATELIMIT_LOGIN_FAILURES"],
            key_func=_login_key,
            scope="login-failures",
            deduct_when=_failed,
            methods=["POST"],
        ),
        limiter.limit(
            lambda: current_app.config["RATELIMIT_LOGIN_FAILURES_PER_ADDRESS"],
            scope="login-address-failures",
            deduct_when=_failed,
            methods=["POST"],
        ),
    ]

    @blp.arguments(TokenRequestSchema)
    @blp.response(200, SessionSchema)
    def post(self, data):
        """Sign in with an email or a phone number; answers a bearer token."""
        user, token = accounts.sign_in(data["login"], data["password"])
        return {"user": user, "token": token}

    @blp.response(204)
    def delete(self):
        """Sign out: the token used for this call stops working."""
        require_user()
        accounts.revoke_token(current_token())


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserSchema)
    def get(self):
        """The signed-in user."""
        return require_user()
