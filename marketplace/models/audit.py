"""The audit trail of officer and admin actions: rows are only ever inserted."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.models.base import IdMixin, UTCDateTime, db, utcnow


class AuditEntry(IdMixin, db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        sa.Index("ix_audit_entries_created", "created_at", "id"),
        sa.Index("ix_audit_entries_target", "target_type", "target_id", "created_at"),
    )

    actor_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    details: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
