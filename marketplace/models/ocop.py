"""OCOP applications, the certificates they become, and curated collections."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.models.base import IdMixin, TimestampMixin, UTCDateTime, db, utcnow
from marketplace.models.media import Media
from marketplace.models.product import Product

ocop_evidence = sa.Table(
    "ocop_evidence",
    db.metadata,
    sa.Column("application_id", sa.ForeignKey("ocop_applications.id"), primary_key=True),
    sa.Column("media_id", sa.ForeignKey("media.id"), primary_key=True),
)


class OcopApplication(IdMixin, db.Model):
    __tablename__ = "ocop_applications"
    __table_args__ = (
        sa.CheckConstraint("stars BETWEEN 3 AND 5", name="stars"),
        sa.CheckConstraint("expires_on > issued_on", name="dates"),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
        # At most one application per product waits for review, even when two race.
        sa.Index(
            "uq_ocop_applications_pending_product",
            "product_id",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    product_id: Mapped[str] = mapped_column(sa.ForeignKey("products.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)
    claimed_stars: Mapped[int] = mapped_column(sa.Integer)
    stars: Mapped[int] = mapped_column(sa.Integer)
    certificate_number: Mapped[str] = mapped_column(sa.String(80))
    issuer: Mapped[str] = mapped_column(sa.String(200))
    issued_on: Mapped[date] = mapped_column(sa.Date)
    expires_on: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text)
    submitted_by: Mapped[str] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_by: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship()
    evidence: Mapped[list[Media]] = relationship(
        secondary=ocop_evidence, order_by=[Media.created_at, Media.id]
    )


class OcopCertificate(IdMixin, db.Model):
    """A certificate granted by an approved application; one is current per product."""

    __tablename__ = "ocop_certificates"
    __table_args__ = (
        sa.CheckConstraint("stars BETWEEN 3 AND 5", name="stars"),
        # A product has at most one current certificate; older ones stay as history.
        sa.Index(
            "uq_ocop_certificates_current_product",
            "product_id",
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        ),
    )

    product_id: Mapped[str] = mapped_column(sa.ForeignKey("products.id"), index=True)
    application_id: Mapped[str] = mapped_column(sa.ForeignKey("ocop_applications.id"))
    stars: Mapped[int] = mapped_column(sa.Integer)
    certificate_number: Mapped[str] = mapped_column(sa.String(80))
    issuer: Mapped[str] = mapped_column(sa.String(200))
    issued_on: Mapped[date] = mapped_column(sa.Date)
    expires_on: Mapped[date] = mapped_column(sa.Date, index=True)
    is_current: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Collection(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "collections"

    slug: Mapped[str] = mapped_column(sa.String(140), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    created_by: Mapped[str] = mapped_column(sa.ForeignKey("users.id"))

    items: Mapped[list[CollectionItem]] = relationship(
        order_by="CollectionItem.position", cascade="all, delete-orphan"
    )


class CollectionItem(db.Model):
    __tablename__ = "collection_items"

    collection_id: Mapped[str] = mapped_column(sa.ForeignKey("collections.id"), primary_key=True)
    product_id: Mapped[str] = mapped_column(sa.ForeignKey("products.id"), primary_key=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)

    product: Mapped[Product] = relationship()
