"""flask demo load: a living Vân Hồ marketplace, loaded once however often it runs."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marketplace.demo.catalogue_data import PRODUCTS
from marketplace.demo.trade_data import CHECKOUTS
from marketplace.extensions import db
from marketplace.models import (
    AuditEntry,
    Checkout,
    Collection,
    Livestream,
    LivestreamClaim,
    LivestreamEvent,
    OcopApplication,
    OcopCertificate,
    Order,
    OrderEvent,
    OrderLine,
    Product,
    ProductVariant,
    Shop,
    User,
)
from marketplace.models.base import utcnow
from marketplace.services import places
from marketplace.services.trade_office import ocop
from tests.factories import headers_for
from tests.factories.demo import row_dates

DEMO_MODELS = (
    User,
    Shop,
    Product,
    ProductVariant,
    OcopApplication,
    OcopCertificate,
    Collection,
    Livestream,
    LivestreamEvent,
    LivestreamClaim,
    Checkout,
    Order,
    OrderLine,
    OrderEvent,
    AuditEntry,
)


def counts() -> dict[str, int]:
    found = {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in DEMO_MODELS
    }
    found["units in stock"] = db.session.scalar(sa.select(sa.func.sum(ProductVariant.stock)))
    return found


def test_demo_load_is_idempotent_and_prints_passwords_once(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "13 shops" in first.output and "60 products" in first.output
    after_first = counts()
    assert after_first["shops"] == 13 and after_first["products"] == 60
    assert after_first["orders"] >= 15 and after_first["livestreams"] >= 4
    dates = row_dates(Checkout, Order, OrderEvent)

    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert "nothing added" in second.output
    assert "sau@cocham.example" not in second.output  # passwords are shown once
    assert counts() == after_first
    assert row_dates(Checkout, Order, OrderEvent) == dates  # nothing moved back (or forth) again

    # The printed password signs the artisan in.
    line = next(line for line in first.output.splitlines() if "sau@cocham.example" in line)
    password = line.split()[2]
    signed_in = client.post(
        "/api/v1/auth/token", json={"login": "sau@cocham.example", "password": password}
    )
    assert signed_in.status_code == 200


# The 2025 communes that took in the former Vân Hồ district's fourteen (Chiềng Sơn took in
# Chiềng Xuân, and communes of Mộc Châu too).
FORMER_VAN_HO_DISTRICT = {
    "04048": "Xã Vân Hồ",
    "04006": "Xã Song Khủa",
    "04018": "Xã Tô Múa",
    "04057": "Xã Xuân Nha",
    "03985": "Xã Chiềng Sơn",
}


def test_the_demo_world_is_van_ho(app, client):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    co_cham = client.get("/api/v1/shops/tho-cam-co-cham").get_json()
    # Cỏ Chàm was a village of Lóng Luông, which became part of Xã Vân Hồ on 2025-07-01.
    assert co_cham["commune"] == "Xã Vân Hồ" and co_cham["village"] == "Cỏ Chàm"
    assert (co_cham["commune_code"], co_cham["province"]) == ("04048", "Sơn La")
    assert co_cham["ethnic_group"] == "Mông"
    communes = set(db.session.execute(sa.select(Shop.commune_code, Shop.commune)))
    assert communes == set(FORMER_VAN_HO_DISTRICT.items())
    roles = set(db.session.scalars(sa.select(User.role)))
    assert {"officer", "buyer", "artisan"} <= roles

    drafts = db.session.scalar(
        sa.select(sa.func.count()).select_from(Product).where(Product.status == "draft")
    )
    assert drafts >= 3
    page = client.get("/api/v1/products?limit=100").get_json()
    assert len(page["items"]) == 60 - drafts
    assert sum(len(p["variants"]) > 1 for p in page["items"]) >= 5
    top_categories = {c["slug"] for c in client.get("/api/v1/categories").get_json()["items"]}
    for slug in top_categories:
        response = client.get(f"/api/v1/products?category={slug}")
        assert response.status_code == 200, response.get_json()
        found = response.get_json()["items"]
        assert found, f"no demo product in {slug}"
    brocade = client.get("/api/v1/products?q=tho cam&shop=tho-cam-co-cham").get_json()["items"]
    assert brocade


def load_demo(app) -> dict[str, dict]:
    """Load the demo world; the officer's and the Cỏ Chàm artisan's API headers."""
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    people = {
        user.email: user
        for user in db.session.scalars(
            sa.select(User).where(User.email.in_(["canbo@vanho.example", "sau@cocham.example"]))
        )
    }
    return {
        "officer": headers_for(people["canbo@vanho.example"]),
        "co-cham": headers_for(people["sau@cocham.example"]),
    }


def test_the_trade_office_certified_products_through_its_own_process(app, client):
    headers = load_demo(app)
    products = client.get("/api/v1/products?limit=100").get_json()["items"]
    ocop_of = {p["title"]: p["ocop"] for p in products if p["ocop"] is not None}
    assert len(ocop_of) >= 10
    assert {o["stars"] for o in ocop_of.values()} == {3, 4, 5}
    assert [o["status"] for o in ocop_of.values()].count("expired") == 1
    assert ocop_of["Rượu ngô men lá"]["status"] == "expired"
    soon = ocop.expiring_certificates(60)
    assert [c.product for c in soon] == ["Mật ong rừng Suối Bàng"]
    assert soon[0].expires_on <= places.local_today() + timedelta(days=60)

    # Each certificate came from the artisan's application and an officer's approval.
    officer_id = db.session.scalar(sa.select(User.id).where(User.role == "officer"))
    approvals = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "ocop.approve")
    ).all()
    assert len(approvals) == len(ocop_of)
    assert {entry.actor_id for entry in approvals} == {officer_id}
    pending = client.get("/api/v1/ocop/applications?status=pending", headers=headers["officer"])
    assert len(pending.get_json()["items"]) == 1
    rejected = client.get("/api/v1/ocop/applications?status=rejected", headers=headers["officer"])
    assert rejected.get_json()["items"][0]["reason"]

    collection = client.get("/api/v1/collections/chon-loc-cho-postmart").get_json()
    assert collection["title"] == "Chọn lọc cho Postmart"
    assert len(collection["products"]) >= 8
    assert all(p["ocop"]["status"] == "certified" for p in collection["products"])
    stars = [p["ocop"]["stars"] for p in collection["products"]]
    assert stars == sorted(stars, reverse=True)


def test_co_cham_is_live_on_facebook_and_more_sessions_are_coming(app, client):
    headers = load_demo(app)
    listed = client.get("/api/v1/livestreams").get_json()["items"]
    live = listed[0]
    assert live["status"] == "live" and live["platform"] == "facebook"
    assert live["shop"]["slug"] == "tho-cam-co-cham"
    assert len(live["products"]) == 3
    assert all(p["live_price"] < p["price"] for p in live["products"])
    assert live["pinned_product_id"] in {p["product_id"] for p in live["products"]}

    upcoming = [item for item in listed if item["status"] == "scheduled"]
    assert {"tiktok", "youtube"} <= {item["platform"] for item in upcoming}
    assert len({item["shop"]["id"] for item in upcoming}) >= 2
    now = utcnow()
    for item in upcoming:
        start = db.session.get(Livestream, item["id"]).scheduled_start
        assert now < start < now + timedelta(days=7)
    ended = client.get("/api/v1/livestreams?status=ended").get_json()["items"]
    assert len(ended) == 1

    stats = client.get(f"/api/v1/livestreams/{live['id']}/stats", headers=headers["co-cham"])
    assert stats.get_json()["orders"] >= 2 and stats.get_json()["claims"] >= 1
    ended_stats = client.get(
        f"/api/v1/livestreams/{ended[0]['id']}/stats", headers=headers["officer"]
    )
    assert ended_stats.get_json()["revenue"] > 0


def test_demo_orders_are_in_every_status_with_consistent_stock_and_reports(app, client):
    headers = load_demo(app)
    orders = db.session.scalars(sa.select(Order)).all()
    assert len(orders) >= 15
    assert {"placed", "confirmed", "shipped", "delivered", "cancelled"} <= {
        order.status for order in orders
    }
    assert len({order.shop_id for order in orders}) >= 8
    buyers = db.session.scalars(sa.select(User.id).where(User.role == "buyer")).all()
    assert set(buyers) <= {order.buyer_id for order in orders}
    # Each order got where it is by the moves of the lifecycle, one history entry per move.
    steps = {"placed": 0, "confirmed": 1, "shipped": 2, "delivered": 3, "returned": 3}
    for order in orders:
        assert order.payment_method == "cod"
        if order.status in steps:
            assert len(order.history) == steps[order.status], order.status
        if order.history:
            assert order.history[-1].to_status == order.status
        assert order.payment_status == ("paid" if order.status == "delivered" else "unpaid")

    # Stock: what the demo catalogue started with, less what live orders hold.
    started = {
        (spec["title"], tuple(sorted(variant["options"].items()))): variant["stock"]
        for specs in PRODUCTS.values()
        for spec in specs
        for variant in spec.get("variants") or [{"options": {}, "stock": spec["stock"]}]
    }
    held = dict(
        db.session.execute(
            sa.select(OrderLine.variant_id, sa.func.sum(OrderLine.quantity))
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.status.not_in(["cancelled", "returned"]))
            .group_by(OrderLine.variant_id)
        ).all()
    )
    assert held
    for variant, title in db.session.execute(
        sa.select(ProductVariant, Product.title).join(Product)
    ).all():
        key = (title, tuple(sorted(variant.options.items())))
        assert variant.stock == started[key] - held.get(variant.id, 0), key

    overview = client.get("/api/v1/reports/overview", headers=headers["officer"]).get_json()
    counted = [o for o in orders if o.status in ("placed", "confirmed", "shipped", "delivered")]
    assert overview["orders"] == len(counted)
    assert overview["revenue"] == sum(order.total for order in counted)
    assert overview["livestream_revenue"] > 0
    assert all(overview["ocop_products"][stars] > 0 for stars in ("3", "4", "5"))
    by_shop = client.get(
        "/api/v1/reports/sales?group_by=shop", headers=headers["officer"]
    ).get_json()["rows"]
    assert len(by_shop) >= 6 and sum(row["orders"] for row in by_shop) == len(counted)


def test_no_demo_buyer_has_two_checkouts_holding_the_product_one_is_found_by():
    # A checkout is found again by its buyer and first product (demo.trade._existing_checkout):
    # another checkout of that buyer holding that product would be taken for it.
    for number, spec in enumerate(CHECKOUTS):
        key = spec["items"][0][0]
        for other_number, other in enumerate(CHECKOUTS):
            if other_number != number and other["buyer"] == spec["buyer"]:
                assert key not in [item[0] for item in other["items"]], (spec, other)


def test_demo_trade_grew_over_the_past_months_with_histories_in_order(app, client):
    headers = load_demo(app)
    now = utcnow()
    orders = db.session.scalars(sa.select(Order)).all()

    response = client.get("/api/v1/reports/sales?group_by=month", headers=headers["officer"])
    rows = response.get_json()["rows"]
    assert len(rows) >= 4, rows
    counted = [o for o in orders if o.status in ("placed", "confirmed", "shipped", "delivered")]
    local_months = {o.created_at.astimezone(places.LOCAL_TZ).strftime("%Y-%m") for o in counted}
    assert [row["key"] for row in rows] == sorted(local_months)
    assert sum(row["orders"] for row in rows) == len(counted)
    # Growing: the last whole month sold more than the first whole one.
    assert rows[-2]["orders"] > rows[1]["orders"], rows

    checkouts = db.session.scalars(sa.select(Checkout)).all()
    events = db.session.scalars(sa.select(OrderEvent)).all()
    claims = db.session.scalars(sa.select(LivestreamClaim)).all()
    stamps = [row.created_at for row in [*checkouts, *orders, *events, *claims]]
    stamps += [row.updated_at for row in [*checkouts, *orders]]
    assert max(stamps) <= now

    for order in orders:
        assert order.created_at == order.checkout.created_at
        moments = [order.created_at] + [event.created_at for event in order.history]
        assert moments == sorted(moments), order.id
        statuses = ["placed"] + [event.to_status for event in order.history]
        assert [event.from_status for event in order.history] == statuses[:-1], order.id
        assert order.updated_at >= moments[-1]
        # Moved along within days of being placed, not on the day the demo was loaded.
        assert moments[-1] - moments[0] < timedelta(days=10), order.id

    # Orders taken in a livestream were taken while it was on.
    for line in db.session.scalars(
        sa.select(OrderLine).where(OrderLine.livestream_id.is_not(None))
    ):
        session = db.session.get(Livestream, line.livestream_id)
        assert session.started_at <= line.order.created_at <= (session.ended_at or now)
