"""Categories, products, their variants and their image galleries."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.models.base import IdMixin, TimestampMixin, db
from marketplace.models.media import Media
from marketplace.models.shop import Shop

if TYPE_CHECKING:
    from marketplace.models.ocop import OcopCertificate

PRODUCT_STATUSES = ("draft", "active", "archived", "suspended")

# Crockford's base32: digits and capitals without I, L, O and U, which people misread or
# mistype; 8 of them (40 bits) print large on a label and type easily on a phone.
TRACE_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACE_CODE_LENGTH = 8


def new_trace_code() -> str:
    """A random trace code (the catalog makes sure a new product's is not taken)."""
    return "".join(secrets.choice(TRACE_CODE_ALPHABET) for _ in range(TRACE_CODE_LENGTH))


class Category(IdMixin, db.Model):
    __tablename__ = "categories"

    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    parent_id: Mapped[str | None] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)

    parent: Mapped[Category | None] = relationship(remote_side="Category.id")


class Product(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "products"
    __table_args__ = (
        sa.CheckConstraint("status IN ('draft', 'active', 'archived', 'suspended')", name="status"),
        sa.CheckConstraint("price > 0", name="price_positive"),
        sa.CheckConstraint("weight_grams IS NULL OR weight_grams > 0", name="weight"),
        sa.Index("ix_products_listing", "status", "created_at", "id"),
        sa.Index("ix_products_shop_listing", "shop_id", "status", "created_at"),
        sa.Index("ix_products_price", "status", "price", "id"),
        # Substring search (LIKE '%…%') on PostgreSQL; SQLite scans, which is fine at its scale.
        sa.Index(
            "ix_products_text_search_trgm",
            "text_search",
            postgresql_using="gin",
            postgresql_ops={"text_search": "gin_trgm_ops"},
            info={"only_on": "postgresql"},
        ).ddl_if(dialect="postgresql"),
        # Typo-tolerant title search (word similarity, `<%`) on PostgreSQL.
        sa.Index(
            "ix_products_title_search_trgm",
            "title_search",
            postgresql_using="gin",
            postgresql_ops={"title_search": "gin_trgm_ops"},
            info={"only_on": "postgresql"},
        ).ddl_if(dialect="postgresql"),
        # Titles starting with a search (relevance's first rank, LIKE 'phrase%') on PostgreSQL:
        # a range of this index, where the trigram index returns every title holding its words.
        sa.Index(
            "ix_products_title_prefix",
            "title_search",
            postgresql_ops={"title_search": "varchar_pattern_ops"},
            info={"only_on": "postgresql"},
        ).ddl_if(dialect="postgresql"),
    )

    shop_id: Mapped[str] = mapped_column(sa.ForeignKey("shops.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    category_id: Mapped[str | None] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="active")
    # The lowest price of the active variants, kept by the catalog service so that
    # lists can sort and filter on it with an index.
    price: Mapped[int] = mapped_column(sa.Integer)
    weight_grams: Mapped[int | None] = mapped_column(sa.Integer)
    # Lower-case, diacritics folded: what search compares against, kept by the catalog service.
    title_search: Mapped[str] = mapped_column(sa.String(200), default="")
    text_search: Mapped[str] = mapped_column(sa.Text, default="")
    suspension_reason: Mapped[str | None] = mapped_column(sa.Text)
    status_before_suspension: Mapped[str | None] = mapped_column(sa.String(12))
    # What the printed label's QR code and /t/<trace_code> name: set once, never changed.
    trace_code: Mapped[str] = mapped_column(
        sa.String(TRACE_CODE_LENGTH), unique=True, default=new_trace_code
    )

    shop: Mapped[Shop] = relationship()
    category: Mapped[Category | None] = relationship()
    variants: Mapped[list[ProductVariant]] = relationship(
        back_populates="product", order_by="ProductVariant.position"
    )
    gallery: Mapped[list[ProductImage]] = relationship(
        order_by="ProductImage.position", cascade="all, delete-orphan"
    )
    # The certificate shown as the product's ``ocop`` (at most one is current per product),
    # so that lists can join it instead of looking it up in a query of its own.
    current_certificate: Mapped[OcopCertificate | None] = relationship(
        primaryjoin="and_(OcopCertificate.product_id == Product.id, "
        "OcopCertificate.is_current.is_(True))",
        viewonly=True,
        uselist=False,
    )


class ProductVariant(IdMixin, db.Model):
    __tablename__ = "product_variants"
    __table_args__ = (
        sa.CheckConstraint("price > 0", name="price_positive"),
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
        sa.CheckConstraint("status IN ('active', 'archived')", name="status"),
    )

    product_id: Mapped[str] = mapped_column(sa.ForeignKey("products.id"), index=True)
    sku: Mapped[str | None] = mapped_column(sa.String(64))
    options: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    price: Mapped[int] = mapped_column(sa.Integer)
    stock: Mapped[int] = mapped_column(sa.Integer, default=0)
    status: Mapped[str] = mapped_column(sa.String(10), default="active")
    position: Mapped[int] = mapped_column(sa.Integer, default=0)

    product: Mapped[Product] = relationship(back_populates="variants")


class ProductImage(db.Model):
    """One place in a product's ordered gallery."""

    __tablename__ = "product_images"

    product_id: Mapped[str] = mapped_column(sa.ForeignKey("products.id"), primary_key=True)
    media_id: Mapped[str] = mapped_column(sa.ForeignKey("media.id"), primary_key=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)

    media: Mapped[Media] = relationship()
