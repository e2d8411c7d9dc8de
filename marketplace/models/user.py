"""Accounts, their API tokens and their password reset codes."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.models.base import IdMixin, UTCDateTime, db, utcnow


class Role(enum.StrEnum):
    BUYER = "buyer"
    ARTISAN = "artisan"
    OFFICER = "officer"
    ADMIN = "admin"


class User(IdMixin, UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="has_login"),
        sa.CheckConstraint("role IN ('buyer', 'artisan', 'officer', 'admin')", name="role"),
    )

    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16), default=Role.BUYER.value)
    locale: Mapped[str] = mapped_column(sa.String(10), default="vi")
    # How notifications reach the user besides the in-app list: a text message to their phone,
    # an e-mail to their address (each only when they have one).
    notify_sms: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())
    notify_email: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    @property
    def is_staff(self) -> bool:
        """Officers and admins: the trade office."""
        return self.role in (Role.OFFICER, Role.ADMIN)


class ApiToken(IdMixin, db.Model):
    """A bearer token; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="tokens")


class PasswordReset(IdMixin, db.Model):
    """A password reset code sent to the account's phone or e-mail.

    The code itself is never stored: it is derived from ``nonce`` with the app's secret key
    (services/accounts), so a copy of the database reveals no code, and the message
    waiting in the outbox holds none either.
    """

    __tablename__ = "password_resets"
    __table_args__ = (
        sa.CheckConstraint("channel IN ('sms', 'email')", name="channel"),
        sa.CheckConstraint("attempts >= 0", name="attempts"),
    )

    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(8))
    nonce: Mapped[str] = mapped_column(sa.String(64))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A newer request, five wrong tries, or a completed reset void a code.
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
