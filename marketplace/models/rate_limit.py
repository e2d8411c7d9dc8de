"""Rate-limit counters kept in the database, so that every worker counts the same requests."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.models.base import UTCDateTime, db


class RateLimitCounter(db.Model):
    """One fixed window of one limit: how many hits it has taken and when it ends."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    count: Mapped[int] = mapped_column(sa.Integer)
    # Indexed: expired windows are deleted in bulk by this column.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
