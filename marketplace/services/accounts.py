"""Accounts: registration, sign-in, bearer tokens, profiles and account recovery by code."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.errors import Conflict, DomainError, NotFound
from marketplace.extensions import db
from marketplace.messages import N_
from marketplace.models import ApiToken, PasswordReset, User
from marketplace.models.base import new_id, utcnow
from marketplace.services.notifications import outbox
from marketplace.services.phones import InvalidPhone, normalise_phone
from marketplace.services.text import normalise_email


class InvalidCredentials(DomainError):
    status, code, message = 401, "invalid_credentials", N_("The login or the password is wrong.")


def hash_token(raw: str) -> str:
    """What is stored of a bearer token: its SHA-256 (a token is random, so no salt is needed)."""
    return hashlib.sha256(raw.encode()).hexdigest()


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
    with_token: bool = True,
) -> tuple[User, str | None]:
    """Create an account with a fresh token; 409 ``account_exists`` if the email or phone is taken.

    ``phone`` must already be normalised (the schema does it); ``email`` is stored normalised.
    ``with_token=False`` (the pages, signed in by their session cookie): no bearer token.
    """
    email = normalise_email(email) if email else None
    taken = db.session.scalar(
        db.select(User.id).where(
            db.or_(
                User.email == email if email else db.false(),
                User.phone == phone if phone else db.false(),
            )
        )
    )
    if taken:
        raise Conflict(
            N_("An account with this email or phone already exists."), code="account_exists"
        )
    user = User(
        name=name,
        email=email,
        phone=phone,
        role=role,
        locale=locale,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    token = _issue_token(user) if with_token else None
    try:
        db.session.commit()
    except IntegrityError as exc:  # a concurrent registration won the race
        db.session.rollback()
        raise Conflict(
            N_("An account with this email or phone already exists."), code="account_exists"
        ) from exc
    return user, token


def login_identity(login: str) -> str:
    """The account a typed login names, however it was typed, for counting failed sign-ins:
    ``0912 345 678``, ``+84 912 345 678`` and ``84912345678`` are one phone; emails ignore case
    and compatibility forms (``ｂａｓｅX＠x.example`` is ``basex@x.example``)."""
    login = unicodedata.normalize("NFKC", login).strip()
    if "@" in login:
        return "email:" + normalise_email(login)
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
    user, _ = register(name=name, password=password, role=role, email=email, phone=phone)
    return user


# --- account recovery ----------------------------------------------------------------------
# Account recovery: a 6-digit code sent to the login's phone or e-mail, then a new password.
#
# A code is valid 15 minutes and for one use; five wrong tries void it, and so does a newer
# request. Requests answer the same whether or not the account exists (nothing reveals one), and
# are throttled per login and per address by the web layer. A reset revokes every token.
#
# The code is never stored, not even hashed: a hash of a 6-digit code is undone by trying the
# million codes. It is derived instead: HMAC-SHA256 of the reset's random nonce under a key derived
# from the app's SECRET_KEY, reduced to 6 digits (``reset_code``). A copy of the database alone
# reveals no code, and the outbox row waiting to carry it holds none: the worker derives it when
# it sends the message.

CODE_LIFETIME = timedelta(minutes=15)
MAX_TRIES = 5


class InvalidCode(DomainError):
    status, code, message = 400, "invalid_code", N_("The code is wrong, used or expired.")


def reset_code(secret_key: str, nonce: str) -> str:
    """The 6-digit code of the reset with this nonce."""
    key = hmac.digest(secret_key.encode(), b"password-reset-code", "sha256")
    digest = hmac.digest(key, nonce.encode(), "sha256")
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def request_reset(login: str) -> None:
    """Send a fresh code to the account of ``login`` by its kind: a text message to a phone,
    an e-mail to an e-mail address; earlier codes are void. Nothing happens for an unknown
    login, and the caller cannot tell."""
    user = find_by_login(login)
    if user is None:
        db.session.rollback()
        return
    kind = login_identity(login).partition(":")[0]
    channel, address = ("sms", user.phone) if kind == "phone" else ("email", user.email)
    now = utcnow()
    _void_open_codes(user.id, now)
    reset = PasswordReset(
        id=new_id(),
        user_id=user.id,
        channel=channel,
        nonce=secrets.token_hex(16),
        attempts=0,
        expires_at=now + CODE_LIFETIME,
        created_at=now,
    )
    db.session.add(reset)
    db.session.flush()
    outbox.queue_password_reset(reset.id, channel, address)
    db.session.commit()


def confirm_reset(login: str, code: str, password: str) -> None:
    """Set a new password with the code sent for ``login``, and revoke every token; 400
    ``invalid_code`` for a wrong, used, void or expired code (each wrong try counts)."""
    user = find_by_login(login)
    now = utcnow()
    reset = None
    if user is not None:
        reset = db.session.scalar(
            sa.select(PasswordReset)
            .where(
                PasswordReset.user_id == user.id,
                PasswordReset.used_at.is_(None),
                PasswordReset.voided_at.is_(None),
                PasswordReset.expires_at > now,
            )
            .order_by(PasswordReset.created_at.desc(), PasswordReset.id.desc())
            .limit(1)
        )
    if reset is None:
        db.session.rollback()
        raise InvalidCode()
    # Take the try before looking at the code, with one guarded UPDATE: guesses racing in
    # parallel still get five tries in all, not five each.
    open_code = sa.and_(
        PasswordReset.id == reset.id,
        PasswordReset.used_at.is_(None),
        PasswordReset.voided_at.is_(None),
    )
    took_try = _execute(
        sa.update(PasswordReset)
        .where(open_code, PasswordReset.attempts < MAX_TRIES)
        .values(attempts=PasswordReset.attempts + 1)
    )
    expected = reset_code(current_app.config["SECRET_KEY"], reset.nonce)
    typed = "".join(code.split())
    if not took_try or not hmac.compare_digest(typed.encode(), expected.encode()):
        _execute(
            sa.update(PasswordReset)
            .where(open_code, PasswordReset.attempts >= MAX_TRIES)
            .values(voided_at=now)
        )
        db.session.commit()
        raise InvalidCode()
    if not _execute(sa.update(PasswordReset).where(open_code).values(used_at=now)):
        db.session.rollback()
        raise InvalidCode()
    _set_password(user, password, now)
    db.session.commit()


def operator_reset(login: str, password: str) -> User:
    """An operator sets a new password for the account of ``login`` (``flask users
    reset-password``); every token is revoked and open codes are void. 404 when unknown."""
    user = find_by_login(login)
    if user is None:
        raise NotFound(N_("No account has this e-mail or phone."), code="account_not_found")
    _set_password(user, password, utcnow())
    db.session.commit()
    return user


def _set_password(user: User, password: str, now) -> None:
    user.password_hash = hash_password(password)
    _execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    _void_open_codes(user.id, now)


def _void_open_codes(user_id: str, now) -> None:
    _execute(
        sa.update(PasswordReset)
        .where(
            PasswordReset.user_id == user_id,
            PasswordReset.used_at.is_(None),
            PasswordReset.voided_at.is_(None),
        )
        .values(voided_at=now)
    )


def _execute(stmt) -> int:
    return db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount
