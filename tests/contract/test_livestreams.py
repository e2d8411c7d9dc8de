"""API.md § Livestreams — sessions, moves, pins, stats, claims and the calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.contract.conftest import ADDRESS, assert_error, assert_page, assert_timestamp

LIVESTREAM_KEYS = {
    "id",
    "shop",
    "title",
    "platform",
    "url",
    "status",
    "scheduled_start",
    "scheduled_end",
    "started_at",
    "ended_at",
    "products",
    "pinned_product_id",
    "created_at",
}
FEATURE_KEYS = {"product_id", "code", "title", "price", "live_price", "stock"}


def soon(hours: float = 24) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


@pytest.fixture
def seller(api):
    owner, shop = api.shop()
    scarf = api.product(owner, shop, title="Khăn piêu", price=200000, stock=10)
    skirt = api.product(
        owner,
        shop,
        title="Váy",
        variants=[
            {"options": {"size": "S"}, "price": 500000, "stock": 2},
            {"options": {"size": "M"}, "price": 550000, "stock": 2},
        ],
    )
    return owner, shop, scarf, skirt


def test_owner_schedules_with_coded_products(api, seller):
    owner, shop, scarf, skirt = seller
    livestream = api.livestream(
        owner,
        shop["slug"],
        title="Phiên chợ tối",
        platform="tiktok",
        url="https://www.tiktok.com/@cocham/live",
        scheduled_start="2031-03-01T20:00:00+07:00",
        scheduled_end="2031-03-01T22:00:00+07:00",
        description="Khăn và váy",
        products=[
            {"product_id": scarf["id"], "live_price": 150000},
            {"product_id": skirt["id"]},
        ],
    )
    assert LIVESTREAM_KEYS <= set(livestream)
    assert livestream["shop"]["id"] == shop["id"]
    assert livestream["shop"]["slug"] == shop["slug"]
    assert livestream["shop"]["name"] == shop["name"]
    assert livestream["status"] == "scheduled"
    assert livestream["platform"] == "tiktok"
    for name in ("scheduled_start", "scheduled_end", "created_at"):
        assert_timestamp(livestream[name])
    assert datetime.fromisoformat(livestream["scheduled_start"]) == datetime(
        2031, 3, 1, 13, tzinfo=UTC
    )
    assert livestream["started_at"] is None and livestream["ended_at"] is None
    assert livestream["pinned_product_id"] is None
    first, second = livestream["products"]
    assert FEATURE_KEYS <= set(first)
    assert (first["product_id"], first["code"]) == (scarf["id"], "A1")
    assert (second["product_id"], second["code"]) == (skirt["id"], "A2")
    assert first["price"] == 200000 and first["live_price"] == 150000 and first["stock"] == 10
    assert second["price"] == 500000 and second["live_price"] is None and second["stock"] == 4
    assert first["title"] == "Khăn piêu"
    assert api.get(f"/api/v1/livestreams/{livestream['id']}").get_json() == livestream


@pytest.mark.parametrize(
    ("platform", "url"),
    [
        ("facebook", "http://www.facebook.com/x/videos/1"),
        ("facebook", "https://facebook.com.evil.example/live"),
        ("facebook", "https://www.facebook.com@evil.example/"),
        ("facebook", "https://www.youtube.com/watch?v=1"),
        ("youtube", "https://youtube.evil.example/watch?v=1"),
        ("tiktok", "javascript:alert(1)"),
        ("zalo", "ftp://zalo.me/x"),
        ("instagram", "https://www.instagram.com/x"),
    ],
)
def test_url_must_be_https_on_the_platforms_hosts(api, seller, platform, url):
    owner, shop, *_ = seller
    api.livestream(owner, shop, platform=platform, url=url, expect=422)


@pytest.mark.parametrize(
    ("platform", "url"),
    [
        ("facebook", "https://www.facebook.com/cocham/videos/1"),
        ("facebook", "https://fb.watch/abc"),
        ("youtube", "https://www.youtube.com/watch?v=abc"),
        ("youtube", "https://youtu.be/abc"),
        ("tiktok", "https://www.tiktok.com/@x/live"),
        ("zalo", "https://zalo.me/x"),
    ],
)
def test_platform_hosts_are_accepted(api, seller, platform, url):
    owner, shop, *_ = seller
    api.livestream(owner, shop, platform=platform, url=url)


@pytest.mark.parametrize(
    "fields",
    [
        {"scheduled_start": "tomorrow"},
        {"scheduled_start": None},
        {"scheduled_end": "2020-01-01T00:00:00+00:00"},
        {"title": ""},
        {"title": "   "},
        {"platform": None},
        {"products": [{"product_id": "nope"}]},
        {"products": [{"live_price": 5}]},
        {"products": "A1"},
    ],
)
def test_bad_livestreams_are_422(api, seller, fields):
    owner, shop, *_ = seller
    api.livestream(owner, shop, expect=422, **fields)


def test_a_time_without_an_offset_is_read_in_vietnam(api, seller):
    owner, shop, *_ = seller
    live = api.livestream(
        owner, shop, scheduled_start="2031-03-01T20:00:00", scheduled_end="2031-03-01T21:30:00"
    )
    assert datetime.fromisoformat(live["scheduled_start"]) == datetime(
        2031, 3, 1, 13, 0, tzinfo=UTC
    )
    assert datetime.fromisoformat(live["scheduled_start"]).utcoffset() is not None
    assert datetime.fromisoformat(live["scheduled_end"]) == datetime(2031, 3, 1, 14, 30, tzinfo=UTC)


def test_live_price_must_be_a_discount_and_the_product_the_shops_own(api, seller):
    owner, shop, scarf, _ = seller
    api.livestream(owner, shop, products=[{"product_id": scarf["id"], "live_price": 0}], expect=422)
    other_owner, other_shop, foreign = api.seller_with_product()
    api.livestream(owner, shop, products=[{"product_id": foreign["id"]}], expect=422)


def test_only_the_shop_owner_schedules(api, seller):
    owner, shop, *_ = seller
    body = {
        "title": "x",
        "platform": "facebook",
        "url": "https://www.facebook.com/x/videos/1",
        "scheduled_start": soon(),
    }
    path = f"/api/v1/shops/{shop['id']}/livestreams"
    assert_error(api.post(path, body), 401)
    assert_error(api.post(path, body, api.register("artisan")), 403)
    assert_error(api.post("/api/v1/shops/no-such-shop/livestreams", body, owner), 404)


def test_patch_title_times_url_products_keeps_codes(api, seller):
    owner, shop, scarf, skirt = seller
    livestream = api.livestream(owner, shop, products=[{"product_id": scarf["id"]}])
    start, end = soon(48), soon(50)
    response = api.patch(
        f"/api/v1/livestreams/{livestream['id']}",
        {
            "title": "Đổi tên",
            "scheduled_start": start,
            "scheduled_end": end,
            "url": "https://www.facebook.com/cocham/videos/2",
            "products": [{"product_id": skirt["id"]}, {"product_id": scarf["id"]}],
        },
        owner,
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["title"] == "Đổi tên"
    assert datetime.fromisoformat(body["scheduled_start"]) == datetime.fromisoformat(start)
    assert body["url"].endswith("/videos/2")
    codes = {p["product_id"]: p["code"] for p in body["products"]}
    assert codes == {scarf["id"]: "A1", skirt["id"]: "A2"}
    bad = api.patch(
        f"/api/v1/livestreams/{livestream['id']}", {"url": "https://evil.example/"}, owner
    )
    assert_error(bad, 422)
    assert_error(api.patch(f"/api/v1/livestreams/{livestream['id']}", {"title": "x"}), 401)
    assert_error(
        api.patch(f"/api/v1/livestreams/{livestream['id']}", {"title": "x"}, api.register()), 403
    )


def test_moves_and_impossible_moves(api, seller):
    owner, shop, *_ = seller
    livestream = api.livestream(owner, shop)
    path = f"/api/v1/livestreams/{livestream['id']}"
    assert_error(api.post(f"{path}/end", None, owner), 409)
    assert_error(api.post(f"{path}/start", None, api.register("artisan")), 403)
    assert_error(api.post(f"{path}/start", None), 401)
    live = api.post(f"{path}/start", None, owner)
    assert live.status_code == 200
    assert live.get_json()["status"] == "live"
    assert_timestamp(live.get_json()["started_at"])
    assert_error(api.post(f"{path}/start", None, owner), 409)
    assert_error(api.post(f"{path}/cancel", None, owner), 409)
    ended = api.post(f"{path}/end", None, owner)
    assert ended.status_code == 200
    assert ended.get_json()["status"] == "ended"
    assert_timestamp(ended.get_json()["ended_at"])
    assert_error(api.post(f"{path}/start", None, owner), 409)
    assert_error(api.post(f"{path}/end", None, owner), 409)
    other = api.livestream(owner, shop)
    cancelled = api.post(f"/api/v1/livestreams/{other['id']}/cancel", None, owner)
    assert cancelled.status_code == 200
    assert cancelled.get_json()["status"] == "cancelled"
    assert_error(api.post(f"/api/v1/livestreams/{other['id']}/start", None, owner), 409)
    assert_error(api.post("/api/v1/livestreams/nope/start", None, owner), 404)


def test_pinned_product(api, seller):
    owner, shop, scarf, skirt = seller
    livestream = api.livestream(owner, shop, products=[{"product_id": scarf["id"]}])
    path = f"/api/v1/livestreams/{livestream['id']}/pinned"
    response = api.put(path, {"product_id": scarf["id"]}, owner)
    assert response.status_code == 200
    assert response.get_json()["pinned_product_id"] == scarf["id"]
    assert_error(api.put(path, {"product_id": skirt["id"]}, owner), 422)
    assert_error(api.put(path, {"product_id": scarf["id"]}, api.register("artisan")), 403)
    assert_error(api.put(path, {}, owner), 422)
    cleared = api.put(path, {"product_id": None}, owner)
    assert cleared.status_code == 200 and cleared.get_json()["pinned_product_id"] is None


# --- lists and calendar --------------------------------------------------------------------


def test_list_live_first_then_upcoming_by_start(api, seller):
    owner, shop, *_ = seller
    later = api.livestream(owner, shop, scheduled_start=soon(72))
    sooner = api.livestream(owner, shop, scheduled_start=soon(2))
    live = api.livestream(owner, shop, scheduled_start=soon(96))
    api.post(f"/api/v1/livestreams/{live['id']}/start", None, owner)
    ended = api.livestream(owner, shop, scheduled_start=soon(1))
    api.post(f"/api/v1/livestreams/{ended['id']}/start", None, owner)
    api.post(f"/api/v1/livestreams/{ended['id']}/end", None, owner)
    cancelled = api.livestream(owner, shop, scheduled_start=soon(3))
    api.post(f"/api/v1/livestreams/{cancelled['id']}/cancel", None, owner)

    def ids(**query):
        response = api.get("/api/v1/livestreams", query_string={"shop": shop["id"], **query})
        assert response.status_code == 200, response.get_json()
        items = assert_page(response.get_json())
        for item in items:
            assert LIVESTREAM_KEYS <= set(item)
        return [item["id"] for item in items]

    assert ids() == [live["id"], sooner["id"], later["id"]]
    paged, cursor = [], None
    while True:
        query = {"shop": shop["id"], "limit": 1, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/v1/livestreams", query_string=query).get_json()
        paged += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert paged == ids()
    assert ids(shop=shop["slug"]) == ids()
    assert ids(status="live") == [live["id"]]
    assert ids(status="scheduled") == [sooner["id"], later["id"]]
    assert ids(status="ended") == [ended["id"]]
    assert ids(status="cancelled") == [cancelled["id"]]
    assert_error(api.get("/api/v1/livestreams", query_string={"status": "paused"}), 422)
    # The commune's code, its official name, or its name typed without diacritics or unit
    # word, as the other lists take it.
    for commune in (shop["commune"], shop["commune_code"], "van ho"):
        found = api.get(
            "/api/v1/livestreams", query_string={"commune": commune, "limit": 100}
        ).get_json()
        assert live["id"] in {item["id"] for item in found["items"]}
        products = api.get("/api/v1/products", query_string={"commune": commune}).get_json()
        assert products["items"]
    elsewhere = api.get("/api/v1/livestreams", query_string={"commune": "Tô Múa"}).get_json()
    assert live["id"] not in {item["id"] for item in elsewhere["items"]}


def test_list_pages(api, seller):
    owner, shop, *_ = seller
    made = [api.livestream(owner, shop, scheduled_start=soon(10 + n))["id"] for n in range(5)]
    seen, cursor = [], None
    while True:
        query = {"shop": shop["id"], "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/v1/livestreams", query_string=query).get_json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == made


def test_suspended_shops_sessions_vanish(api, seller):
    owner, shop, *_ = seller
    livestream = api.livestream(owner, shop)
    api.post(f"/api/v1/shops/{shop['id']}/suspend", {"reason": "x"}, api.staff())
    assert_error(api.get(f"/api/v1/livestreams/{livestream['id']}"), 404)
    listed = api.get("/api/v1/livestreams", query_string={"limit": 100}).get_json()["items"]
    assert livestream["id"] not in {item["id"] for item in listed}
    assert api.get(f"/api/v1/livestreams/{livestream['id']}", owner).status_code == 200


def test_calendar(api, seller):
    owner, shop, *_ = seller
    livestream = api.livestream(owner, shop, title="Phiên lịch")
    response = api.get("/livestreams.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR")
    assert livestream["id"] in text
    for ref in (shop["id"], shop["slug"]):
        mine = api.get("/livestreams.ics", query_string={"shop": ref})
        assert mine.status_code == 200 and livestream["id"] in mine.get_data(as_text=True)
    _, other = api.shop()
    theirs = api.get("/livestreams.ics", query_string={"shop": other["id"]})
    assert theirs.status_code == 200 and livestream["id"] not in theirs.get_data(as_text=True)
    assert api.get("/livestreams.ics", query_string={"shop": "no-such-shop"}).status_code == 404


# --- stats and attribution -----------------------------------------------------------------


def test_live_price_only_while_live_and_attribution_always(api, seller):
    owner, shop, scarf, _ = seller
    livestream = api.livestream(
        owner, shop, products=[{"product_id": scarf["id"], "live_price": 150000}]
    )
    buyer = api.register()
    line = {"product_id": scarf["id"], "quantity": 1, "livestream_id": livestream["id"]}
    before = api.checkout(buyer, line)["orders"][0]["lines"][0]
    assert before["unit_price"] == 200000 and before["livestream_id"] == livestream["id"]
    api.post(f"/api/v1/livestreams/{livestream['id']}/start", None, owner)
    during = api.checkout(buyer, {**line, "quantity": 2})["orders"][0]
    assert during["lines"][0]["unit_price"] == 150000
    assert during["lines"][0]["line_total"] == 300000
    assert during["subtotal"] == 300000
    api.post(f"/api/v1/livestreams/{livestream['id']}/end", None, owner)
    after = api.checkout(buyer, line)["orders"][0]["lines"][0]
    assert after["unit_price"] == 200000 and after["livestream_id"] == livestream["id"]
    stale = api.checkout(buyer, {**line, "expected_unit_price": 150000}, expect=409)
    assert stale["error"]["code"] == "price_changed"

    stats = api.get(f"/api/v1/livestreams/{livestream['id']}/stats", owner)
    assert stats.status_code == 200
    body = stats.get_json()
    assert {"orders", "units", "revenue", "currency"} <= set(body)
    assert body == {**body, "orders": 3, "units": 4, "revenue": 700000, "currency": "VND"}
    assert api.get(f"/api/v1/livestreams/{livestream['id']}/stats", api.staff()).status_code == 200
    assert_error(api.get(f"/api/v1/livestreams/{livestream['id']}/stats", buyer), 403)
    assert_error(api.get(f"/api/v1/livestreams/{livestream['id']}/stats"), 401)


def test_stats_count_only_orders_that_count_for_reports(api, seller):
    owner, shop, scarf, _ = seller
    livestream = api.livestream(owner, shop, products=[{"product_id": scarf["id"]}])
    buyer = api.register()
    line = {"product_id": scarf["id"], "quantity": 1, "livestream_id": livestream["id"]}
    kept = api.checkout(buyer, line)["orders"][0]
    dropped = api.checkout(buyer, line)["orders"][0]
    api.order_move(buyer, dropped["id"], "cancel")
    stats = api.get(f"/api/v1/livestreams/{livestream['id']}/stats", owner).get_json()
    assert (stats["orders"], stats["units"], stats["revenue"]) == (1, 1, kept["subtotal"])


def test_another_shops_livestream_on_a_line_is_422(api, seller):
    owner, shop, scarf, _ = seller
    other_owner, other_shop = api.shop()
    theirs = api.livestream(other_owner, other_shop)
    buyer = api.register()
    response = api.checkout(
        buyer,
        {"product_id": scarf["id"], "quantity": 1, "livestream_id": theirs["id"]},
        expect=422,
    )
    assert response["error"]["code"]
    api.checkout(
        buyer, {"product_id": scarf["id"], "quantity": 1, "livestream_id": "nope"}, expect=422
    )


# --- claims --------------------------------------------------------------------------------


def claim_body(comment: str, **extra) -> dict:
    return {
        "comment": comment,
        "buyer_name": "Mùa Thị Sâu",
        "buyer_phone": "0987 111 222",
        "shipping_address": dict(ADDRESS),
        **extra,
    }


@pytest.fixture
def live(api, seller):
    owner, shop, scarf, skirt = seller
    livestream = api.livestream(
        owner,
        shop,
        products=[
            {"product_id": scarf["id"], "live_price": 150000},
            {"product_id": skirt["id"]},
        ],
    )
    assert api.post(f"/api/v1/livestreams/{livestream['id']}/start", None, owner).status_code == 200
    return owner, livestream, scarf, skirt


def test_claim_makes_an_order_at_the_live_price(api, live):
    owner, livestream, scarf, _ = live
    path = f"/api/v1/livestreams/{livestream['id']}/claims"
    response = api.post(path, claim_body("A1 x3"), owner)
    assert response.status_code == 201, response.get_json()
    claim = response.get_json()
    assert {"id", "comment", "code", "quantity", "order"} <= set(claim)
    assert (claim["comment"], claim["code"], claim["quantity"]) == ("A1 x3", "A1", 3)
    order = claim["order"]
    assert order["lines"][0]["unit_price"] == 150000
    assert order["lines"][0]["quantity"] == 3
    assert order["lines"][0]["livestream_id"] == livestream["id"]
    assert order["payment_method"] == "cod"
    assert order["status"] == "placed"
    assert order["buyer_contact"] == {"name": "Mùa Thị Sâu", "phone": "+84987111222"}
    assert api.get(f"/api/v1/products/{scarf['id']}").get_json()["stock"] == 7
    listed = api.get(path, owner)
    assert listed.status_code == 200
    assert [c["id"] for c in assert_page(listed.get_json())] == [claim["id"]]
    assert api.get(f"/api/v1/orders/{order['id']}", owner).status_code == 200
    assert_error(api.get(path, api.register("artisan")), 403)
    assert_error(api.get(path), 401)


def test_claim_errors(api, live):
    owner, livestream, scarf, skirt = live
    path = f"/api/v1/livestreams/{livestream['id']}/claims"
    for comment in ("xin giá", "A1 A2", "A1 x1.5"):
        assert_error(api.post(path, claim_body(comment), owner), 422, "unparseable_comment")
    assert_error(api.post(path, claim_body("A2 x1"), owner), 422, "variant_required")
    chosen = api.post(path, claim_body("A2 x1", variant_id=skirt["variants"][1]["id"]), owner)
    assert chosen.status_code == 201, chosen.get_json()
    assert_error(api.post(path, claim_body("A1 x11"), owner), 409, "out_of_stock")
    assert_error(api.post(path, claim_body("A1 x1"), api.register("artisan")), 403)
    assert_error(api.post(path, claim_body("A1 x1")), 401)
    api.post(f"/api/v1/livestreams/{livestream['id']}/end", None, owner)
    assert_error(api.post(path, claim_body("A1 x1"), owner), 409, "not_live")


def test_claim_before_live_is_not_live(api, seller):
    owner, shop, scarf, _ = seller
    livestream = api.livestream(owner, shop, products=[{"product_id": scarf["id"]}])
    response = api.post(f"/api/v1/livestreams/{livestream['id']}/claims", claim_body("A1"), owner)
    assert_error(response, 409, "not_live")


def test_live_price_needs_the_product_featured_with_one(api, seller):
    owner, shop, scarf, skirt = seller
    honey = api.product(owner, shop, title="Mật ong", price=80000, stock=5)
    livestream = api.livestream(owner, shop, products=[{"product_id": scarf["id"]}])
    api.post(f"/api/v1/livestreams/{livestream['id']}/start", None, owner)
    buyer = api.register()
    featured_without_price = api.checkout(
        buyer, {"product_id": scarf["id"], "quantity": 1, "livestream_id": livestream["id"]}
    )["orders"][0]["lines"][0]
    assert featured_without_price["unit_price"] == 200000
    assert featured_without_price["livestream_id"] == livestream["id"]
    not_featured = api.checkout(
        buyer, {"product_id": honey["id"], "quantity": 1, "livestream_id": livestream["id"]}
    )["orders"][0]["lines"][0]
    assert not_featured["unit_price"] == 80000
    assert not_featured["livestream_id"] == livestream["id"]
    stats = api.get(f"/api/v1/livestreams/{livestream['id']}/stats", owner).get_json()
    assert (stats["orders"], stats["units"], stats["revenue"]) == (2, 2, 280000)
