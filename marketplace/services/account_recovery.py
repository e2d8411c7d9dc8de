"""Account recovery: a 6-digit code sent to the login's phone or e-mail, then a new password.

A code is valid 15 minutes and for one use; five wrong tries void it, and so does a newer
request. Requests answer the same whether or not the account exists (nothing reveals one), and
are throttled per login and per address by the web layer. A reset revokes every token.

The code is never stored, not even hashed: a hash of a 6-digit code is undone by trying the
million codes. It is derived instead: HMAC-SHA256 of the reset's random nonce under a key derived
from the app's SECRET_KEY, reduced to 6 digits (``reset_code``). A copy of the database alone
reveals no code, and the outbox row waiting to carry it holds none: the worker derives it when
it sends the message.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from marketplace.errors import DomainError, NotFound
from marketplace.extensions import db
from marketplace.models import ApiToken, PasswordReset, User
from marketplace.models.base import new_id, utcnow
from marketplace.services import accounts
from marketplace.services.notifications import outbox

CODE_LIFETIME = timedelta(minutes=15)
MAX_TRIES = 5


class InvalidCode(DomainError):
    status, code, message = 400, "invalid_code", "The code is wrong, used or expired."


def reset_code(secret_key: str, nonce: str) -> str:
    """The 6-digit code of the reset with this nonce."""
    key = hmac.digest(secret_key.encode(), b"password-reset-code", "sha256")
    digest = hmac.digest(key, nonce.encode(), "sha256")
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def request_reset(login: str) -> None:
    """Send a fresh code to the account of ``login`` by its kind: a text message to a phone,
    an e-mail to an e-mail address; earlier codes are void. Nothing happens for an unknown
    login, and the caller cannot tell."""
    user = accounts.find_by_login(login)
    if user is None:
        db.session.rollback()
        return
    kind = accounts.login_identity(login).partition(":")[0]
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
    user = accounts.find_by_login(login)
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
    user = accounts.find_by_login(login)
    if user is None:
        raise NotFound("No account has this e-mail or phone.", code="account_not_found")
    _set_password(user, password, utcnow())
    db.session.commit()
    return user


def _set_password(user: User, password: str, now) -> None:
    user.password_hash = accounts.hash_password(password)
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
