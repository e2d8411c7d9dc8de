"""Accounts — /api/v1/auth and /api/v1/me."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView

from marketplace.extensions import limiter
from marketplace.schemas.auth import RegisterSchema, SessionSchema, TokenRequestSchema, UserSchema
from marketplace.services import accounts
from marketplace.web.api import Blueprint, may_answer
from marketplace.web.authentication import current_token, require_user
from marketplace.web.request_rules import sign_in_first
from marketplace.web.sign_in_throttle import throttle_failed_sign_ins

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Accounts and tokens")


def _typed_login():
    body = request.get_json(silent=True)
    return body.get("login") if isinstance(body, dict) else None


@blp.route("/auth/register")
class Register(MethodView):
    decorators = [
        limiter.limit(
            lambda: current_app.config["RATELIMIT_REGISTER"], scope="register", methods=["POST"]
        )
    ]

    @may_answer(409, 429)
    @blp.arguments(RegisterSchema)
    @blp.response(201, SessionSchema)
    def post(self, data):
        """Create an account (buyer or artisan) and sign in."""
        user, token = accounts.register(**data)
        return {"user": user, "token": token}


@blp.route("/auth/token")
class Token(MethodView):
    decorators = [throttle_failed_sign_ins(_typed_login)]

    @may_answer(401, 429)
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, SessionSchema)
    def post(self, data):
        """Sign in with an email or a phone number; answers a bearer token."""
        user, token = accounts.sign_in(data["login"], data["password"])
        return {"user": user, "token": token}

    @sign_in_first()
    @blp.response(204)
    def delete(self):
        """Sign out: the token used for this call stops working."""
        require_user()
        accounts.revoke_token(current_token())


@blp.route("/me")
class Me(MethodView):
    @sign_in_first()
    @blp.response(200, UserSchema)
    def get(self):
        """The signed-in user."""
        return require_user()
