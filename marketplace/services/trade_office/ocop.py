"""OCOP certificates: applications, the certificates they become, and how the catalog sees them.

``current_certificates``, ``certificate_status`` and ``min_stars_clause`` are the seam with the
catalog: it shows a product's ``ocop`` with them and filters by ``ocop_min_stars``. A certificate
past its ``expires_on`` (by the calendar of Vietnam) is shown as expired and counts for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.messages import N_, Msg
from marketplace.models import Media, OcopApplication, OcopCertificate, Product, Shop, User
from marketplace.models.base import utcnow
from marketplace.pagination import SortKey, keyset_page
from marketplace.services.notifications import events as notifications
from marketplace.services.permissions import can_see_product, require_shop_owner
from marketplace.services.places import local_today
from marketplace.services.trade_office import audit


def current_certificates(product_ids: list[str]) -> dict[str, OcopCertificate]:
    """Each product's current certificate (expired ones too), in one query."""
    if not product_ids:
        return {}
    rows = db.session.scalars(
        sa.select(OcopCertificate).where(
            OcopCertificate.product_id.in_(product_ids), OcopCertificate.is_current.is_(True)
        )
    )
    return {cert.product_id: cert for cert in rows}


def certificate_status(cert: OcopCertificate) -> str:
    """``certified`` until the day after ``expires_on`` (in Vietnam), ``expired`` from then."""
    return "expired" if cert.expires_on < local_today() else "certified"


def min_stars_clause(min_stars: int) -> sa.ColumnElement[bool]:
    """Products holding a valid (unexpired) certificate of at least ``min_stars`` stars."""
    valid = sa.select(OcopCertificate.product_id).where(
        OcopCertificate.is_current.is_(True),
        OcopCertificate.stars >= min_stars,
        OcopCertificate.expires_on >= local_today(),
    )
    return Product.id.in_(valid)


# --- Applications: the owner submits, the trade office approves or rejects ---------------------

APPLICATION_KEYS = [SortKey(OcopApplication.created_at), SortKey(OcopApplication.id)]


def _owned_product(user: User, product_id: str) -> Product:
    """The caller's own product; 404 when it is gone or hidden from them, 403 when not theirs."""
    product = db.session.get(Product, product_id)
    if product is None or product.status == "archived" or not can_see_product(user, product):
        raise NotFound(N_("No such product."))
    require_shop_owner(user, product.shop)
    return product


def _evidence(user: User, media_ids: list[str]) -> list[Media]:
    """The owner's ready images, in the order given; 422 naming what is not one."""
    if not media_ids:
        return []
    if len(set(media_ids)) != len(media_ids):
        raise ValidationFailed.field("evidence_media_ids", N_("An image is listed twice."))
    found = {
        media.id: media
        for media in db.session.scalars(sa.select(Media).where(Media.id.in_(media_ids)))
    }
    unusable = [
        media_id
        for media_id in media_ids
        if (media := found.get(media_id)) is None
        or media.owner_id != user.id
        or media.status != "ready"
        or media.kind != "image"
    ]
    if unusable:
        message = Msg("Not one of your ready images: %(ids)s", ids=", ".join(unusable))
        raise ValidationFailed(
            N_("Evidence must be your own uploaded images."),
            details={"evidence_media_ids": [message]},
        )
    return [found[media_id] for media_id in media_ids]


def _pending_conflict() -> Conflict:
    return Conflict(
        N_("This product already has an application waiting for review."),
        code="application_pending",
    )


def submit_application(
    user: User,
    product_id: str,
    *,
    certificate_number: str,
    stars: int,
    issuer: str,
    issued_on: date,
    expires_on: date,
    evidence_media_ids: list[str] | None = None,
) -> OcopApplication:
    """A pending application for the owner's product; 409 if one is already pending."""
    product = _owned_product(user, product_id)
    evidence = _evidence(user, evidence_media_ids or [])
    pending = sa.select(OcopApplication.id).where(
        OcopApplication.product_id == product.id, OcopApplication.status == "pending"
    )
    if db.session.scalar(pending) is not None:
        raise _pending_conflict()
    application = OcopApplication(
        product_id=product.id,
        status="pending",
        claimed_stars=stars,
        stars=stars,
        certificate_number=certificate_number,
        issuer=issuer,
        issued_on=issued_on,
        expires_on=expires_on,
        submitted_by=user.id,
        evidence=evidence,
    )
    db.session.add(application)
    try:
        db.session.commit()
    except IntegrityError as exc:  # the partial unique index: a concurrent submission won
        db.session.rollback()
        raise _pending_conflict() from exc
    return application


def get_application(user: User, application_id: str) -> OcopApplication:
    """An application, seen by the trade office or by the product's owner; 404 for others."""
    application = db.session.get(
        OcopApplication, application_id, options=[selectinload(OcopApplication.evidence)]
    )
    if application is None or not (user.is_staff or application.product.shop.owner_id == user.id):
        raise NotFound(N_("No such application."))
    return application


def list_applications(
    *, status: str | None, product_id: str | None, limit: int, cursor: str | None
) -> tuple[list[OcopApplication], str | None]:
    """Applications oldest first (a review queue), with their evidence; two queries per page."""
    stmt = sa.select(OcopApplication).options(
        selectinload(OcopApplication.evidence),
        selectinload(OcopApplication.product).selectinload(Product.shop),
    )
    if status:
        stmt = stmt.where(OcopApplication.status == status)
    if product_id:
        stmt = stmt.where(OcopApplication.product_id == product_id)
    return keyset_page(
        db.session,
        stmt,
        APPLICATION_KEYS,
        scope=f"ocop-applications:{status}:{product_id}",
        limit=limit,
        cursor=cursor,
        key_values=lambda application: (application.created_at, application.id),
    )


def product_applications(
    user: User, product_id: str, *, status: str | None, limit: int, cursor: str | None
) -> tuple[list[OcopApplication], str | None]:
    """A product's applications, for its owner and the trade office; 404 for anyone else."""
    product = db.session.get(Product, product_id)
    if product is None or not (user.is_staff or product.shop.owner_id == user.id):
        raise NotFound(N_("No such product."))
    return list_applications(status=status, product_id=product_id, limit=limit, cursor=cursor)


def _close_pending(application_id: str, officer: User, **values) -> OcopApplication:
    """Move a pending application to its verdict with one guarded UPDATE; 409 if not pending."""
    application = db.session.get(OcopApplication, application_id)
    if application is None:
        raise NotFound(N_("No such application."))
    moved = db.session.execute(
        sa.update(OcopApplication)
        .where(OcopApplication.id == application_id, OcopApplication.status == "pending")
        .values(reviewed_by=officer.id, reviewed_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(application)
    if moved.rowcount != 1:
        raise Conflict(
            Msg("The application is already %(status)s.", status=Msg(application.status)),
            code="application_not_pending",
        )
    return application


def approve_application(
    officer: User, application_id: str, *, stars: int | None = None, note: str | None = None
) -> OcopApplication:
    """The application becomes the product's one current certificate; the old one is history."""
    application = _close_pending(
        application_id,
        officer,
        status="approved",
        stars=sa.func.coalesce(stars, OcopApplication.claimed_stars),
        note=note,
    )
    db.session.execute(
        sa.update(OcopCertificate)
        .where(
            OcopCertificate.product_id == application.product_id,
            OcopCertificate.is_current.is_(True),
        )
        .values(is_current=False)
    )
    db.session.add(
        OcopCertificate(
            product_id=application.product_id,
            application_id=application.id,
            stars=application.stars,
            certificate_number=application.certificate_number,
            issuer=application.issuer,
            issued_on=application.issued_on,
            expires_on=application.expires_on,
            is_current=True,
        )
    )
    notifications.ocop_decided(application)
    audit.record(
        officer,
        "ocop.approve",
        "ocop_application",
        application.id,
        reason=note,
        details={
            "product_id": application.product_id,
            "stars": application.stars,
            "claimed_stars": application.claimed_stars,
        },
    )
    db.session.commit()
    return application


def reject_application(officer: User, application_id: str, *, reason: str) -> OcopApplication:
    """The application is closed as rejected with the officer's reason; nothing is certified."""
    application = _close_pending(application_id, officer, status="rejected", reason=reason)
    notifications.ocop_decided(application)
    audit.record(
        officer,
        "ocop.reject",
        "ocop_application",
        application.id,
        reason=reason,
        details={"product_id": application.product_id},
    )
    db.session.commit()
    return application


# --- Certificates about to lapse ---------------------------------------------------------------


@dataclass(frozen=True)
class ExpiringCertificate:
    shop: str
    phone: str | None
    product: str
    expires_on: date
    stars: int
    certificate_number: str


def expiring_certificates(days: int) -> list[ExpiringCertificate]:
    """Current certificates still valid today that lapse within ``days`` days, soonest first."""
    today = local_today()
    rows = db.session.execute(
        sa.select(
            Shop.name,
            sa.func.coalesce(Shop.phone, User.phone),
            Product.title,
            OcopCertificate.expires_on,
            OcopCertificate.stars,
            OcopCertificate.certificate_number,
        )
        .join(Product, Product.id == OcopCertificate.product_id)
        .join(Shop, Shop.id == Product.shop_id)
        .join(User, User.id == Shop.owner_id)
        .where(
            OcopCertificate.is_current.is_(True),
            OcopCertificate.expires_on >= today,
            OcopCertificate.expires_on <= today + timedelta(days=days),
            Product.status != "archived",
        )
        .order_by(OcopCertificate.expires_on, Shop.name, Product.title)
    )
    return [ExpiringCertificate(*row) for row in rows]


@dataclass(frozen=True)
class ShopOcop:
    """A shop's OCOP file as its owner sees it: applications (newest first, with their
    product and evidence) and the products' current certificates."""

    applications: list[OcopApplication]
    certificates: list[OcopCertificate]
    titles: dict[str, str]


def shop_ocop(user: User, shop: Shop, *, limit: int = 50) -> ShopOcop:
    """The shop's applications and certificates, for its owner (403 for anyone else)."""
    require_shop_owner(user, shop)
    product_ids = sa.select(Product.id).where(Product.shop_id == shop.id)
    applications = list(
        db.session.scalars(
            sa.select(OcopApplication)
            .where(OcopApplication.product_id.in_(product_ids))
            .options(selectinload(OcopApplication.evidence))
            .order_by(OcopApplication.created_at.desc(), OcopApplication.id.desc())
            .limit(limit)
        )
    )
    certificates = list(
        db.session.scalars(
            sa.select(OcopCertificate)
            .where(
                OcopCertificate.product_id.in_(product_ids),
                OcopCertificate.is_current.is_(True),
            )
            .order_by(OcopCertificate.expires_on)
        )
    )
    wanted = {a.product_id for a in applications} | {c.product_id for c in certificates}
    titles: dict[str, str] = {}
    if wanted:
        rows = db.session.execute(
            sa.select(Product.id, Product.title).where(Product.id.in_(wanted))
        )
        titles = {product_id: title for product_id, title in rows}
    return ShopOcop(applications, certificates, titles)
