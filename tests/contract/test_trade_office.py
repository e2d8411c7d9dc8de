"""API.md § Trade office: OCOP, curation, moderation and the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.contract.conftest import assert_error, assert_page, assert_timestamp

APPLICATION_KEYS = {
    "id",
    "product_id",
    "status",
    "stars",
    "certificate_number",
    "issuer",
    "issued_on",
    "expires_on",
    "evidence",
    "reason",
    "reviewed_by",
    "reviewed_at",
    "created_at",
}
COLLECTION_KEYS = {"id", "slug", "title", "description", "products", "created_at", "updated_at"}
AUDIT_KEYS = {"id", "actor_id", "action", "target_type", "target_id", "reason", "created_at"}


def application_body(**overrides) -> dict:
    return {
        "certificate_number": "OCOP-SL-2025-017",
        "stars": 4,
        "issued_on": "2025-03-01",
        "expires_on": "2028-03-01",
        "issuer": "UBND tỉnh Sơn La",
        **overrides,
    }


def apply(api, owner, product, **overrides):
    return api.post(
        f"/api/v1/products/{product['id']}/ocop-applications", application_body(**overrides), owner
    )


def ids_of(api, **query):
    body = api.get("/api/v1/products", query_string={"limit": 100, **query}).get_json()
    return {p["id"] for p in body["items"]}


# --- OCOP ----------------------------------------------------------------------------------


def test_apply_then_approve_with_other_stars(api):
    owner, shop, product = api.seller_with_product()
    evidence = api.image(owner)
    response = apply(api, owner, product, evidence_media_ids=[evidence["id"]])
    assert response.status_code == 201, response.get_json()
    application = response.get_json()
    assert APPLICATION_KEYS <= set(application)
    assert application["status"] == "pending"
    assert application["product_id"] == product["id"]
    assert application["stars"] == 4
    assert application["issued_on"] == "2025-03-01"
    assert application["expires_on"] == "2028-03-01"
    assert [m["id"] for m in application["evidence"]] == [evidence["id"]]
    assert application["reviewed_by"] is None and application["reviewed_at"] is None
    assert_timestamp(application["created_at"])
    assert api.get(f"/api/v1/products/{product['id']}").get_json()["ocop"] is None

    officer = api.staff()
    queue = api.get("/api/v1/ocop/applications", officer, query_string={"status": "pending"})
    assert queue.status_code == 200
    assert application["id"] in {a["id"] for a in assert_page(queue.get_json())}
    approved = api.post(
        f"/api/v1/ocop/applications/{application['id']}/approve",
        {"stars": 3, "note": "Hồ sơ đủ"},
        officer,
    )
    assert approved.status_code == 200
    body = approved.get_json()
    assert body["status"] == "approved"
    assert body["stars"] == 3
    assert body["reviewed_by"] == officer.id
    assert_timestamp(body["reviewed_at"])
    ocop = api.get(f"/api/v1/products/{product['id']}").get_json()["ocop"]
    assert ocop == {
        "stars": 3,
        "certificate_number": "OCOP-SL-2025-017",
        "issued_on": "2025-03-01",
        "expires_on": "2028-03-01",
        "status": "certified",
    }
    assert product["id"] in ids_of(api, ocop_min_stars=3)
    assert product["id"] not in ids_of(api, ocop_min_stars=4)
    again = api.post(f"/api/v1/ocop/applications/{application['id']}/approve", {}, officer)
    assert_error(again, 409)


def test_approve_keeps_the_claimed_stars_by_default(api):
    owner, _, product = api.seller_with_product()
    application = apply(api, owner, product, stars=5).get_json()
    officer = api.staff("admin")
    body = api.post(f"/api/v1/ocop/applications/{application['id']}/approve", None, officer)
    assert body.status_code == 200, body.get_json()
    assert body.get_json()["stars"] == 5
    assert api.get(f"/api/v1/products/{product['id']}").get_json()["ocop"]["stars"] == 5


def test_reject_needs_a_reason(api):
    owner, _, product = api.seller_with_product()
    application = apply(api, owner, product).get_json()
    officer = api.staff()
    path = f"/api/v1/ocop/applications/{application['id']}/reject"
    assert_error(api.post(path, {}, officer), 422)
    assert_error(api.post(path, {"reason": ""}, officer), 422)
    rejected = api.post(path, {"reason": "Giấy chứng nhận mờ"}, officer)
    assert rejected.status_code == 200
    body = rejected.get_json()
    assert body["status"] == "rejected"
    assert body["reason"] == "Giấy chứng nhận mờ"
    assert api.get(f"/api/v1/products/{product['id']}").get_json()["ocop"] is None
    listed = api.get("/api/v1/ocop/applications", officer, query_string={"status": "rejected"})
    assert application["id"] in {a["id"] for a in listed.get_json()["items"]}


def test_an_expired_certificate_may_be_approved_but_counts_for_nothing(api):
    owner, _, product = api.seller_with_product()
    application = apply(
        api, owner, product, issued_on="2020-01-01", expires_on="2023-01-01", stars=5
    ).get_json()
    officer = api.staff()
    response = api.post(f"/api/v1/ocop/applications/{application['id']}/approve", {}, officer)
    assert response.status_code == 200
    ocop = api.get(f"/api/v1/products/{product['id']}").get_json()["ocop"]
    assert ocop["status"] == "expired" and ocop["stars"] == 5
    assert product["id"] not in ids_of(api, ocop_min_stars=3)
    overview = api.get("/api/v1/reports/overview", officer).get_json()
    assert overview["ocop_products"] == {**overview["ocop_products"]}
    assert all(isinstance(n, int) for n in overview["ocop_products"].values())


@pytest.mark.parametrize(
    "overrides",
    [
        {"stars": 2},
        {"stars": 6},
        {"stars": "4"},
        {"stars": 4.0},
        {"issued_on": "2025-02-30"},
        {"issued_on": "yesterday"},
        {"expires_on": "2024-01-01"},
        {"issued_on": (datetime.now(UTC) + timedelta(days=30)).date().isoformat()},
        {"certificate_number": ""},
        {"issuer": None},
        {"evidence_media_ids": ["0" * 32]},
        {"evidence_media_ids": "x"},
    ],
)
def test_bad_applications_are_422(api, overrides):
    owner, _, product = api.seller_with_product()
    assert_error(apply(api, owner, product, **overrides), 422)


def test_who_may_apply_and_review(api):
    owner, _, product = api.seller_with_product()
    assert_error(apply(api, None, product), 401)
    assert_error(apply(api, api.register("artisan"), product), 403)
    assert_error(
        api.post("/api/v1/products/nope/ocop-applications", application_body(), owner), 404
    )
    application = apply(api, owner, product).get_json()
    assert_error(apply(api, owner, product), 409)
    for path in (
        f"/api/v1/ocop/applications/{application['id']}/approve",
        f"/api/v1/ocop/applications/{application['id']}/reject",
    ):
        assert_error(api.post(path, {"reason": "x"}), 401)
        assert_error(api.post(path, {"reason": "x"}, owner), 403)
        assert_error(api.post(path, {"reason": "x"}, api.register()), 403)
    assert_error(api.get("/api/v1/ocop/applications", owner), 403)
    assert_error(api.get("/api/v1/ocop/applications"), 401)
    officer = api.staff()
    assert_error(api.post("/api/v1/ocop/applications/nope/approve", {}, officer), 404)
    assert_error(
        api.get("/api/v1/ocop/applications", officer, query_string={"status": "maybe"}), 422
    )


# --- collections ---------------------------------------------------------------------------


def test_collections_in_order_with_active_products_only(api):
    owner, shop = api.shop()
    first, second, third = (api.product(owner, shop, title=f"Món {n}") for n in range(3))
    officer = api.staff()
    response = api.post(
        "/api/v1/collections",
        {
            "title": "Chọn lọc cho Postmart",
            "description": "Đặc sản Vân Hồ",
            "product_ids": [third["id"], first["id"], second["id"]],
        },
        officer,
    )
    assert response.status_code == 201, response.get_json()
    collection = response.get_json()
    assert COLLECTION_KEYS <= set(collection)
    assert collection["slug"]
    assert [p["id"] for p in collection["products"]] == [third["id"], first["id"], second["id"]]
    assert {"id", "title", "price", "currency", "shop"} <= set(collection["products"][0])
    assert_timestamp(collection["created_at"])
    for ref in (collection["id"], collection["slug"]):
        got = api.get(f"/api/v1/collections/{ref}")
        assert got.status_code == 200
        assert got.get_json()["id"] == collection["id"]
    listed = api.get("/api/v1/collections").get_json()
    assert collection["id"] in {c["id"] for c in assert_page(listed)}

    api.delete(f"/api/v1/products/{first['id']}", owner)
    api.post(f"/api/v1/products/{second['id']}/suspend", {"reason": "x"}, officer)
    shown = api.get(f"/api/v1/collections/{collection['id']}").get_json()
    assert [p["id"] for p in shown["products"]] == [third["id"]]

    patched = api.patch(
        f"/api/v1/collections/{collection['slug']}",
        {"title": "Tết 2027", "product_ids": [third["id"]]},
        officer,
    )
    assert patched.status_code == 200
    assert patched.get_json()["title"] == "Tết 2027"
    deleted = api.delete(f"/api/v1/collections/{collection['id']}", officer)
    assert deleted.status_code == 204
    assert_error(api.get(f"/api/v1/collections/{collection['id']}"), 404)
    assert api.get(f"/api/v1/products/{third['id']}").status_code == 200


def test_collection_rules(api):
    owner, shop, product = api.seller_with_product()
    officer = api.staff()
    body = {"title": "Bộ sưu tập", "slug": "bo-suu-tap", "product_ids": [product["id"]]}
    assert_error(api.post("/api/v1/collections", body), 401)
    assert_error(api.post("/api/v1/collections", body, owner), 403)
    assert api.post("/api/v1/collections", body, officer).status_code == 201
    assert_error(api.post("/api/v1/collections", body, officer), 409)
    for bad in (
        {"title": "x", "product_ids": ["nope"]},
        {"title": "x"},
        {"product_ids": []},
        {"title": "x", "slug": "Not A Slug!", "product_ids": []},
        {"title": "x", "product_ids": "abc"},
    ):
        assert_error(api.post("/api/v1/collections", bad, officer), 422)
    assert_error(api.patch("/api/v1/collections/bo-suu-tap", {"title": "y"}, owner), 403)
    assert_error(api.delete("/api/v1/collections/bo-suu-tap", owner), 403)
    assert_error(api.delete("/api/v1/collections/bo-suu-tap"), 401)
    assert_error(api.patch("/api/v1/collections/nope", {"title": "y"}, officer), 404)


# --- moderation ----------------------------------------------------------------------------


def test_suspend_and_reinstate_a_shop_by_id_or_slug(api):
    owner, shop, product = api.seller_with_product()
    officer = api.staff()
    assert_error(api.post(f"/api/v1/shops/{shop['id']}/suspend", {}, officer), 422)
    suspended = api.post(f"/api/v1/shops/{shop['slug']}/suspend", {"reason": "Hàng giả"}, officer)
    assert suspended.status_code == 200
    assert suspended.get_json()["status"] == "suspended"
    assert {"id", "slug", "status", "verified"} <= set(suspended.get_json())
    assert product["id"] not in ids_of(api)
    assert_error(api.get(f"/api/v1/products/{product['id']}"), 404)
    buyer = api.register()
    response = api.checkout(buyer, {"product_id": product["id"], "quantity": 1}, expect=409)
    assert response["error"]["code"]
    back = api.post(f"/api/v1/shops/{shop['id']}/reinstate", None, officer)
    assert back.status_code == 200 and back.get_json()["status"] == "active"
    assert product["id"] in ids_of(api)
    verified = api.post(f"/api/v1/shops/{shop['slug']}/verify", None, officer)
    assert verified.status_code == 200 and verified.get_json()["verified"] is True


def test_suspend_and_reinstate_a_product(api):
    owner, shop, product = api.seller_with_product()
    officer = api.staff()
    response = api.post(f"/api/v1/products/{product['id']}/suspend", {"reason": "Sai"}, officer)
    assert response.status_code == 200
    assert response.get_json()["status"] == "suspended"
    assert product["id"] not in ids_of(api)
    assert_error(api.get(f"/api/v1/products/{product['id']}"), 404)
    buyer = api.register()
    response = api.post(
        "/api/v1/checkouts",
        {
            "items": [{"product_id": product["id"], "quantity": 1}],
            "shipping_address": {
                "name": "A",
                "phone": "0912345678",
                "line1": "x",
                "province": "Sơn La",
                "country": "VN",
            },
        },
        buyer,
    )
    assert response.status_code in (409, 422)
    # The owner cannot lift a suspension by editing the status.
    api.patch(f"/api/v1/products/{product['id']}", {"status": "active"}, owner)
    assert product["id"] not in ids_of(api)
    back = api.post(f"/api/v1/products/{product['id']}/reinstate", None, officer)
    assert back.status_code == 200 and back.get_json()["status"] == "active"
    assert product["id"] in ids_of(api)


def test_moderation_is_the_offices(api):
    owner, shop, product = api.seller_with_product()
    for path in (
        f"/api/v1/shops/{shop['id']}/suspend",
        f"/api/v1/shops/{shop['id']}/reinstate",
        f"/api/v1/shops/{shop['id']}/verify",
        f"/api/v1/products/{product['id']}/suspend",
        f"/api/v1/products/{product['id']}/reinstate",
    ):
        assert_error(api.post(path, {"reason": "x"}), 401)
        assert_error(api.post(path, {"reason": "x"}, owner), 403)
    officer = api.staff()
    assert_error(api.post("/api/v1/shops/nope/suspend", {"reason": "x"}, officer), 404)
    assert_error(api.post("/api/v1/products/nope/suspend", {"reason": "x"}, officer), 404)


# --- audit ---------------------------------------------------------------------------------


def test_every_officer_action_is_in_the_audit(api):
    owner, shop, product = api.seller_with_product()
    officer = api.staff()
    application = apply(api, owner, product).get_json()
    api.post(f"/api/v1/ocop/applications/{application['id']}/approve", {"note": "ok"}, officer)
    api.post(f"/api/v1/shops/{shop['id']}/suspend", {"reason": "Hàng giả"}, officer)
    api.post(f"/api/v1/shops/{shop['id']}/reinstate", None, officer)
    api.post(f"/api/v1/products/{product['id']}/suspend", {"reason": "Sai nhãn"}, officer)
    collection = api.post(
        "/api/v1/collections", {"title": "C", "product_ids": []}, officer
    ).get_json()
    response = api.get("/api/v1/audit", officer, query_string={"limit": 100})
    assert response.status_code == 200
    entries = assert_page(response.get_json())
    for entry in entries:
        assert AUDIT_KEYS <= set(entry)
        assert_timestamp(entry["created_at"])
    mine = [e for e in entries if e["actor_id"] == officer.id]
    targets = {(e["target_type"], e["target_id"]) for e in mine}
    assert any(target_id == shop["id"] for _, target_id in targets)
    assert any(target_id == product["id"] for _, target_id in targets)
    assert any(target_id == application["id"] for _, target_id in targets)
    assert any(target_id == collection["id"] for _, target_id in targets)
    reasons = {e["reason"] for e in mine}
    assert {"Hàng giả", "Sai nhãn"} <= reasons
    assert len(mine) >= 5
    # Newest first; limit honoured.
    first = api.get("/api/v1/audit", officer, query_string={"limit": 2}).get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    assert api.get("/api/v1/audit", api.staff("admin")).status_code == 200
    assert_error(api.get("/api/v1/audit", owner), 403)
    assert_error(api.get("/api/v1/audit"), 401)
