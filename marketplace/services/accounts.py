"""Accounts: registration, sign-in and bearer tokens."""

from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.errors import Conflict, DomainError
from marketplace.extensions import db
from marketplace.models import ApiToken, User
from marketplace.models.base import utcnow
from marketplace.services.phones import InvalidPhone, normalise_phone
from marketplace.web.authentication import hash_token


class InvalidCredentials(DomainError):
    status, code, message = 401, "invalid_credentials", "The login or the password is wrong."


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _issue_token(user: User) -> str:
    raw = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=hash_token(raw)))
    return raw


def register(
    *,
    name: str,
    password: str,
    role: str,
    email: str | None = None,
    phone: str | None = None,
    locale: str = "vi",
) -> tuple[User, str]:
    """Create an account with a fresh token; 409 ``account_exists`` if the email or phone is taken.

    ``phone`` must already be normalised (the schema does it).
    """
    taken = db.session.scalar(
        db.select(User.id).where(
            db.or_(
                User.email == email if email else db.false(),
                User.phone == phone if phone else db.false(),
            )
        )
    )
    if taken:
        raise Conflict("An account with this email or phone already exists.", code="account_exists")
    user = User(
        name=name,
        email=email,
        phone=phone,
        role=role,
        locale=locale,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    token = _issue_token(user)
    try:
        db.session.commit()
    except IntegrityError as exc:  # a concurrent registration won the race
        db.session.rollback()
        raise Conflict(
            "An account with this email or phone already exists.", code="account_exists"
        ) from exc
    return user, token


def login_identity(login: str) -> str:
    """The account a typed login names, however it was typed, for counting failed sign-ins:
    ``0912 345 678``, ``+84 912 345 678`` and ``84912345678`` are one phone, emails ignore case."""
    login = login.strip()
    if "@" in login:
        return "email:" + login.lower()
    try:
        return "phone:" + normalise_phone(login)
    except InvalidPhone:
        return "other:" + "".join(login.split()).lower()


def find_by_login(login: str) -> User | None:
    """The account whose e-mail or phone is ``login`` (typed in any usual form), or None."""
    kind, _, value = login_identity(login).partition(":")
    if kind == "email":
        return db.session.scalar(db.select(User).where(User.email == value))
    if kind == "phone":
        return db.session.scalar(db.select(User).where(User.phone == value))
    return None


# Checked against when the login is unknown, so both answers take as long.
_DUMMY_HASH = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_hex(8))
    return _DUMMY_HASH


def authenticate(login: str, password: str) -> User:
    """The account with this email or phone and password; the same 401 for any mistake."""
    user = find_by_login(login)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        raise InvalidCredentials()
    if not check_password_hash(user.password_hash, password):
        raise InvalidCredentials()
    return user


def update_profile(
    user: User,
    *,
    name: str | None = None,
    locale: str | None = None,
    notify: dict | None = None,
) -> User:
    """The user's own edit of their name, language and notification channels."""
    if name is not None:
        user.name = name
    if locale is not None:
        user.locale = locale
    if notify:
        if "sms" in notify:
            user.notify_sms = notify["sms"]
        if "email" in notify:
            user.notify_email = notify["email"]
    db.session.commit()
    return user


def sign_in(login: str, password: str) -> tuple[User, str]:
    """A new token for the account with this email or phone; the same 401 for any mistake."""
    user = authenticate(login, password)
    token = _issue_token(user)
    db.session.commit()
    return user, token


def revoke_token(token: ApiToken) -> None:
    """The token stops working at once."""
    token.revoked_at = utcnow()
    db.session.commit()


def create_user(
    *, name: str, password: str, role: str, email: str | None, phone: str | None
) -> User:
    """An account made by an operator (officers and admins); no token."""
    if phone:
        phone = normalise_phone(phone)
    if email:
        email = email.strip().lower()
    user, _ = register(name=name, password=password, role=role, email=email, phone=phone)
    return user
