"""Accounts — /api/v1/auth and /api/v1/me.

POST   /auth/register                  anyone      create an account, signed in
POST   /auth/token · DELETE            anyone      sign in · sign out
POST   /auth/password-reset            anyone      202 always: a code by SMS or e-mail
POST   /auth/password-reset/confirm    anyone      204: new password, every token revoked
GET    /me · PATCH /me                 signed in   the caller; name, locale, notify channels
"""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView

from marketplace.extensions import limiter
from marketplace.schemas.auth import (
    PasswordResetConfirmSchema,
    PasswordResetRequestedSchema,
    PasswordResetRequestSchema,
    ProfileUpdateSchema,
    RegisterSchema,
    SessionSchema,
    TokenRequestSchema,
    UserSchema,
)
from marketplace.services import accounts
from marketplace.web.api import Blueprint, may_answer
from marketplace.web.authentication import current_token, require_user
from marketplace.web.request_rules import sign_in_first
from marketplace.web.sign_in_throttle import (
    throttle_failed_sign_ins,
    throttle_password_reset_requests,
)

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


@blp.route("/auth/password-reset")
class PasswordReset(MethodView):
    decorators = [throttle_password_reset_requests(_typed_login)]

    @may_answer(429)
    @blp.arguments(PasswordResetRequestSchema)
    @blp.response(202, PasswordResetRequestedSchema)
    def post(self, data):
        """Send a 6-digit code to the login: by text message to a phone, by e-mail to an
        e-mail address. 202 whether or not the account exists."""
        accounts.request_reset(data["login"])
        return {"message": "If an account has this login, a code is on its way to it."}


@blp.route("/auth/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    # A wrong code is a failed sign-in: it spends the same budget.
    decorators = [throttle_failed_sign_ins(_typed_login, failed_status=400)]

    @may_answer(429)
    @blp.arguments(PasswordResetConfirmSchema)
    @blp.response(204)
    def post(self, data):
        """Set a new password with the code; every token of the account stops working.
        400 `invalid_code` for a wrong, used or expired code (five wrong tries void it)."""
        accounts.confirm_reset(data["login"], data["code"], data["password"])


@blp.route("/me")
class Me(MethodView):
    @sign_in_first()
    @blp.response(200, UserSchema)
    def get(self):
        """The signed-in user."""
        return require_user()

    @sign_in_first()
    @blp.arguments(ProfileUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, changes):
        """Change the caller's name, language (`vi`, `en`) and notification channels
        (`notify: {sms, email}`)."""
        return accounts.update_profile(require_user(), **changes)
