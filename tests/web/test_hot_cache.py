"""Hot reads: anonymous catalogue GETs come from the cache with ETag/304 and Cache-Control, a
signed-in or cookied visitor never gets a cached answer, and no cached answer outlives the
write that changes it (price, moderation, stock, a livestream's end)."""

from __future__ import annotations

import pytest

from tests.factories import headers_for, make_livestream, make_product, make_shop


@pytest.fixture
def product():
    return make_product(make_shop(), price=120000, stock=5, title="Khăn piêu")


def api_get(client, product_id, **kw):
    return client.get(f"/api/v1/products/{product_id}", **kw)


def test_a_second_anonymous_read_is_a_hit_with_an_etag_and_a_304(client, product):
    first = api_get(client, product.id)
    assert first.status_code == 200 and first.headers["X-Cache"] == "miss"
    assert first.headers["Cache-Control"] == "public, max-age=1, s-maxage=1"
    assert "Authorization" in first.headers["Vary"]
    second = api_get(client, product.id)
    assert second.headers["X-Cache"] == "hit"
    assert second.get_json() == first.get_json()
    assert second.headers["ETag"] == first.headers["ETag"]
    unchanged = api_get(client, product.id, headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.data == b""


def test_pages_are_cached_per_language(client, product):
    # Choosing English sets the `lang` cookie: that answer is the visitor's own.
    chosen = client.get(f"/products/{product.id}?lang=en")
    assert "lang=en" in chosen.headers["Set-Cookie"] and "X-Cache" not in chosen.headers
    english = client.get(f"/products/{product.id}?lang=en")
    client.delete_cookie("lang")
    vietnamese = client.get(f"/products/{product.id}", headers={"Accept-Language": "vi"})
    assert english.headers["X-Cache"] == vietnamese.headers["X-Cache"] == "miss"
    client.set_cookie("lang", "en")
    assert client.get(f"/products/{product.id}?lang=en").headers["X-Cache"] == "hit"
    client.delete_cookie("lang")
    again = client.get(f"/products/{product.id}", headers={"Accept-Language": "vi"})
    assert again.headers["X-Cache"] == "hit"
    assert again.data == vietnamese.data
    assert "Cookie" in again.headers["Vary"]


def test_gzipped_and_plain_answers_are_kept_apart(client, product):
    path = f"/products/{product.id}"
    plain = client.get(path)
    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers.get("Content-Encoding") == "gzip"
    assert client.get(path).data == plain.data  # a hit, never the gzipped bytes
    again = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert again.headers["X-Cache"] == "hit" and again.data == zipped.data
    assert "Accept-Encoding" in again.headers["Vary"]


def test_signed_in_and_cookied_visitors_are_never_served_from_the_cache(client, auth, product):
    api_get(client, product.id)
    _, headers = auth.user("buyer")
    assert "X-Cache" not in api_get(client, product.id, headers=headers).headers
    client.set_cookie("session", "x")
    assert "X-Cache" not in client.get(f"/products/{product.id}").headers


def test_no_cached_answer_outlives_a_price_change(client, auth, product):
    owner_headers = headers_for(product.shop.owner)
    assert api_get(client, product.id).get_json()["price"] == 120000
    client.get(f"/products/{product.id}")
    changed = client.patch(
        f"/api/v1/products/{product.id}", json={"price": 99000}, headers=owner_headers
    )
    assert changed.status_code == 200, changed.get_json()
    fresh = api_get(client, product.id)
    assert fresh.headers["X-Cache"] == "miss"
    assert fresh.get_json()["price"] == 99000
    listed = client.get("/api/v1/products").get_json()["items"]
    assert [p["price"] for p in listed if p["id"] == product.id] == [99000]


def test_no_cached_answer_outlives_a_suspension(client, auth, product):
    assert api_get(client, product.id).status_code == 200
    assert client.get(f"/products/{product.id}").status_code == 200
    assert api_get(client, product.id).headers["X-Cache"] == "hit"
    _, officer = auth.user("officer")
    suspended = client.post(
        f"/api/v1/products/{product.id}/suspend", json={"reason": "Hàng giả"}, headers=officer
    )
    assert suspended.status_code == 200, suspended.get_json()
    assert api_get(client, product.id).status_code == 404
    assert client.get(f"/products/{product.id}").status_code == 404


def test_no_cached_answer_outlives_a_sale(client, auth, product):
    variant = product.variants[0]
    assert api_get(client, product.id).get_json()["variants"][0]["stock"] == 5
    buyer, headers = auth.user("buyer")
    bought = client.post(
        "/api/v1/checkouts",
        json={
            "items": [{"product_id": product.id, "variant_id": variant.id, "quantity": 2}],
            "payment_method": "cod",
            "shipping_address": {
                "name": "Lò Thị Mai",
                "phone": "0912345678",
                "line1": "Bản Cỏ Chàm",
                "commune": "Vân Hồ",
                "province": "Sơn La",
                "country": "VN",
            },
        },
        headers=headers,
    )
    assert bought.status_code == 201, bought.get_json()
    assert api_get(client, product.id).get_json()["variants"][0]["stock"] == 3


def test_no_live_price_outlives_the_livestream(client, auth, product):
    live = make_livestream(product.shop, status="live", products=[(product, 90000)])
    shown = client.get(f"/api/v1/livestreams/{live.id}")
    assert shown.status_code == 200
    assert client.get(f"/api/v1/livestreams/{live.id}").headers["X-Cache"] == "hit"
    ended = client.post(
        f"/api/v1/livestreams/{live.id}/end", headers=headers_for(product.shop.owner)
    )
    assert ended.status_code == 200, ended.get_json()
    after = client.get(f"/api/v1/livestreams/{live.id}")
    assert after.headers["X-Cache"] == "miss"
    assert after.get_json()["status"] == "ended"


def test_an_answer_that_starts_a_session_is_not_cached(app, client, product):
    from flask import session

    def start_a_session():
        session["cart"] = ["x"]

    app.before_request_funcs.setdefault(None, []).append(start_a_session)
    try:
        first = api_get(client, product.id)
        assert first.status_code == 200 and "X-Cache" not in first.headers
        assert "X-Cache" not in client.get(f"/products/{product.id}").headers
    finally:
        app.before_request_funcs[None].remove(start_a_session)
    assert "session" in {cookie.key for cookie in client._cookies.values()}
    assert api_get(app.test_client(), product.id).headers["X-Cache"] == "miss"
