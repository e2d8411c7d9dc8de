"""A buyer's account from the pages: sign up, and a new password with a code.

Both go through the same accounts service and rules as the API (/api/v1/auth/register and
/auth/password-reset): the API's RegisterSchema parses the login (a phone number as
services/phones reads it, or an e-mail address); the reset request and a wrong code are throttled
by the same budgets as the API's. The messages are the pages' own, short, beside their field.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import EXCLUDE, ValidationError

from marketplace.blueprints.pages.present import page_language
from marketplace.blueprints.pages.session import safe_next, start_session
from marketplace.errors import Conflict
from marketplace.extensions import limiter
from marketplace.schemas.auth import PasswordResetConfirmSchema, RegisterSchema
from marketplace.services import accounts
from marketplace.web.sign_in_throttle import (
    throttle_failed_sign_ins,
    throttle_password_reset_requests,
)

UNPROCESSABLE = 422
MAX_TYPED = 254  # what is sent back into a form: never more than a login can be


def _typed(name: str, limit: int = MAX_TYPED) -> str:
    return request.form.get(name, "")[:limit]


def _typed_login() -> str | None:
    return request.form.get("login")


def _has_nul(*names: str) -> bool:
    # PostgreSQL refuses NUL in text: such input is a form error, never a 500.
    return any("\x00" in request.form.get(name, "") for name in names)


# --- sign up -----------------------------------------------------------------------------------


def _register_messages() -> dict[str, str]:
    return {
        "name": _("Write your name."),
        "login": _("Write a phone number (like 0912 345 678) or an e-mail address."),
        "password": _("The password needs at least 8 characters."),
    }


def _register_errors(exc: ValidationError) -> dict[str, list[str]]:
    """The schema's fields (``email``, ``phone``) as the form's (``login``), in plain words."""
    messages = _register_messages()
    errors: dict[str, list[str]] = {}
    for field in exc.messages if isinstance(exc.messages, dict) else {}:
        name = "login" if field in ("email", "phone") else field
        if name in messages:
            errors[name] = [messages[name]]
    return errors or {"_form": [_("Some details are not valid")]}


@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER"], scope="register", methods=["POST"])
def register():
    """The sign-up form; an account for a buyer, signed in, then back to ``next``."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(target)
        return render_template("pages/register.html", next=target, form={}, errors={})
    form = {"name": _typed("name", 120), "login": _typed("login")}
    login = form["login"].strip()
    data = {
        "name": request.form.get("name", ""),
        "password": request.form.get("password", ""),
        "role": "buyer",
        "locale": page_language(),
        ("email" if "@" in login else "phone"): login or None,
    }
    try:
        refused = [name for name in ("name", "login", "password") if _has_nul(name)]
        if refused:
            raise ValidationError({name: ["NUL"] for name in refused})
        loaded = RegisterSchema().load(data, unknown=EXCLUDE)
        user, _token = accounts.register(**loaded, with_token=False)
    except ValidationError as exc:
        errors = _register_errors(exc)
    except Conflict:
        errors = {"login": [_("This phone number or e-mail already has an account.")]}
    else:
        start_session(user)
        return redirect(target)
    page = render_template("pages/register.html", next=target, form=form, errors=errors)
    return page, UNPROCESSABLE


# --- a new password with a code ----------------------------------------------------------------


@throttle_password_reset_requests(_typed_login)
def password_reset():
    """Step 1: the login; a code is sent to it (the same answer whether an account has it)."""
    if request.method == "GET":
        done = request.args.get("done") == "1"
        return render_template(
            "pages/password_reset.html", step=3 if done else 1, form={}, errors={}
        )
    login = _typed("login").strip()
    if not login:
        errors = {"login": [_("Write your phone number or e-mail address.")]}
        page = render_template("pages/password_reset.html", step=1, form={}, errors=errors)
        return page, UNPROCESSABLE
    if not _has_nul("login"):
        accounts.request_reset(login)
    by_phone = "@" not in login
    return render_template(
        "pages/password_reset.html", step=2, form={"login": login}, by_phone=by_phone, errors={}
    )


@throttle_failed_sign_ins(_typed_login, failed_status=UNPROCESSABLE)
def password_reset_confirm():
    """Step 2: the code and a new password; then signed in (the code proved the account)."""
    form = {"login": _typed("login"), "code": _typed("code", 20)}
    errors: dict[str, list[str]] = {}
    try:
        if _has_nul("login"):
            raise ValidationError({"login": ["NUL"]})
        data = PasswordResetConfirmSchema().load(request.form.to_dict(), unknown=EXCLUDE)
        accounts.confirm_reset(data["login"], data["code"], data["password"])
    except ValidationError as exc:
        fields = exc.messages if isinstance(exc.messages, dict) else {}
        if "login" in fields:
            errors["login"] = [_("Write your phone number or e-mail address.")]
        if "code" in fields:
            errors["code"] = [_("Write the 6 numbers of the code.")]
        if "password" in fields:
            errors["password"] = [_("The password needs at least 8 characters.")]
    except accounts.InvalidCode:
        errors["code"] = [_("This code is wrong or too old. Check it, or ask for a new code.")]
    else:
        user = accounts.find_by_login(data["login"])
        if user is not None:
            start_session(user)
        return redirect(url_for("pages.password_reset", done=1), 303)
    page = render_template(
        "pages/password_reset.html",
        step=2,
        form=form,
        by_phone="@" not in form["login"],
        errors=errors,
    )
    return page, UNPROCESSABLE
