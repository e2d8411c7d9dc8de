"""Curated collections of products chosen by the trade office, e.g. "Chọn lọc cho Postmart".

A collection keeps the products in the officer's order; public reads and exports show only the
products anyone may see (active, in an active shop), so a suspension hides a product everywhere
without editing the collections that hold it. Every change is written to the audit trail.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.messages import N_, Msg
from marketplace.models import Collection, CollectionItem, Product, ProductImage, User
from marketplace.models.base import utcnow
from marketplace.pagination import SortKey, keyset_page
from marketplace.services.catalog.product_views import ProductView, product_views
from marketplace.services.catalog.products import visible_products_clause
from marketplace.services.media.uploads import public_url
from marketplace.services.text import slugify
from marketplace.services.trade_office import audit
from marketplace.services.trade_office.ocop import certificate_status, current_certificates

# Excel takes a CSV file for UTF-8 only when it starts with a byte-order mark.
BOM = "\ufeff"

LIST_KEYS = [
    SortKey(Collection.created_at, descending=True),
    SortKey(Collection.id, descending=True),
]
# Slugs and ids share one URL segment: a slug may never look like an id.
ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
SLUG_MAX = 120


@dataclass
class CollectionView:
    """A collection with the products the public may see, in the collection's order."""

    collection: Collection
    products: list[ProductView] = field(default_factory=list)


def find_collection(ref: str) -> Collection:
    """A collection by id or slug; 404 when there is none."""
    collection = db.session.scalar(
        sa.select(Collection).where(sa.or_(Collection.id == ref, Collection.slug == ref))
    )
    if collection is None:
        raise NotFound(N_("No such collection."))
    return collection


def _visible_products(collection_ids: list[str], *, with_gallery: bool = False) -> dict:
    """Each collection's visible products in order, for all the collections in one query."""
    stmt = (
        sa.select(CollectionItem.collection_id, Product)
        .join(Product, Product.id == CollectionItem.product_id)
        .where(CollectionItem.collection_id.in_(collection_ids), visible_products_clause())
        .order_by(CollectionItem.collection_id, CollectionItem.position)
        .options(selectinload(Product.shop))
    )
    if with_gallery:
        stmt = stmt.options(selectinload(Product.gallery).selectinload(ProductImage.media))
    products: dict[str, list[Product]] = defaultdict(list)
    for collection_id, product in db.session.execute(stmt):
        products[collection_id].append(product)
    return products


def _views(collections: list[Collection]) -> list[CollectionView]:
    """The collections with their visible products, all shown in one batch of queries."""
    products = _visible_products([c.id for c in collections])
    shown = iter(product_views([p for c in collections for p in products[c.id]]))
    return [CollectionView(c, [next(shown) for _ in products[c.id]]) for c in collections]


def view_collection(ref: str) -> CollectionView:
    """A collection and its visible products in order."""
    return _views([find_collection(ref)])[0]


def list_collections(*, limit: int, cursor: str | None) -> tuple[list[CollectionView], str | None]:
    """Collections newest first, each with its visible products; the same queries per page."""
    collections, next_cursor = keyset_page(
        db.session,
        sa.select(Collection),
        LIST_KEYS,
        scope="collections",
        limit=limit,
        cursor=cursor,
        key_values=lambda c: (c.created_at, c.id),
    )
    return _views(collections), next_cursor


def _check_products(product_ids: list[str]) -> None:
    """Every id names a product the office may curate (not a draft or archived one)."""
    if len(set(product_ids)) != len(product_ids):
        raise ValidationFailed.field("product_ids", N_("A product is listed twice."))
    found = set(
        db.session.scalars(
            sa.select(Product.id).where(
                Product.id.in_(product_ids), Product.status.in_(("active", "suspended"))
            )
        )
    )
    unknown = [product_id for product_id in product_ids if product_id not in found]
    if unknown:
        raise ValidationFailed.field(
            "product_ids", Msg("No such product: %(ids)s", ids=", ".join(unknown))
        )


def _set_products(collection: Collection, product_ids: list[str]) -> None:
    db.session.execute(
        sa.delete(CollectionItem).where(CollectionItem.collection_id == collection.id)
    )
    db.session.expire(collection, ["items"])
    for position, product_id in enumerate(product_ids):
        db.session.add(
            CollectionItem(collection_id=collection.id, product_id=product_id, position=position)
        )


def _free_slug(title: str) -> str:
    """The title's slug, with -2, -3, … appended while it is taken."""
    base = slugify(title, max_length=SLUG_MAX - 6) or "collection"
    if ID_PATTERN.match(base):
        base = f"collection-{base}"[: SLUG_MAX - 6]
    taken = set(
        db.session.scalars(
            sa.select(Collection.slug).where(
                sa.or_(Collection.slug == base, Collection.slug.like(f"{base}-%"))
            )
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _slug_taken(slug: str) -> Conflict:
    return Conflict(
        Msg("The slug %(slug)s is already used by another collection.", slug=repr(slug)),
        code="slug_taken",
        details={"slug": [N_("Already taken.")]},
    )


def _commit_slug(slug: str) -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:  # another officer took the slug meanwhile
        db.session.rollback()
        raise _slug_taken(slug) from exc


def create_collection(
    officer: User,
    *,
    title: str,
    product_ids: list[str],
    slug: str | None = None,
    description: str | None = None,
) -> CollectionView:
    """A new collection holding ``product_ids`` in that order; the slug is unique."""
    _check_products(product_ids)
    if slug is None:
        slug = _free_slug(title)
    elif db.session.scalar(sa.select(Collection.id).where(Collection.slug == slug)):
        raise _slug_taken(slug)
    collection = Collection(title=title, slug=slug, description=description, created_by=officer.id)
    db.session.add(collection)
    db.session.flush()
    _set_products(collection, product_ids)
    audit.record(
        officer,
        "collection.create",
        "collection",
        collection.id,
        details={"slug": slug, "title": title, "product_ids": product_ids},
    )
    _commit_slug(slug)
    return view_collection(collection.id)


def update_collection(officer: User, ref: str, **changes) -> CollectionView:
    """Edit title, slug, description, or the ordered product list (which replaces the old)."""
    collection = find_collection(ref)
    if "product_ids" in changes:
        _check_products(changes["product_ids"])
        _set_products(collection, changes["product_ids"])
    slug = changes.get("slug")
    if slug is not None and slug != collection.slug:
        clash = sa.select(Collection.id).where(
            Collection.slug == slug, Collection.id != collection.id
        )
        if db.session.scalar(clash):
            raise _slug_taken(slug)
    for name in ("title", "slug", "description"):
        if name in changes:
            setattr(collection, name, changes[name])
    collection.updated_at = utcnow()
    audit.record(officer, "collection.update", "collection", collection.id, details=changes)
    _commit_slug(collection.slug)
    return view_collection(collection.id)


def delete_collection(officer: User, ref: str) -> None:
    """The collection is gone (its products are untouched); the audit trail keeps its title."""
    collection = find_collection(ref)
    audit.record(
        officer,
        "collection.delete",
        "collection",
        collection.id,
        details={"slug": collection.slug, "title": collection.title},
    )
    db.session.delete(collection)
    db.session.commit()


# --- Export for national e-commerce floors (Postmart, Voso) ----------------------------------

EXPORT_COLUMNS = (
    "title",
    "shop",
    "commune",
    "price",
    "currency",
    "ocop_stars",
    "ocop_certificate",
    "ocop_expires_on",
    "ocop_status",
    "image_urls",
    "weight_grams",
    "product_url",
)


def export_collection(
    ref: str, *, product_url: Callable[[Product], str], currency: str
) -> tuple[Collection, list[dict]]:
    """The visible products of a collection as flat rows a marketplace can import.

    Stars and certificate are filled only while the certificate is valid: an expired one must
    not be advertised on another floor.
    """
    collection = find_collection(ref)
    products = _visible_products([collection.id], with_gallery=True)[collection.id]
    certificates = current_certificates([p.id for p in products])
    rows = []
    for product in products:
        cert = certificates.get(product.id)
        status = certificate_status(cert) if cert is not None else None
        certified = status == "certified"
        rows.append(
            {
                "title": product.title,
                "shop": product.shop.name,
                "commune": product.shop.commune,
                "price": product.price,
                "currency": currency,
                "ocop_stars": cert.stars if certified else None,
                "ocop_certificate": cert.certificate_number if certified else None,
                "ocop_expires_on": cert.expires_on.isoformat() if cert is not None else None,
                "ocop_status": status,
                "image_urls": [public_url(image.media.key) for image in product.gallery],
                "weight_grams": product.weight_grams,
                "product_url": product_url(product),
            }
        )
    return collection, rows


def export_csv(rows: list[dict]) -> str:
    """The export rows as CSV with a header row; image URLs separated by spaces. It starts with
    a UTF-8 byte-order mark, so that Excel reads the Vietnamese right."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "image_urls": " ".join(row["image_urls"])})
    return out.getvalue()
