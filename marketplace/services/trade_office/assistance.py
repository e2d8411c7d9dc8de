"""Assisted listing (API.md v1.1): an officer acts for an artisan who asked for help.

An officer opens a 7-day grant for a shop with the owner's consent noted; one grant per shop is
open at a time (409). While it lasts the officer may create and edit the shop's products and
livestreams as its owner could (``permissions.require_shop_worker``). The officer or the owner
ends it; otherwise it lapses by itself.

Every change made by grant is audited with the officer's id and told to the owner, whatever
path made it (the API or the seller-centre pages): ``require_shop_worker`` marks the database
session with the shops acted on by grant, ``_collect`` notes which of their products and
livestreams each flush touches, and ``_record`` writes one audit entry and one notification per
product or livestream changed, just before the transaction commits (so in the same transaction).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.errors import Conflict, Forbidden, NotFound
from marketplace.extensions import db
from marketplace.messages import N_
from marketplace.models import (
    AssistanceGrant,
    Livestream,
    LivestreamProduct,
    Product,
    ProductImage,
    ProductVariant,
    Shop,
    User,
)
from marketplace.models.base import new_id, utcnow
from marketplace.pagination import SortKey, keyset_page
from marketplace.services.notifications import outbox
from marketplace.services.notifications.outbox import Notice
from marketplace.services.permissions import (
    ASSISTING,
    is_staff,
    open_grant_clause,
    owns,
)
from marketplace.services.trade_office import audit
from marketplace.services.trade_office.moderation import find_shop

GRANT_LENGTH = timedelta(days=7)
NOTIFICATION_KIND = "assisted_change"
STATUSES = ("open", "all")
LIST_KEYS = [
    SortKey(AssistanceGrant.starts_at, descending=True),
    SortKey(AssistanceGrant.id, descending=True),
]
# db.session.info key: {(target_type, target_id): (shop_id, created?)} changed by grant.
_CHANGES = "assisted_changes"


def open_grant_of(shop_id: str, now: datetime | None = None) -> AssistanceGrant | None:
    return db.session.scalar(
        sa.select(AssistanceGrant)
        .where(AssistanceGrant.shop_id == shop_id, open_grant_clause(now))
        .limit(1)
    )


def _notify_owner(shop: Shop, officer_name: str, variant: str, **params) -> None:
    outbox.write(
        [
            Notice(
                shop.owner_id,
                NOTIFICATION_KIND,
                {"variant": variant, "shop": shop.name, "officer": officer_name, **params},
                params.get("link") or "/seller",
            )
        ]
    )


def open_grant(officer: User, shop_ref: str, consent_note: str) -> AssistanceGrant:
    """A 7-day grant for the shop; 409 ``assistance_open`` while one is open already."""
    shop = find_shop(shop_ref)
    # Two officers opening grants for one shop queue behind each other here.
    db.session.execute(sa.select(Shop.id).where(Shop.id == shop.id).with_for_update())
    now = utcnow()
    current = open_grant_of(shop.id, now)
    if current is not None:
        raise Conflict(
            N_("This shop already has an open assistance grant."),
            code="assistance_open",
            details={"grant_id": current.id, "expires_at": current.expires_at.isoformat()},
        )
    if owns(officer, shop):
        raise Conflict(N_("An officer cannot assist their own shop."), code="own_shop")
    grant = AssistanceGrant(
        shop=shop,
        shop_id=shop.id,
        officer=officer,
        officer_id=officer.id,
        consent_note=consent_note.strip(),
        starts_at=now,
        expires_at=now + GRANT_LENGTH,
    )
    db.session.add(grant)
    db.session.flush()
    audit.record(
        officer,
        "assistance.open",
        "shop",
        shop.id,
        reason=grant.consent_note,
        details={"grant_id": grant.id, "expires_at": grant.expires_at.isoformat()},
    )
    _notify_owner(shop, officer.name, "opened", expires_on=grant.expires_at.date().isoformat())
    db.session.commit()
    return grant


def end_grant(user: User, shop_ref: str) -> AssistanceGrant:
    """Ends the shop's open grant: the trade office or the shop's owner; 404 when none is open."""
    shop = find_shop(shop_ref)
    if not (is_staff(user) or owns(user, shop)):
        raise Forbidden(
            N_("Only the trade office or the shop's owner may end its assistance."),
            code="not_shop_owner",
        )
    grant = db.session.scalar(
        sa.select(AssistanceGrant)
        .where(AssistanceGrant.shop_id == shop.id, open_grant_clause())
        .with_for_update()
        .limit(1)
    )
    if grant is None:
        raise NotFound(N_("This shop has no open assistance grant."), code="assistance_not_found")
    grant.ended_at = utcnow()
    grant.ended_by_id = user.id
    audit.record(user, "assistance.end", "shop", shop.id, details={"grant_id": grant.id})
    if not owns(user, shop):
        _notify_owner(shop, grant.officer.name, "ended")
    db.session.commit()
    return grant


def list_grants(
    *, status: str = "open", shop_id: str | None = None, limit: int, cursor: str | None
) -> tuple[list[AssistanceGrant], str | None]:
    """Grants newest first: ``open`` ones (default) or ``all``, of one shop if asked."""
    stmt = sa.select(AssistanceGrant)
    if status == "open":
        stmt = stmt.where(open_grant_clause())
    if shop_id is not None:
        stmt = stmt.where(AssistanceGrant.shop_id == shop_id)
    return keyset_page(
        db.session,
        stmt,
        LIST_KEYS,
        scope="assistance",
        limit=limit,
        cursor=cursor,
        key_values=lambda grant: (grant.starts_at, grant.id),
    )


def recent_grants(limit: int = 100) -> list[AssistanceGrant]:
    """Open grants first, then the latest ended or lapsed ones (the console's list)."""
    stmt = (
        sa.select(AssistanceGrant)
        .options(
            sa.orm.selectinload(AssistanceGrant.shop), sa.orm.selectinload(AssistanceGrant.officer)
        )
        .order_by(AssistanceGrant.starts_at.desc(), AssistanceGrant.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def granted_shop_ids(officer: User) -> list[str]:
    """The shops this officer holds an open grant for (the seller centre lists them)."""
    if not getattr(officer, "is_authenticated", False) or not is_staff(officer):
        return []
    return list(
        db.session.scalars(
            sa.select(AssistanceGrant.shop_id).where(
                AssistanceGrant.officer_id == officer.id, open_grant_clause()
            )
        )
    )


# --- auditing changes made by grant -------------------------------------------------------------


def _target(session: Session, obj) -> tuple[str, str | None, str | None] | None:
    """(target type, target id, shop id) of a changed object we audit, or None."""
    if isinstance(obj, Product | Livestream):
        kind = "product" if isinstance(obj, Product) else "livestream"
        if obj.id is None:
            obj.id = new_id()  # what the insert would give it, known now to be audited
        shop_id = obj.shop_id or (obj.shop.id if obj.shop is not None else None)
        return kind, obj.id, shop_id
    if isinstance(obj, ProductVariant | ProductImage):
        product = obj.product if isinstance(obj, ProductVariant) else None
        if product is None and obj.product_id is not None:
            product = session.get(Product, obj.product_id)
        if product is None:
            return None
        return "product", product.id, product.shop_id or product.shop.id
    if isinstance(obj, LivestreamProduct):
        livestream = session.get(Livestream, obj.livestream_id) if obj.livestream_id else None
        if livestream is None:
            return None
        return "livestream", livestream.id, livestream.shop_id
    return None


@event.listens_for(Session, "before_flush")
def _collect(session: Session, flush_context, instances) -> None:
    assisting = session.info.get(ASSISTING)
    if not assisting:
        return
    changes = session.info.setdefault(_CHANGES, {})
    with session.no_autoflush:
        for obj, created in (
            *((o, True) for o in session.new),
            *((o, False) for o in session.dirty if session.is_modified(o)),
            *((o, False) for o in session.deleted),
        ):
            target = _target(session, obj)
            if target is None:
                continue
            kind, target_id, shop_id = target
            if shop_id not in assisting or target_id is None:
                continue
            is_new = created and isinstance(obj, Product | Livestream)
            known = changes.get((kind, target_id))
            changes[(kind, target_id)] = (shop_id, is_new or (known is not None and known[1]))


@event.listens_for(Session, "before_commit")
def _record(session: Session) -> None:
    assisting = session.info.get(ASSISTING)
    if not assisting:
        return
    session.flush()
    changes = session.info.pop(_CHANGES, {})
    if not changes:
        return
    shops = {
        shop.id: shop for shop in session.scalars(sa.select(Shop).where(Shop.id.in_(assisting)))
    }
    officers = {
        user.id: user
        for user in session.scalars(
            sa.select(User).where(User.id.in_({helper for helper, _ in assisting.values()}))
        )
    }
    notices = []
    for (kind, target_id), (shop_id, created) in changes.items():
        officer_id, grant_id = assisting[shop_id]
        shop = shops[shop_id]
        title = _title(session, kind, target_id)
        action = f"assisted.{kind}_{'created' if created else 'updated'}"
        audit.record(
            officer_id,
            action,
            kind,
            target_id,
            details={"shop_id": shop_id, "grant_id": grant_id, "title": title},
        )
        link = (
            f"/seller/products/{target_id}"
            if kind == "product"
            else f"/seller/livestreams/{target_id}"
        )
        notices.append(
            Notice(
                shop.owner_id,
                NOTIFICATION_KIND,
                {
                    "variant": f"{kind}_{'created' if created else 'updated'}",
                    "shop": shop.name,
                    "officer": officers[officer_id].name,
                    "title": title,
                },
                link,
            )
        )
    outbox.write(notices)
    session.flush()


def _title(session: Session, kind: str, target_id: str) -> str:
    model = Product if kind == "product" else Livestream
    return session.scalar(sa.select(model.title).where(model.id == target_id)) or ""


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(ASSISTING, None)
    session.info.pop(_CHANGES, None)
