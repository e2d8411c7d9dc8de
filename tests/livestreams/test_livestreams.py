"""Livestreams over HTTP: sessions, featured products and codes, moves, pinning, lists, stats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import Checkout, Order, OrderLine
from marketplace.models.base import utcnow
from tests.factories import make_livestream, make_product, make_shop, make_user
from tests.factories.envelopes import assert_envelope

API = "/api/v1"


def iso(moment: datetime) -> str:
    return moment.isoformat()


@pytest.fixture
def seller(auth):
    owner, headers = auth.user("artisan")
    shop = make_shop(owner, name="Thổ cẩm Cỏ Chàm", commune="Vân Hồ")
    return owner, headers, shop


def payload(**overrides) -> dict:
    start = utcnow() + timedelta(days=2)
    body = {
        "title": "Live thổ cẩm tối nay",
        "platform": "facebook",
        "url": "https://www.facebook.com/cophien/videos/1",
        "scheduled_start": iso(start),
        "scheduled_end": iso(start + timedelta(hours=2)),
    }
    body.update(overrides)
    return body


def create(client, headers, shop, **overrides):
    return client.post(
        f"{API}/shops/{shop.slug}/livestreams", headers=headers, json=payload(**overrides)
    )


# --- creating --------------------------------------------------------------------------------


def test_owner_schedules_a_livestream_with_coded_products(client, seller):
    _, headers, shop = seller
    scarf = make_product(shop, title="Khăn piêu", price=250000, stock=4)
    skirt = make_product(shop, title="Váy Mông", price=900000, stock=2)
    start = datetime(2031, 3, 1, 20, 0, tzinfo=UTC) + timedelta(hours=-7)
    response = create(
        client,
        headers,
        shop,
        scheduled_start="2031-03-01T20:00:00+07:00",
        scheduled_end="2031-03-01T22:00:00+07:00",
        description="Hàng mới dệt",
        products=[{"product_id": scarf.id, "live_price": 199000}, {"product_id": skirt.id}],
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "scheduled"
    assert body["shop"] == {
        "id": shop.id,
        "slug": shop.slug,
        "name": shop.name,
        "commune": "Xã Vân Hồ",
    }
    assert body["scheduled_start"] == "2031-03-01T13:00:00+00:00" == iso(start)
    assert body["scheduled_end"] == "2031-03-01T15:00:00+00:00"
    assert body["started_at"] is None and body["ended_at"] is None
    assert body["pinned_product_id"] is None
    assert body["products"] == [
        {
            "product_id": scarf.id,
            "code": "A1",
            "title": "Khăn piêu",
            "price": 250000,
            "live_price": 199000,
            "stock": 4,
            "currency": "VND",
        },
        {
            "product_id": skirt.id,
            "code": "A2",
            "title": "Váy Mông",
            "price": 900000,
            "live_price": None,
            "stock": 2,
            "currency": "VND",
        },
    ]
    assert client.get(f"{API}/livestreams/{body['id']}").get_json() == body


def test_shop_id_works_as_well_as_slug(client, seller):
    _, headers, shop = seller
    response = client.post(f"{API}/shops/{shop.id}/livestreams", headers=headers, json=payload())
    assert response.status_code == 201


def test_only_the_shop_owner_creates(client, auth, seller):
    _, _, shop = seller
    _, stranger = auth.user("artisan")
    assert_envelope(create(client, stranger, shop), 403)
    assert_envelope(client.post(f"{API}/shops/{shop.slug}/livestreams", json=payload()), 401)
    missing = client.post(
        f"{API}/shops/no-such-shop/livestreams", headers=seller[1], json=payload()
    )
    assert_envelope(missing, 404)


@pytest.mark.parametrize(
    ("platform", "url"),
    [
        ("facebook", "https://facebook.com.evil.example/"),
        ("facebook", "https://evil.example/?u=facebook.com"),
        ("facebook", "https://facebook.com@evil.example/"),
        ("facebook", "http://facebook.com/videos/1"),
        ("facebook", "javascript:alert(1)"),
        ("facebook", "https://www.youtube.com/watch?v=1"),
        ("tiktok", "https://www.facebook.com/x"),
        ("other", "http://example.org/live"),
    ],
)
def test_links_off_the_platform_are_422(client, seller, platform, url):
    _, headers, shop = seller
    error = assert_envelope(create(client, headers, shop, platform=platform, url=url), 422)
    assert "url" in error["details"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"scheduled_start": "tomorrow"}, "scheduled_start"),
        (
            {
                "scheduled_start": "2031-03-01T20:00:00+07:00",
                "scheduled_end": "2031-03-01T19:00:00+07:00",
            },
            "scheduled_end",
        ),
        (
            {
                "scheduled_start": "2031-03-01T20:00:00+07:00",
                "scheduled_end": "2031-03-01T20:00:00+07:00",
            },
            "scheduled_end",
        ),
        (
            {"scheduled_start": "2020-01-01T08:00:00+00:00", "scheduled_end": None},
            "scheduled_start",
        ),
        ({"platform": "myspace"}, "platform"),
        ({"title": ""}, "title"),
        ({"products": [{"product_id": "x", "live_price": 0}]}, "products"),
        ({"products": [{"product_id": "x", "live_price": -5}]}, "products"),
        ({"products": [{"product_id": "x", "live_price": "1000"}]}, "products"),
        ({"products": [{"product_id": "x", "live_price": 1.5}]}, "products"),
        ({"products": [{"product_id": "x", "live_price": True}]}, "products"),
        ({"products": [{"product_id": "x"}, {"product_id": "x"}]}, "products"),
        ({"products": "A1"}, "products"),
    ],
)
def test_invalid_fields_are_422(client, seller, overrides, field):
    _, headers, shop = seller
    error = assert_envelope(create(client, headers, shop, **overrides), 422)
    assert field in error["details"]


def test_only_the_shops_own_active_products_can_be_featured(client, seller):
    _, headers, shop = seller
    foreign = make_product(make_shop())
    draft = make_product(shop, status="draft")
    archived = make_product(shop, status="archived")
    good = make_product(shop)
    response = create(
        client,
        headers,
        shop,
        products=[
            {"product_id": good.id},
            {"product_id": foreign.id},
            {"product_id": draft.id},
            {"product_id": archived.id},
            {"product_id": "0" * 32},
        ],
    )
    error = assert_envelope(response, 422)
    assert set(error["details"]["products"]) == {"1", "2", "3", "4"}


def test_a_live_price_must_be_below_every_variants_price(client, seller):
    _, headers, shop = seller
    product = make_product(
        shop,
        variants=[
            {"options": {"size": "S"}, "price": 100000, "stock": 1},
            {"options": {"size": "L"}, "price": 140000, "stock": 1},
        ],
    )
    for price in (100000, 120000):
        error = assert_envelope(
            create(
                client, headers, shop, products=[{"product_id": product.id, "live_price": price}]
            ),
            422,
        )
        assert "live_price" in error["details"]["products"]["0"]
    response = create(
        client, headers, shop, products=[{"product_id": product.id, "live_price": 99000}]
    )
    assert response.status_code == 201
    assert response.get_json()["products"][0]["price"] == 100000
    assert response.get_json()["products"][0]["stock"] == 2


def test_a_suspended_shop_cannot_schedule(client, seller):
    _, headers, shop = seller
    shop.status = "suspended"
    db.session.commit()
    assert_envelope(create(client, headers, shop), 409, "shop_suspended")


# --- editing and codes -----------------------------------------------------------------------


def test_codes_are_stable_across_edits_and_never_reused(client, seller):
    _, headers, shop = seller
    a, b, c, d = (make_product(shop, price=100000) for _ in range(4))
    livestream_id = create(
        client, headers, shop, products=[{"product_id": a.id}, {"product_id": b.id}]
    ).get_json()["id"]

    def edit(*products):
        response = client.patch(
            f"{API}/livestreams/{livestream_id}", headers=headers, json={"products": list(products)}
        )
        assert response.status_code == 200, response.get_json()
        return {item["product_id"]: item["code"] for item in response.get_json()["products"]}

    # b stays B's code, a leaves, c and d are new: the next codes, never a's A1.
    assert edit({"product_id": b.id}, {"product_id": c.id}, {"product_id": d.id}) == {
        b.id: "A2",
        c.id: "A3",
        d.id: "A4",
    }
    # a comes back with its own code.
    assert edit({"product_id": d.id}, {"product_id": a.id}) == {a.id: "A1", d.id: "A4"}
    codes = [
        item["code"]
        for item in client.get(f"{API}/livestreams/{livestream_id}").get_json()["products"]
    ]
    assert codes == ["A1", "A4"]


def test_live_prices_are_kept_unless_given(client, seller):
    _, headers, shop = seller
    product = make_product(shop, price=100000)
    livestream_id = create(
        client, headers, shop, products=[{"product_id": product.id, "live_price": 80000}]
    ).get_json()["id"]
    url = f"{API}/livestreams/{livestream_id}"
    kept = client.patch(url, headers=headers, json={"products": [{"product_id": product.id}]})
    assert kept.get_json()["products"][0]["live_price"] == 80000
    cleared = client.patch(
        url, headers=headers, json={"products": [{"product_id": product.id, "live_price": None}]}
    )
    assert cleared.get_json()["products"][0]["live_price"] is None


def test_patch_edits_fields_and_checks_the_url_against_the_platform(client, seller):
    _, headers, shop = seller
    livestream_id = create(client, headers, shop).get_json()["id"]
    url = f"{API}/livestreams/{livestream_id}"
    response = client.patch(
        url,
        headers=headers,
        json={"title": "Đổi giờ", "platform": "tiktok", "url": "https://vt.tiktok.com/ZS1/"},
    )
    assert response.status_code == 200
    assert response.get_json()["title"] == "Đổi giờ"
    assert response.get_json()["platform"] == "tiktok"
    # The old url does not fit a new platform.
    assert (
        "url"
        in assert_envelope(client.patch(url, headers=headers, json={"platform": "youtube"}), 422)[
            "details"
        ]
    )
    assert (
        "url"
        in assert_envelope(
            client.patch(url, headers=headers, json={"url": "https://tiktok.com.evil.example/"}),
            422,
        )["details"]
    )
    # An end before the kept start.
    start = datetime.fromisoformat(response.get_json()["scheduled_start"])
    error = assert_envelope(
        client.patch(
            url, headers=headers, json={"scheduled_end": iso(start - timedelta(minutes=1))}
        ),
        422,
    )
    assert "scheduled_end" in error["details"]
    assert client.get(url).get_json()["title"] == "Đổi giờ"


def test_only_the_owner_edits(client, auth, seller):
    _, headers, shop = seller
    livestream_id = create(client, headers, shop).get_json()["id"]
    _, stranger = auth.user("artisan")
    url = f"{API}/livestreams/{livestream_id}"
    assert_envelope(client.patch(url, headers=stranger, json={"title": "x"}), 403)
    assert_envelope(client.patch(url, json={"title": "x"}), 401)
    assert_envelope(
        client.patch(f"{API}/livestreams/{'0' * 32}", headers=headers, json={"title": "x"}), 404
    )


# --- moves -----------------------------------------------------------------------------------


def test_a_session_starts_ends_and_keeps_its_history(client, seller):
    owner, headers, shop = seller
    livestream_id = create(client, headers, shop).get_json()["id"]
    url = f"{API}/livestreams/{livestream_id}"
    assert_envelope(client.post(f"{url}/end", headers=headers), 409, "invalid_transition")
    started = client.post(f"{url}/start", headers=headers)
    assert started.status_code == 200
    assert started.get_json()["status"] == "live"
    assert started.get_json()["started_at"] is not None
    assert_envelope(client.post(f"{url}/start", headers=headers), 409, "invalid_transition")
    assert_envelope(client.post(f"{url}/cancel", headers=headers), 409, "invalid_transition")
    ended = client.post(f"{url}/end", headers=headers).get_json()
    assert ended["status"] == "ended" and ended["ended_at"] is not None
    assert [(e["from"], e["to"], e["by"]) for e in ended["history"]] == [
        ("scheduled", "live", owner.id),
        ("live", "ended", owner.id),
    ]
    for move in ("start", "end", "cancel"):
        assert_envelope(client.post(f"{url}/{move}", headers=headers), 409, "invalid_transition")
    assert_envelope(
        client.patch(url, headers=headers, json={"title": "x"}), 409, "livestream_closed"
    )


def test_a_scheduled_session_can_be_cancelled_with_a_reason(client, seller):
    _, headers, shop = seller
    url = f"{API}/livestreams/{create(client, headers, shop).get_json()['id']}"
    response = client.post(f"{url}/cancel", headers=headers, json={"reason": "Mất điện"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "cancelled" and body["cancel_reason"] == "Mất điện"
    assert body["history"][-1]["reason"] == "Mất điện"
    assert_envelope(client.post(f"{url}/start", headers=headers), 409, "invalid_transition")


def test_moves_are_the_owners(client, auth, seller):
    _, headers, shop = seller
    url = f"{API}/livestreams/{create(client, headers, shop).get_json()['id']}"
    _, officer = auth.user("officer")
    assert_envelope(client.post(f"{url}/start", headers=officer), 403)
    assert_envelope(client.post(f"{url}/start"), 401)


# --- pinning ---------------------------------------------------------------------------------


def test_pinning_a_featured_product(client, seller):
    _, headers, shop = seller
    featured, other = make_product(shop), make_product(shop)
    livestream_id = create(
        client, headers, shop, products=[{"product_id": featured.id}]
    ).get_json()["id"]
    url = f"{API}/livestreams/{livestream_id}"
    assert_envelope(
        client.put(f"{url}/pinned", headers=headers, json={"product_id": other.id}),
        422,
        "not_featured",
    )
    pinned = client.put(f"{url}/pinned", headers=headers, json={"product_id": featured.id})
    assert pinned.status_code == 200
    assert pinned.get_json()["pinned_product_id"] == featured.id
    # Taking the product off the session takes it off the screen.
    response = client.patch(url, headers=headers, json={"products": [{"product_id": other.id}]})
    assert response.get_json()["pinned_product_id"] is None
    client.put(f"{url}/pinned", headers=headers, json={"product_id": other.id})
    cleared = client.put(f"{url}/pinned", headers=headers, json={"product_id": None})
    assert cleared.get_json()["pinned_product_id"] is None
    assert_envelope(client.put(f"{url}/pinned", headers=headers, json={}), 422)


# --- visibility ------------------------------------------------------------------------------


def test_suspended_products_vanish_from_features(client, seller):
    _, headers, shop = seller
    kept, suspended = make_product(shop), make_product(shop)
    livestream = make_livestream(shop, products=[(kept, None), (suspended, None)])
    suspended.status = "suspended"
    db.session.commit()
    products = client.get(f"{API}/livestreams/{livestream.id}").get_json()["products"]
    assert [p["product_id"] for p in products] == [kept.id]


def test_a_suspended_shops_sessions_vanish_except_for_owner_and_officers(client, auth, seller):
    owner, headers, shop = seller
    livestream = make_livestream(shop, status="live")
    shop.status = "suspended"
    db.session.commit()
    url = f"{API}/livestreams/{livestream.id}"
    assert_envelope(client.get(url), 404)
    assert client.get(url, headers=headers).status_code == 200
    _, officer = auth.user("officer")
    assert client.get(url, headers=officer).status_code == 200
    assert client.get(f"{API}/livestreams").get_json()["items"] == []
    assert_envelope(
        client.post(f"{API}/livestreams/{make_livestream(shop).id}/start", headers=headers),
        409,
        "shop_suspended",
    )


def test_an_unknown_livestream_is_404(client):
    assert_envelope(client.get(f"{API}/livestreams/{'0' * 32}"), 404)


# --- the list --------------------------------------------------------------------------------


def _ids(response):
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_live_first_then_upcoming_by_start(client):
    now = utcnow()
    shop = make_shop()
    later = make_livestream(shop, scheduled_start=now + timedelta(days=3))
    soon = make_livestream(shop, scheduled_start=now + timedelta(hours=1))
    live = make_livestream(shop, status="live", scheduled_start=now + timedelta(days=5))
    make_livestream(shop, status="ended", scheduled_start=now - timedelta(days=1))
    make_livestream(shop, status="cancelled", scheduled_start=now + timedelta(days=1))
    assert _ids(client.get(f"{API}/livestreams")) == [live.id, soon.id, later.id]


def test_status_filters(client):
    now = utcnow()
    shop = make_shop()
    old = make_livestream(shop, status="ended", scheduled_start=now - timedelta(days=9))
    recent = make_livestream(shop, status="ended", scheduled_start=now - timedelta(days=1))
    cancelled = make_livestream(shop, status="cancelled")
    live = make_livestream(shop, status="live")
    upcoming = make_livestream(shop)
    assert _ids(client.get(f"{API}/livestreams?status=ended")) == [recent.id, old.id]
    assert _ids(client.get(f"{API}/livestreams?status=cancelled")) == [cancelled.id]
    assert _ids(client.get(f"{API}/livestreams?status=live")) == [live.id]
    assert _ids(client.get(f"{API}/livestreams?status=scheduled")) == [upcoming.id]
    assert _ids(client.get(f"{API}/livestreams?status=live,scheduled,ended")) == [
        live.id,
        upcoming.id,
        old.id,
        recent.id,
    ]
    assert_envelope(client.get(f"{API}/livestreams?status=paused"), 422)


def test_shop_and_commune_filters(client):
    here = make_shop(commune="Vân Hồ")
    there = make_shop(commune="Lào Cai", province="Lào Cai")
    mine, theirs = make_livestream(here), make_livestream(there)
    assert _ids(client.get(f"{API}/livestreams?shop={here.slug}")) == [mine.id]
    assert _ids(client.get(f"{API}/livestreams?shop={there.id}")) == [theirs.id]
    assert _ids(client.get(f"{API}/livestreams?shop=no-such-shop")) == []
    for commune in ("Phường Lào Cai", there.commune_code, "lao cai"):
        found = client.get(f"{API}/livestreams", query_string={"commune": commune})
        assert _ids(found) == [theirs.id]


def test_pages_follow_the_mixed_ordering_without_gaps(client):
    now = utcnow()
    shop = make_shop()
    expected = [
        make_livestream(shop, status="live", scheduled_start=now + timedelta(minutes=i))
        for i in range(3)
    ]
    expected += [
        make_livestream(shop, scheduled_start=now + timedelta(hours=i)) for i in range(1, 6)
    ]
    # Two sessions at the same minute: the id breaks the tie.
    same = now + timedelta(days=7)
    twins = sorted(
        [make_livestream(shop, scheduled_start=same), make_livestream(shop, scheduled_start=same)],
        key=lambda ls: ls.id,
    )
    expected += twins
    seen, cursor = [], None
    while True:
        response = client.get(
            f"{API}/livestreams",
            query_string={"limit": 3, **({"cursor": cursor} if cursor else {})},
        )
        seen += _ids(response)
        cursor = response.get_json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [ls.id for ls in expected]
    assert_envelope(client.get(f"{API}/livestreams?cursor=forged"), 400, "invalid_cursor")


def test_the_list_costs_a_constant_number_of_queries(client, count_queries):
    def fill(count):
        for _ in range(count):
            shop = make_shop()
            products = [(make_product(shop), 50000) for _ in range(3)]
            make_livestream(shop, status="live", products=products)

    fill(2)
    with count_queries() as few:
        assert len(_ids(client.get(f"{API}/livestreams"))) == 2
    fill(8)
    with count_queries() as many:
        assert len(_ids(client.get(f"{API}/livestreams"))) == 10
    assert many.count == few.count


# --- stats -----------------------------------------------------------------------------------


def attributed_order(
    livestream, product, *, quantity, unit_price, status="placed", other_line=None
):
    checkout = Checkout(
        buyer_id=make_user().id, status=status, payment_method="cod", total=0, currency="VND"
    )
    order = Order(
        checkout=checkout,
        shop_id=livestream.shop_id,
        buyer_id=checkout.buyer_id,
        status=status,
        payment_method="cod",
        subtotal=0,
        shipping_fee=30000,
        total=0,
        currency="VND",
        shipping_address={},
    )
    variant = product.variants[0]
    order.lines.append(
        OrderLine(
            product_id=product.id,
            variant_id=variant.id,
            title=product.title,
            unit_price=unit_price,
            quantity=quantity,
            line_total=unit_price * quantity,
            livestream_id=livestream.id,
        )
    )
    if other_line:
        order.lines.append(
            OrderLine(
                product_id=product.id,
                variant_id=variant.id,
                title=product.title,
                unit_price=other_line,
                quantity=1,
                line_total=other_line,
                position=1,
            )
        )
    db.session.add(order)
    db.session.commit()
    return order


def test_stats_count_attributed_lines_of_reported_orders(client, auth, seller):
    _, headers, shop = seller
    product = make_product(shop, price=100000)
    livestream = make_livestream(shop, status="live", products=[(product, 80000)])
    attributed_order(livestream, product, quantity=2, unit_price=80000, other_line=100000)
    attributed_order(livestream, product, quantity=1, unit_price=80000, status="delivered")
    attributed_order(livestream, product, quantity=5, unit_price=80000, status="cancelled")
    attributed_order(livestream, product, quantity=5, unit_price=80000, status="pending_payment")
    attributed_order(livestream, product, quantity=5, unit_price=80000, status="returned")
    attributed_order(make_livestream(shop), product, quantity=7, unit_price=100000)
    url = f"{API}/livestreams/{livestream.id}/stats"
    expected = {"orders": 2, "units": 3, "revenue": 240000, "currency": "VND", "claims": 0}
    assert client.get(url, headers=headers).get_json() == expected
    _, officer = auth.user("officer")
    assert client.get(url, headers=officer).get_json() == expected
    _, admin = auth.user("admin")
    assert client.get(url, headers=admin).status_code == 200
    _, buyer = auth.user("buyer")
    assert_envelope(client.get(url, headers=buyer), 403)
    assert_envelope(client.get(url), 401)


def test_stats_of_a_session_without_orders_are_zero(client, seller):
    _, headers, shop = seller
    livestream = make_livestream(shop)
    assert client.get(f"{API}/livestreams/{livestream.id}/stats", headers=headers).get_json() == {
        "orders": 0,
        "units": 0,
        "revenue": 0,
        "currency": "VND",
        "claims": 0,
    }
