"""Stored files: the database keeps where and what, never the bytes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.models.base import IdMixin, UTCDateTime, db, utcnow


class Media(IdMixin, db.Model):
    __tablename__ = "media"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('image', 'video')", name="kind"),
        sa.CheckConstraint("status IN ('pending', 'ready')", name="status"),
    )

    owner_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    width: Mapped[int | None] = mapped_column(sa.Integer)
    height: Mapped[int | None] = mapped_column(sa.Integer)
    checksum: Mapped[str | None] = mapped_column(sa.String(64))
    backend: Mapped[str] = mapped_column(sa.String(10))
    key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    # {"thumb": key, "medium": key} once the image has been processed.
    variant_keys: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
