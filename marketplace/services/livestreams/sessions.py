"""Livestream selling: sessions, their featured products and live prices, attribution.

``price_line`` is the seam with checkout: the checkout service asks it what a line costs and
which livestream it is attributed to. Listing, stats and the calendar feed live in
``feeds``; orders taken from comments in ``claims``; what a session shows in ``featured``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.messages import N_, Msg
from marketplace.models import (
    Livestream,
    LivestreamEvent,
    LivestreamProduct,
    Product,
    ProductVariant,
    Shop,
    User,
)
from marketplace.models.base import utcnow
from marketplace.services.catalog.products import visible_products_clause
from marketplace.services.catalog.shops import shop_for
from marketplace.services.livestreams.featured import featured_products, loading_options
from marketplace.services.livestreams.links import InvalidLivestreamUrl, check_livestream_url
from marketplace.services.notifications import events as notifications
from marketplace.services.permissions import can_see_shop, is_staff, require_shop_worker

# A session with no end planned is taken to last this long (stale checks, calendars).
ASSUMED_LENGTH = timedelta(hours=4)
# A live session is ended by the system this long after its planned end.
LIVE_GRACE = timedelta(hours=4)

# The moves a session may make: name → (from, to). Anything else is 409.
MOVES = {
    "start": ("scheduled", "live"),
    "end": ("live", "ended"),
    "cancel": ("scheduled", "cancelled"),
}
CLOSED = ("ended", "cancelled")
_CODE_NUMBER = re.compile(r"^A(\d+)$")


@dataclass(frozen=True)
class LinePrice:
    unit_price: int
    livestream_id: str | None


def price_line(product: Product, variant: ProductVariant, livestream_id: str | None) -> LinePrice:
    """The unit price a checkout line is charged and the livestream it is attributed to.

    A livestream of another shop (or none at all) is 422; the line is attributed whatever the
    livestream's status, and the live price applies only while the livestream is live and
    features the product with a live price.
    """
    if livestream_id is None:
        return LinePrice(variant.price, None)
    livestream = (
        db.session.get(Livestream, livestream_id) if isinstance(livestream_id, str) else None
    )
    if livestream is None:
        raise ValidationFailed.field(
            "livestream_id", N_("Unknown livestream."), code="unknown_livestream"
        )
    if livestream.shop_id != product.shop_id:
        raise ValidationFailed.field(
            "livestream_id",
            N_("This livestream belongs to another shop than the product."),
            code="livestream_of_another_shop",
        )
    return LinePrice(live_unit_price(livestream, product, variant), livestream.id)


def live_unit_price(livestream: Livestream, product: Product, variant: ProductVariant) -> int:
    """What one unit of ``variant`` costs bought through ``livestream`` right now."""
    if livestream.status != "live":
        return variant.price
    feature = db.session.get(LivestreamProduct, (livestream.id, product.id))
    if feature is None or feature.removed_at is not None or feature.live_price is None:
        return variant.price
    # A live price is a discount: should the seller cut a variant's normal price below it
    # after featuring the product, the buyer still pays the lower of the two.
    return min(feature.live_price, variant.price)


# --- loading and authorizing -----------------------------------------------------------------


def _find(livestream_id: str, *, lock: bool = False) -> Livestream | None:
    stmt = sa.select(Livestream).where(Livestream.id == livestream_id)
    if lock:
        # Edits and moves of one session queue behind each other (codes, status checks).
        stmt = stmt.with_for_update()
    return db.session.scalar(stmt.options(*loading_options()))


def _visible(livestream_id: str, user: User | None, *, lock: bool = False) -> Livestream:
    livestream = _find(livestream_id, lock=lock)
    if livestream is None or not can_see_shop(user, livestream.shop):
        raise NotFound(N_("No such livestream."), code="livestream_not_found")
    return livestream


def _owned(livestream_id: str, user: User, *, lock: bool = True) -> Livestream:
    """The session if ``user`` owns its shop: 404 when they may not see it, 403 otherwise."""
    livestream = _visible(livestream_id, user, lock=lock)
    require_shop_worker(user, livestream.shop)
    return livestream


def _open(livestream: Livestream) -> None:
    if livestream.status in CLOSED:
        raise Conflict(
            Msg(
                "This livestream is %(status)s: it can no longer be changed.",
                status=status_word(livestream.status),
            ),
            code="livestream_closed",
            details={"status": livestream.status},
        )


def _active_shop(shop: Shop) -> None:
    if shop.status != "active":
        raise Conflict(N_("The shop is suspended."), code="shop_suspended")


def get_livestream(user: User | None, livestream_id: str) -> Livestream:
    """The session if ``user`` may see it (404 otherwise), with its shop and history."""
    return _visible(livestream_id, user)


def owned_livestream(user: User, livestream_id: str) -> Livestream:
    """The session if ``user`` owns it (404 if they may not see it, 403 if not theirs)."""
    return _owned(livestream_id, user, lock=False)


def lock_owned_livestream(user: User, livestream_id: str) -> Livestream:
    """The owner's session, its row locked until the transaction ends (404/403 as above)."""
    return _owned(livestream_id, user, lock=True)


def viewable_by_owner_or_staff(user: User, livestream_id: str) -> Livestream:
    """The session for its owner and the trade office (404 if unseen, 403 for others)."""
    livestream = _visible(livestream_id, user)
    if not is_staff(user):
        require_shop_worker(user, livestream.shop)
    return livestream


# --- editing ---------------------------------------------------------------------------------


def planned_end(start: datetime, end: datetime | None) -> datetime:
    return end if end is not None else start + ASSUMED_LENGTH


def _check_schedule(livestream: Livestream) -> None:
    if livestream.scheduled_end is not None and livestream.scheduled_end <= (
        livestream.scheduled_start
    ):
        raise ValidationFailed.field("scheduled_end", N_("Must be after scheduled_start."))
    if livestream.status == "scheduled" and (
        planned_end(livestream.scheduled_start, livestream.scheduled_end) <= utcnow()
    ):
        raise ValidationFailed.field(
            "scheduled_start", N_("This session would already be over: give a later time.")
        )


def _check_url(livestream: Livestream) -> None:
    try:
        check_livestream_url(livestream.url, livestream.platform)
    except InvalidLivestreamUrl as exc:
        raise ValidationFailed.field("url", exc.args[0]) from exc


def _code_number(code: str) -> int:
    match = _CODE_NUMBER.match(code)
    return int(match.group(1)) if match else 0


def _set_features(livestream: Livestream, entries: list[dict]) -> None:
    """Make ``entries`` the featured set: kept products keep their code, new ones get the next
    code, removed ones keep theirs (never given to another product) and lose the pin."""
    wanted = [entry["product_id"] for entry in entries]
    lowest = dict(
        db.session.execute(
            sa.select(Product.id, sa.func.min(ProductVariant.price))
            .join(ProductVariant, ProductVariant.product_id == Product.id)
            .where(
                Product.id.in_(wanted),
                Product.shop_id == livestream.shop_id,
                ProductVariant.status == "active",
                visible_products_clause(),
            )
            .group_by(Product.id)
        ).all()
    )
    errors: dict[str, dict[str, list[str]]] = {}
    for index, entry in enumerate(entries):
        live_price = entry.get("live_price")
        if entry["product_id"] not in lowest:
            errors[str(index)] = {"product_id": ["Not an active product of this shop."]}
        elif live_price is not None and live_price >= lowest[entry["product_id"]]:
            errors[str(index)] = {
                "live_price": [
                    "Must be lower than the product's normal price "
                    f"({lowest[entry['product_id']]}, its cheapest variant)."
                ]
            }
    if errors:
        raise ValidationFailed(
            N_("Some featured products are invalid."), details={"products": errors}
        )

    existing = {feature.product_id: feature for feature in livestream.featured}
    next_number = max((_code_number(f.code) for f in livestream.featured), default=0) + 1
    for entry in entries:
        feature = existing.get(entry["product_id"])
        if feature is None:
            feature = LivestreamProduct(
                product_id=entry["product_id"],
                code=f"A{next_number}",
                position=next_number,
                live_price=entry.get("live_price"),
            )
            livestream.featured.append(feature)
            next_number += 1
            continue
        feature.removed_at = None
        if "live_price" in entry:
            feature.live_price = entry["live_price"]
    now = utcnow()
    for feature in livestream.featured:
        if feature.product_id not in wanted and feature.removed_at is None:
            feature.removed_at = now
    if livestream.pinned_product_id not in wanted:
        livestream.pinned_product_id = None


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(
            N_("The livestream was changed at the same time; try again."), code="edit_conflict"
        ) from exc


def create_livestream(user: User, shop_ref: str, data: dict) -> Livestream:
    """A scheduled session of the caller's own active shop, with its featured products."""
    shop = shop_for(user, shop_ref)
    require_shop_worker(user, shop)
    _active_shop(shop)
    livestream = Livestream(
        shop=shop,
        shop_id=shop.id,
        status="scheduled",
        title=data["title"].strip(),
        description=data.get("description"),
        platform=data["platform"],
        url=data["url"],
        scheduled_start=data["scheduled_start"],
        scheduled_end=data.get("scheduled_end"),
    )
    _check_url(livestream)
    _check_schedule(livestream)
    db.session.add(livestream)
    _set_features(livestream, data.get("products") or [])
    _commit()
    return get_livestream(user, livestream.id)


EDITABLE = ("title", "description", "platform", "url", "scheduled_start", "scheduled_end")


def update_livestream(user: User, livestream_id: str, changes: dict) -> Livestream:
    """The owner's edit of a session not yet over; the url always fits the platform."""
    livestream = _owned(livestream_id, user)
    _open(livestream)
    for name in EDITABLE:
        if name in changes:
            value = changes[name]
            setattr(livestream, name, value.strip() if name == "title" else value)
    if "url" in changes or "platform" in changes:
        _check_url(livestream)
    if "scheduled_start" in changes or "scheduled_end" in changes:
        _check_schedule(livestream)
    if "products" in changes:
        _set_features(livestream, changes["products"])
    _commit()
    return get_livestream(user, livestream.id)


def pin_product(user: User, livestream_id: str, product_id: str | None) -> Livestream:
    """The product on screen now: one of the session's visible featured products, or none."""
    livestream = _owned(livestream_id, user)
    _open(livestream)
    if product_id is not None:
        shown = {feature.product_id for feature in featured_products([livestream])[livestream.id]}
        if product_id not in shown:
            raise ValidationFailed.field(
                "product_id",
                N_("Feature the product in this livestream first."),
                code="not_featured",
            )
    livestream.pinned_product_id = product_id
    _commit()
    return get_livestream(user, livestream.id)


# --- moves -----------------------------------------------------------------------------------


def _apply_move(
    livestream: Livestream, move: str, actor_id: str | None, reason: str | None
) -> None:
    """Move the session's status with a guarded UPDATE: of two racing moves only one wins."""
    source, target = MOVES[move]
    now = utcnow()
    values: dict = {"status": target, "updated_at": now}
    if target == "live":
        values["started_at"] = now
    elif target == "ended":
        values["ended_at"] = now
    elif target == "cancelled":
        values["cancel_reason"] = reason
    result = db.session.execute(
        sa.update(Livestream)
        .where(Livestream.id == livestream.id, Livestream.status == source)
        .values(**values)
    )
    if result.rowcount != 1:
        db.session.rollback()
        current = db.session.scalar(
            sa.select(Livestream.status).where(Livestream.id == livestream.id)
        )
        raise _impossible(move, current)
    db.session.add(
        LivestreamEvent(
            livestream_id=livestream.id,
            from_status=source,
            to_status=target,
            actor_id=actor_id,
            reason=reason,
            created_at=now,
        )
    )


IMPOSSIBLE = {
    "start": N_("Only a scheduled livestream can be started; this one is %(status)s."),
    "end": N_("Only a live livestream can be ended; this one is %(status)s."),
    "cancel": N_("Only a scheduled livestream can be cancelled; this one is %(status)s."),
}
STATUS_WORDS = {
    "scheduled": N_("scheduled"),
    "live": N_("live"),
    "ended": N_("ended"),
    "cancelled": N_("cancelled"),
}


def status_word(status: str | None) -> Msg | None:
    return Msg(STATUS_WORDS[status]) if status in STATUS_WORDS else status


def _impossible(move: str, status: str | None) -> Conflict:
    return Conflict(
        Msg(IMPOSSIBLE[move], status=status_word(status)),
        code="invalid_transition",
        details={"status": status, "move": move, "allowed_from": MOVES[move][0]},
    )


def move_livestream(
    user: User, livestream_id: str, move: str, reason: str | None = None
) -> Livestream:
    """start, end or cancel by the owner; an impossible move is 409 ``invalid_transition``."""
    livestream = _owned(livestream_id, user)
    if livestream.status != MOVES[move][0]:
        raise _impossible(move, livestream.status)
    if move == "start":
        _active_shop(livestream.shop)
    _apply_move(livestream, move, user.id, reason)
    if move == "start":
        notifications.livestream_started(livestream)
    db.session.commit()
    db.session.expire(livestream)
    return get_livestream(user, livestream.id)


def close_stale_livestreams(now: datetime | None = None) -> tuple[int, int]:
    """Cancel sessions that never started and whose time is over; end sessions left live long
    past their end. System moves, recorded with no actor. Returns (cancelled, ended)."""
    now = now or utcnow()
    candidates = db.session.scalars(
        sa.select(Livestream)
        .where(
            sa.or_(
                sa.and_(Livestream.status == "scheduled", Livestream.scheduled_start < now),
                sa.and_(Livestream.status == "live", Livestream.scheduled_start < now - LIVE_GRACE),
            )
        )
        .order_by(Livestream.scheduled_start, Livestream.id)
    ).all()
    cancelled = ended = 0
    for livestream in candidates:
        end = planned_end(livestream.scheduled_start, livestream.scheduled_end)
        if livestream.status == "scheduled" and end <= now:
            move, reason = "cancel", "not started"
        elif (
            livestream.status == "live"
            and max(end, livestream.started_at or end) + (LIVE_GRACE) <= now
        ):
            move, reason = "end", "not ended"
        else:
            continue
        try:
            _apply_move(livestream, move, None, reason)
        except Conflict:
            continue  # the owner moved it meanwhile
        db.session.commit()
        cancelled += move == "cancel"
        ended += move == "end"
    return cancelled, ended
