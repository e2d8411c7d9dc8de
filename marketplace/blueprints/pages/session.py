"""Signing in and out of the pages with Flask-Login's session cookie.

The form carries Flask-WTF's CSRF token (a POST without it is a 400 page). Every failure gives
the same answer, so the form never tells whether an account exists; failures are throttled like
the API's token endpoint. ``next`` is followed only to a path of this site.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from marketplace.services import accounts
from marketplace.web.sign_in_throttle import FAILED, throttle_failed_sign_ins


def _storable(value: str) -> None:
    # PostgreSQL refuses NUL in text: such a login must fail like any other, never a 500.
    if "\x00" in value:
        raise ValidationError("Must not contain NUL characters.")


class SignInForm(Schema):
    login = fields.String(required=True, validate=[validate.Length(min=1, max=254), _storable])
    password = fields.String(required=True, validate=[validate.Length(min=1, max=1024), _storable])


def safe_next(target: str | None) -> str:
    """``target`` when it is a path of this site (``/products/…?x=1``), else the home page.

    Refused: absolute URLs, scheme-relative ``//host``, ``/\\host`` (browsers read a backslash
    as a slash), and control characters (browsers drop tabs and newlines: ``/\\t/host``).
    """
    home = url_for("pages.home")
    if not target or len(target) > 2000 or not target.startswith("/"):
        return home
    if target.startswith(("//", "/\\")) or "\\" in target:
        return home
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return home
    return target


@throttle_failed_sign_ins(lambda: request.form.get("login"))
def signin():
    """The sign-in form; on success a fresh session for the account, then back to ``next``."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(target)
        return render_template("pages/signin.html", next=target, login="")
    try:
        form = SignInForm().load(request.form.to_dict(), unknown=EXCLUDE)
        user = accounts.authenticate(form["login"], form["password"])
    except (ValidationError, accounts.InvalidCredentials):
        typed = request.form.get("login", "")[:254]
        page = render_template("pages/signin.html", next=target, login=typed, failed=True)
        return page, FAILED
    start_session(user)
    return redirect(target)


def start_session(user) -> None:
    """Sign ``user`` in to a fresh session: nothing from before signing in (an earlier
    account, its CSRF token) carries over."""
    session.clear()
    login_user(user)


def signout():
    """GET asks (a link cannot sign anyone out by surprise); POST signs out."""
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("pages.home"))
        return render_template("pages/signout.html")
    logout_user()
    session.clear()
    return redirect(url_for("pages.home"))
