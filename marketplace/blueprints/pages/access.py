"""Who may open a page: anonymous visitors go to sign in and come back; the wrong role gets a
403 page that says why (in the page's language)."""

from __future__ import annotations

from functools import wraps

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.errors import Forbidden


def _back_here() -> str:
    return request.full_path if request.query_string else request.path


def signed_in(view):
    """The page needs an account: ``/signin?next=<this page>`` for anonymous visitors."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("pages.signin", next=_back_here()))
        return view(*args, **kwargs)

    return wrapper


def for_roles(*roles: str, why: str):
    """The page is for these roles only; ``why`` tells anyone else (an English msgid)."""

    def decorate(view):
        @wraps(view)
        @signed_in
        def wrapper(*args, **kwargs):
            if current_user.role not in roles:
                raise Forbidden(_(why))
            return view(*args, **kwargs)

        return wrapper

    return decorate
