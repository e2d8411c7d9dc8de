"""Demo steps that bring the Vân Hồ world to life: OCOP certificates, the Postmart collection,
livestreams (one live now) and orders in every status.

Everything is made through the services an API call would use, by the person who would make
it (the artisan applies and the officer approves; the buyer checks out, the seller confirms
and ships), so the audit trail, stock, order histories and reports agree. Inputs pass through
the API's own schemas first: the demo holds only what a client could have sent. The services
stamp everything "now", so a checkout of the past months is then moved back to its day, its
orders' histories after it (``backdate_checkout``), and the monthly report has months. Each step
finds what an earlier run made by a natural key (a product's certificate number, a
collection's slug, a shop's livestream title, a buyer's checkout by its first product, a
livestream's comment) and only makes or moves what is missing: a second run adds nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from marketplace.demo.trade_data import (
    ADDRESSES,
    CERTIFICATES,
    CHECKOUTS,
    CLAIMS,
    COLLECTION,
    LIVESTREAMS,
    MOVE_DELAYS,
    ORDER_TIMES,
)
from marketplace.demo.world import DemoWorld
from marketplace.extensions import db
from marketplace.models import (
    Checkout,
    Collection,
    Livestream,
    LivestreamClaim,
    OcopApplication,
    Order,
    OrderEvent,
    OrderLine,
    Product,
    Shop,
    User,
)
from marketplace.models.base import utcnow
from marketplace.schemas.livestreams import ClaimRequestSchema, LivestreamCreateSchema
from marketplace.schemas.orders import CheckoutRequestSchema
from marketplace.schemas.trade_office import ApplicationCreateSchema
from marketplace.services import places
from marketplace.services.livestreams import claims as livestream_claims
from marketplace.services.livestreams import sessions as livestreams
from marketplace.services.orders import actions, checkout
from marketplace.services.orders import lifecycle as orders
from marketplace.services.trade_office import curation, ocop

MOVE_SERVICES = {
    "confirm": actions.confirm_order,
    "ship": actions.ship_order,
    "deliver": actions.deliver_order,
    "cancel": actions.cancel_order,
    "return": actions.return_order,
}


def _as_sent(schema: type, data: dict) -> dict:
    """``data`` as the API's schema loads it (phones in E.164, times parsed, text tidied)."""
    return schema().load(data)


def _three_years_before(day: date) -> date:
    """OCOP certificates are valid for 36 months: the issue date of one expiring on ``day``."""
    try:
        return day.replace(year=day.year - 3)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 3, day=28)


# --- OCOP certificates and the collection ----------------------------------------------------


def load_ocop_certificates(world: DemoWorld) -> None:
    """Each artisan applies for their product's certificate; the demo officer decides."""
    officer = world.users["officer"]
    today = places.local_today()
    for product_key, stars, number, issuer, expires_in_days, verdict in CERTIFICATES:
        product = world.products[product_key]
        application = db.session.scalar(
            sa.select(OcopApplication).where(
                OcopApplication.product_id == product.id,
                OcopApplication.certificate_number == number,
            )
        )
        if application is None:
            expires_on = today + timedelta(days=expires_in_days)
            fields = {
                "certificate_number": number,
                "stars": stars,
                "issuer": issuer,
                "issued_on": _three_years_before(expires_on).isoformat(),
                "expires_on": expires_on.isoformat(),
            }
            application = ocop.submit_application(
                product.shop.owner, product.id, **_as_sent(ApplicationCreateSchema, fields)
            )
            world.added["OCOP applications"] += 1
        if application.status != "pending":
            continue
        if verdict[0] == "approve":
            _, approved_stars, note = verdict
            ocop.approve_application(officer, application.id, stars=approved_stars, note=note)
            world.added["OCOP certificates"] += 1
        elif verdict[0] == "reject":
            ocop.reject_application(officer, application.id, reason=verdict[1])


def load_collections(world: DemoWorld) -> None:
    """ "Chọn lọc cho Postmart": the certified, unexpired products, most stars first."""
    if db.session.scalar(sa.select(Collection.id).where(Collection.slug == COLLECTION["slug"])):
        return
    certified = [
        (verdict[1] or stars, world.products[product_key].id)
        for product_key, stars, _, _, expires_in_days, verdict in CERTIFICATES
        if verdict[0] == "approve" and expires_in_days > 0
    ]
    certified.sort(key=lambda entry: -entry[0])  # stable: the list's order within a rank
    curation.create_collection(
        world.users["officer"],
        title=COLLECTION["title"],
        slug=COLLECTION["slug"],
        description=COLLECTION["description"],
        product_ids=[product_id for _, product_id in certified],
    )
    world.added["collections"] += 1


# --- livestreams ------------------------------------------------------------------------------


def _start_time(starts: int | tuple[int, int, int], now: datetime) -> datetime:
    """Minutes from now, or (days from today, hour, minute) in Vietnam's time."""
    if isinstance(starts, int):
        return now + timedelta(minutes=starts)
    days, hour, minute = starts
    today = now.astimezone(places.LOCAL_TZ).date()
    return datetime.combine(today + timedelta(days=days), time(hour, minute), places.LOCAL_TZ)


def _livestream(world: DemoWorld, key: str) -> Livestream | None:
    spec = next(spec for spec in LIVESTREAMS if spec["key"] == key)
    return db.session.scalar(
        sa.select(Livestream).where(
            Livestream.shop_id == world.shops[spec["shop"]].id, Livestream.title == spec["title"]
        )
    )


def load_livestreams(world: DemoWorld) -> None:
    """Sessions scheduled by their shops; those meant to be live (or over) are started."""
    now = utcnow()
    for spec in LIVESTREAMS:
        shop = world.shops[spec["shop"]]
        livestream = _livestream(world, spec["key"])
        if livestream is None:
            start = _start_time(spec["starts"], now)
            featured = [
                {"product_id": world.products[key].id}
                | ({"live_price": live_price} if live_price else {})
                for key, live_price in spec["products"]
            ]
            fields = {
                "title": spec["title"],
                "platform": spec["platform"],
                "url": spec["url"],
                "description": spec.get("description"),
                "scheduled_start": start.isoformat(),
                "scheduled_end": (start + timedelta(minutes=spec["minutes"])).isoformat(),
                "products": featured,
            }
            livestream = livestreams.create_livestream(
                shop.owner, shop.id, _as_sent(LivestreamCreateSchema, fields)
            )
            if spec["pinned"]:
                livestreams.pin_product(
                    shop.owner, livestream.id, world.products[spec["pinned"]].id
                )
            world.added["livestreams"] += 1
        if spec["becomes"] in ("live", "ended") and livestream.status == "scheduled":
            livestreams.move_livestream(shop.owner, livestream.id, "start")
            world.added["livestream moves"] += 1


def end_livestreams(world: DemoWorld) -> None:
    """Sessions meant to be over end once their orders are taken (see load_orders)."""
    for spec in LIVESTREAMS:
        livestream = _livestream(world, spec["key"])
        if spec["becomes"] == "ended" and livestream is not None and livestream.status == "live":
            livestreams.move_livestream(world.shops[spec["shop"]].owner, livestream.id, "end")
            world.added["livestream moves"] += 1


# --- orders -----------------------------------------------------------------------------------


def _variant_id(product: Product, options: dict | None) -> str | None:
    if options is None:
        return None
    return next(variant.id for variant in product.variants if variant.options == options)


def _checkout_item(world: DemoWorld, item: tuple) -> dict:
    product_key, quantity, options, livestream_key = item
    product = world.products[product_key]
    line = {"product_id": product.id, "quantity": quantity}
    if options is not None:
        line["variant_id"] = _variant_id(product, options)
    if livestream_key is not None:
        line["livestream_id"] = _livestream(world, livestream_key).id
    return line


def _existing_checkout(buyer: User, product: Product) -> list[Order]:
    """The orders of the buyer's checkout whose lines include ``product`` (none: not made)."""
    checkout_id = db.session.scalar(
        sa.select(Order.checkout_id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.buyer_id == buyer.id, OrderLine.product_id == product.id)
        .limit(1)
    )
    if checkout_id is None:
        return []
    return list(db.session.scalars(sa.select(Order).where(Order.checkout_id == checkout_id)))


def _make_moves(world: DemoWorld, order_id: str, buyer: User | None, moves: list[tuple]) -> None:
    """Make the moves the order has not made yet; leave it alone if it went another way."""
    done = db.session.scalars(
        sa.select(OrderEvent.to_status)
        .where(OrderEvent.order_id == order_id)
        .order_by(OrderEvent.created_at, OrderEvent.id)
    ).all()
    if len(done) > len(moves) or any(
        status != orders.MOVES[action].to
        for status, (action, _, _) in zip(done, moves[: len(done)], strict=True)
    ):
        return  # someone moved it by hand since: theirs to keep
    owner = db.session.scalar(
        sa.select(User)
        .join(Shop, Shop.owner_id == User.id)
        .join(Order, Order.shop_id == Shop.id)
        .where(Order.id == order_id)
    )
    for action, by, params in moves[len(done) :]:
        MOVE_SERVICES[action](order_id, buyer if by == "buyer" else owner, **params)
        world.added["order moves"] += 1


def load_orders(world: DemoWorld) -> None:
    """Cash-on-delivery checkouts by the demo buyers and orders taken from live comments,
    then moved along as their shops and buyers would (confirm, ship, deliver, cancel…); the
    checkouts of past days are then moved back to their day."""
    shop_keys = {shop.id: key for key, shop in world.shops.items()}
    for position, spec in enumerate(CHECKOUTS):
        buyer = world.users[spec["buyer"]]
        made = _existing_checkout(buyer, world.products[spec["items"][0][0]])
        placed_now = not made
        if placed_now:
            fields = {
                "items": [_checkout_item(world, item) for item in spec["items"]],
                "shipping_address": ADDRESSES[spec["address"]],
                "payment_method": "cod",
                "note": spec.get("note"),
            }
            placed = checkout.place_checkout(buyer, **_as_sent(CheckoutRequestSchema, fields))
            made = list(placed.orders)
            world.added["orders"] += len(made)
        checkout_id = made[0].checkout_id
        for order_id, shop_id in [(order.id, order.shop_id) for order in made]:
            moves = spec["moves"]
            if isinstance(moves, dict):
                moves = moves[shop_keys[shop_id]]
            _make_moves(world, order_id, buyer, moves)
        # Only a checkout this run placed: one found again keeps its dates (and any moves made
        # since by hand), so a second run moves nothing.
        if placed_now and spec.get("days_ago"):
            backdate_checkout(checkout_id, spec["days_ago"], position)
    for spec in CLAIMS:
        _load_claim(world, spec)


def backdate_checkout(checkout_id: str, days_ago: int, position: int) -> None:
    """Date a checkout this run placed (and moved along) ``days_ago`` days before today in
    Vietnam, at the ``position``-th of ORDER_TIMES; each of its orders' moves then follows the
    step before it by MOVE_DELAYS, in the order they were made, and nothing lands after now."""
    hour, minute = ORDER_TIMES[position % len(ORDER_TIMES)]
    day = places.local_today() - timedelta(days=days_ago)
    placed_at = datetime.combine(day, time(hour, minute), places.LOCAL_TZ).astimezone(UTC)
    # Not every parcel takes the same time: some checkouts' moves take a quarter or half longer.
    stretch = 1 + (position % 3) / 4
    delays = {
        orders.MOVES[action].to: timedelta(hours=hours * stretch)
        for action, hours in MOVE_DELAYS.items()
    }
    # Each order's moves as (event id, time after placing), in the order they were made.
    moves: dict[str, list[tuple[str, timedelta]]] = {}
    for order_id, event_id, to_status in db.session.execute(
        sa.select(Order.id, OrderEvent.id, OrderEvent.to_status)
        .outerjoin(OrderEvent, OrderEvent.order_id == Order.id)
        .where(Order.checkout_id == checkout_id)
        .order_by(Order.id, OrderEvent.created_at, OrderEvent.id)
    ):
        steps = moves.setdefault(order_id, [])
        if event_id is not None:
            after = steps[-1][1] if steps else timedelta()
            steps.append((event_id, after + delays[to_status]))
    # A history longer than the checkout's age (a slip in the data) is squeezed in before now.
    longest = max((steps[-1][1] for steps in moves.values() if steps), default=timedelta())
    squeeze = min(1.0, (utcnow() - placed_at) / longest) if longest else 1.0

    def at(after: timedelta) -> datetime:
        return placed_at + after * squeeze

    db.session.execute(
        sa.update(Checkout)
        .where(Checkout.id == checkout_id)
        .values(created_at=placed_at, updated_at=placed_at)
    )
    db.session.execute(
        sa.update(Order),
        [
            {
                "id": order_id,
                "created_at": placed_at,
                "updated_at": at(steps[-1][1] if steps else timedelta()),
            }
            for order_id, steps in moves.items()
        ],
    )
    events = [
        {"id": event_id, "created_at": at(after)}
        for steps in moves.values()
        for event_id, after in steps
    ]
    if events:
        db.session.execute(sa.update(OrderEvent), events)
    db.session.commit()


def _load_claim(world: DemoWorld, spec: dict) -> None:
    livestream = _livestream(world, spec["livestream"])
    order_id = db.session.scalar(
        sa.select(LivestreamClaim.order_id).where(
            LivestreamClaim.livestream_id == livestream.id,
            LivestreamClaim.comment == spec["comment"],
        )
    )
    if order_id is None:
        if livestream.status != "live":
            return  # comments are taken only while live; this session is over
        fields = {
            "comment": spec["comment"],
            "buyer_name": spec["buyer_name"],
            "buyer_phone": spec["buyer_phone"],
            "shipping_address": ADDRESSES[spec["address"]],
            "variant_id": _variant_id(world.products[spec["product"]], spec["variant"]),
        }
        claim = livestream_claims.take_claim(
            livestream.shop.owner, livestream.id, _as_sent(ClaimRequestSchema, fields)
        )
        order_id = claim.order_id
        world.added["orders"] += 1
    _make_moves(world, order_id, None, spec["moves"])
