"""API.md § Products — products, variants, lists, search and categories."""

from __future__ import annotations

import pytest

from tests.contract.conftest import assert_error, assert_page, assert_timestamp

PRODUCT_KEYS = {
    "id",
    "shop",
    "title",
    "description",
    "price",
    "currency",
    "stock",
    "status",
    "category",
    "sku",
    "weight_grams",
    "images",
    "variants",
    "ocop",
    "created_at",
    "updated_at",
}


def ids_of(api, **query) -> list[str]:
    response = api.get("/api/v1/products", query_string={"limit": 100, **query})
    assert response.status_code == 200, response.get_json()
    return [p["id"] for p in assert_page(response.get_json())]


def test_product_with_a_default_variant(api):
    owner, shop = api.shop()
    response = api.post(
        f"/api/v1/shops/{shop['id']}/products",
        {
            "title": "Mật ong bạc hà",
            "description": "Mật ong hoa bạc hà",
            "price": 250000,
            "stock": 12,
            "category": "honey",
            "sku": "MO-01",
            "weight_grams": 500,
        },
        owner,
    )
    assert response.status_code == 201
    product = response.get_json()
    assert PRODUCT_KEYS <= set(product)
    assert product["shop"] == {
        "id": shop["id"],
        "slug": shop["slug"],
        "name": shop["name"],
        "commune": shop["commune"],
    }
    assert product["price"] == 250000 and product["currency"] == "VND"
    assert product["stock"] == 12
    assert product["status"] == "active"
    assert product["category"]["slug"] == "honey" and product["category"]["name"]
    assert product["sku"] == "MO-01"
    assert product["weight_grams"] == 500
    assert product["images"] == []
    assert product["ocop"] is None
    [variant] = product["variants"]
    assert set(variant) >= {"id", "sku", "options", "price", "stock"}
    assert variant["sku"] == "MO-01" and variant["price"] == 250000 and variant["stock"] == 12
    assert variant["options"] == {}
    assert_timestamp(product["created_at"])
    assert_timestamp(product["updated_at"])


def test_product_by_shop_slug_too(api):
    owner, shop = api.shop()
    product = api.product(owner, shop["slug"])
    assert product["shop"]["id"] == shop["id"]


def test_variants_make_price_the_lowest_and_stock_the_total(api):
    owner, shop = api.shop()
    response = api.post(
        f"/api/v1/shops/{shop['id']}/products",
        {
            "title": "Váy thổ cẩm",
            "price": 1,  # ignored with variants
            "stock": 999,  # ignored with variants
            "variants": [
                {"sku": "V-S", "options": {"size": "S"}, "price": 900000, "stock": 2},
                {"sku": "V-M", "options": {"size": "M"}, "price": 850000, "stock": 3},
            ],
        },
        owner,
    )
    assert response.status_code == 201
    product = response.get_json()
    assert product["price"] == 850000
    assert product["stock"] == 5
    assert [v["options"] for v in product["variants"]] == [{"size": "S"}, {"size": "M"}]
    # Without top-level price and stock too.
    response = api.post(
        f"/api/v1/shops/{shop['id']}/products",
        {"title": "Áo", "variants": [{"options": {"size": "L"}, "price": 5000, "stock": 1}]},
        owner,
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"title": "x"},
        {"title": "x", "price": 1000},
        {"title": "x", "stock": 1},
        {"price": 1000, "stock": 1},
        {"title": "", "price": 1000, "stock": 1},
        {"title": "x", "price": 0, "stock": 1},
        {"title": "x", "price": -5, "stock": 1},
        {"title": "x", "price": 1000.5, "stock": 1},
        {"title": "x", "price": "1000", "stock": 1},
        {"title": "x", "price": 1000, "stock": -1},
        {"title": "x", "price": 10**15, "stock": 1},
        {"title": "x", "price": 1000, "stock": 10**15},
        {"title": "x", "price": 1000, "stock": 1, "status": "archived"},
        {"title": "x", "price": 1000, "stock": 1, "status": "suspended"},
        {"title": "x", "price": 1000, "stock": 1, "status": "live"},
        {"title": "x", "price": 1000, "stock": 1, "category": "no-such-category"},
        {"title": "x", "price": 1000, "stock": 1, "weight_grams": 0},
        {"title": "x", "variants": []},
        {"title": "x", "variants": [{"options": {"a": "b"}, "price": 1000}]},
        {"title": "x", "variants": [{"options": {"a": "b"}, "stock": 1}]},
        {"title": "x", "variants": [{"options": {"a": 1}, "price": 1, "stock": 1}]},
        {"title": "x", "variants": [{"options": ["a"], "price": 1, "stock": 1}]},
        {
            "title": "x",
            "variants": [
                {"options": {"a": "b"}, "price": 1, "stock": 1},
                {"options": {"a": "b"}, "price": 2, "stock": 1},
            ],
        },
        {"title": "x", "variants": {"options": {}, "price": 1, "stock": 1}},
        {"title": "x", "price": 1000, "stock": 1, "image_ids": ["0" * 32]},
    ],
)
def test_bad_products_are_422(api, body):
    owner, shop = api.shop()
    assert_error(api.post(f"/api/v1/shops/{shop['id']}/products", body, owner), 422)


def test_only_the_shop_owner_adds_products(api):
    owner, shop = api.shop()
    body = {"title": "x", "price": 1000, "stock": 1}
    path = f"/api/v1/shops/{shop['id']}/products"
    assert_error(api.post(path, body), 401)
    assert_error(api.post(path, body, api.register("artisan")), 403)
    assert_error(api.post(path, body, api.staff()), 403)
    assert_error(api.post("/api/v1/shops/no-such-shop/products", body, owner), 404)


def test_draft_is_the_owners_only(api):
    owner, shop = api.shop()
    draft = api.product(owner, shop, status="draft")
    assert draft["status"] == "draft"
    assert api.get(f"/api/v1/products/{draft['id']}", owner).status_code == 200
    assert_error(api.get(f"/api/v1/products/{draft['id']}"), 404)
    assert_error(api.get(f"/api/v1/products/{draft['id']}", api.register()), 404)
    assert_error(api.get(f"/api/v1/products/{draft['id']}", api.register("artisan")), 404)
    assert draft["id"] not in ids_of(api, shop=shop["id"])
    # Nobody else can change what they cannot see either.
    assert_error(api.patch(f"/api/v1/products/{draft['id']}", {"title": "x"}, api.register()), 404)


def test_unknown_product_is_404(api):
    assert_error(api.get("/api/v1/products/nope"), 404)
    assert_error(api.get("/api/v1/products/" + "f" * 32), 404)


# --- the shop's own list -------------------------------------------------------------------


def test_shop_products_for_the_owner_in_any_status(api):
    owner, shop = api.shop()
    active = api.product(owner, shop)
    draft = api.product(owner, shop, status="draft")
    archived = api.product(owner, shop)
    assert api.delete(f"/api/v1/products/{archived['id']}", owner).status_code == 204
    path = f"/api/v1/shops/{shop['slug']}/products"

    def ids(**query):
        response = api.get(path, owner, query_string=query)
        assert response.status_code == 200, response.get_json()
        return {p["id"] for p in assert_page(response.get_json())}

    assert ids() == {active["id"], draft["id"], archived["id"]}
    assert ids(status="all") == ids()
    assert ids(status="draft") == {draft["id"]}
    assert ids(status="active") == {active["id"]}
    assert ids(status="archived") == {archived["id"]}
    assert ids(status="suspended") == set()
    assert_error(api.get(path, owner, query_string={"status": "deleted"}), 422)
    assert_error(api.get(path), 401)
    assert_error(api.get(path, api.register("artisan")), 403)


# --- the public list -----------------------------------------------------------------------


def test_public_list_shows_active_products_of_active_shops(api):
    owner, shop = api.shop()
    active = api.product(owner, shop)
    draft = api.product(owner, shop, status="draft")
    gone = api.product(owner, shop)
    api.delete(f"/api/v1/products/{gone['id']}", owner)
    listed = ids_of(api)
    assert active["id"] in listed
    assert draft["id"] not in listed and gone["id"] not in listed
    officer = api.staff()
    api.post(f"/api/v1/shops/{shop['id']}/suspend", {"reason": "x"}, officer)
    assert active["id"] not in ids_of(api)
    assert_error(api.get(f"/api/v1/products/{active['id']}"), 404)


def test_filter_by_shop_id_or_slug_and_commune(api):
    owner, shop = api.shop(commune="Tô Múa")
    other_owner, other = api.shop(commune="Vân Hồ")
    mine = api.product(owner, shop)
    theirs = api.product(other_owner, other)
    assert ids_of(api, shop=shop["id"]) == [mine["id"]]
    assert ids_of(api, shop=shop["slug"]) == [mine["id"]]
    assert ids_of(api, shop="no-such-shop") == []
    in_to_mua = ids_of(api, commune="Tô Múa")
    assert mine["id"] in in_to_mua and theirs["id"] not in in_to_mua


def test_category_includes_descendants_and_unknown_is_422(api):
    owner, shop = api.shop()
    brocade = api.product(owner, shop, category="brocade")
    textile = api.product(owner, shop, category="textile")
    honey = api.product(owner, shop, category="honey")
    handicraft = ids_of(api, category="handicraft", shop=shop["id"])
    assert set(handicraft) == {brocade["id"], textile["id"]}
    assert set(ids_of(api, category="textile", shop=shop["id"])) == {brocade["id"], textile["id"]}
    assert ids_of(api, category="brocade", shop=shop["id"]) == [brocade["id"]]
    assert ids_of(api, category="food", shop=shop["id"]) == [honey["id"]]
    assert_error(api.get("/api/v1/products", query_string={"category": "no-such"}), 422)


def test_price_filters_and_sorts(api):
    owner, shop = api.shop()
    cheap = api.product(owner, shop, price=50000)
    middle = api.product(owner, shop, price=150000)
    dear = api.product(owner, shop, price=900000)
    assert set(ids_of(api, shop=shop["id"], min_price=100000)) == {middle["id"], dear["id"]}
    assert set(ids_of(api, shop=shop["id"], max_price=150000)) == {cheap["id"], middle["id"]}
    assert ids_of(api, shop=shop["id"], min_price=100000, max_price=200000) == [middle["id"]]
    assert ids_of(api, shop=shop["id"], sort="price_asc") == [cheap["id"], middle["id"], dear["id"]]
    assert ids_of(api, shop=shop["id"], sort="price_desc") == [
        dear["id"],
        middle["id"],
        cheap["id"],
    ]
    assert ids_of(api, shop=shop["id"], sort="newest") == [dear["id"], middle["id"], cheap["id"]]
    assert ids_of(api, shop=shop["id"]) == ids_of(api, shop=shop["id"], sort="newest")
    for bad in ({"sort": "cheapest"}, {"min_price": "-1"}, {"max_price": "abc"}):
        assert_error(api.get("/api/v1/products", query_string=bad), 422)


def test_price_sort_pages_with_a_cursor(api):
    owner, shop = api.shop()
    made = [api.product(owner, shop, price=1000 * (n % 3 + 1))["id"] for n in range(7)]
    seen, cursor = [], None
    while True:
        query = {"shop": shop["id"], "sort": "price_asc", "limit": 3}
        if cursor:
            query["cursor"] = cursor
        body = api.get("/api/v1/products", query_string=query).get_json()
        seen += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(p["id"] for p in seen) == sorted(made)
    prices = [p["price"] for p in seen]
    assert prices == sorted(prices)


@pytest.mark.parametrize(
    ("title", "query"),
    [
        ("Khăn Thổ cẩm", "tho cam"),
        ("Khăn Thổ cẩm", "THỔ CẨM"),
        ("Váy đỏ", "do"),
        ("Khăn piêu Thái", "khan pieu"),
        ("ĐẶC SẢN", "dac san"),
    ],
)
def test_search_ignores_case_and_diacritics(api, title, query):
    owner, shop = api.shop()
    product = api.product(owner, shop, title=title)
    other = api.product(owner, shop, title="Gạo nếp")
    found = ids_of(api, q=query, shop=shop["id"])
    assert product["id"] in found and other["id"] not in found


def test_search_covers_description_and_shop_name(api):
    owner, shop = api.shop(name="Hợp tác xã Mường Men")
    by_shop = api.product(owner, shop, title="Gạo")
    by_description = api.product(owner, shop, title="Rượu", description="Men lá rừng")
    assert by_shop["id"] in ids_of(api, q="muong men")
    assert by_description["id"] in ids_of(api, q="men la")
    assert by_shop["id"] in ids_of(api, q="muong men", sort="relevance")


def test_search_treats_like_wildcards_literally(api):
    owner, shop = api.shop()
    plain = api.product(owner, shop, title="Trà shan")
    assert plain["id"] not in ids_of(api, q="%")
    assert plain["id"] not in ids_of(api, q="_")


def test_ocop_min_stars_is_3_to_5(api):
    for bad in ("2", "6", "x"):
        assert_error(api.get("/api/v1/products", query_string={"ocop_min_stars": bad}), 422)
    assert api.get("/api/v1/products", query_string={"ocop_min_stars": "3"}).status_code == 200


# --- editing -------------------------------------------------------------------------------


def test_patch_fields_and_absolute_stock(api):
    owner, shop, product = api.seller_with_product(price=100000, stock=10)
    response = api.patch(
        f"/api/v1/products/{product['id']}",
        {"title": "Mới", "price": 120000, "stock": 3, "category": "tea", "weight_grams": 200},
        owner,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["title"] == "Mới"
    assert body["price"] == 120000
    assert body["stock"] == 3  # absolute, not added
    assert body["category"]["slug"] == "tea"
    assert body["weight_grams"] == 200
    assert body["variants"][0]["id"] == product["variants"][0]["id"]
    assert body["updated_at"] >= product["updated_at"]
    again = api.patch(f"/api/v1/products/{product['id']}", {"stock": 3}, owner).get_json()
    assert again["stock"] == 3


def test_patch_variants_replaces_the_set(api):
    owner, shop = api.shop()
    product = api.product(
        owner,
        shop,
        variants=[
            {"sku": "S", "options": {"size": "S"}, "price": 300, "stock": 1},
            {"sku": "M", "options": {"size": "M"}, "price": 200, "stock": 2},
        ],
    )
    small, medium = product["variants"]
    response = api.patch(
        f"/api/v1/products/{product['id']}",
        {
            "variants": [
                {"id": small["id"], "stock": 7},
                {"sku": "L", "options": {"size": "L"}, "price": 500, "stock": 4},
            ]
        },
        owner,
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [v["sku"] for v in body["variants"]] == ["S", "L"]
    assert body["variants"][0]["id"] == small["id"]
    assert body["variants"][0]["stock"] == 7 and body["variants"][0]["price"] == 300
    # Medium is archived: neither listed nor counted.
    assert medium["id"] not in {v["id"] for v in body["variants"]}
    assert body["stock"] == 11
    assert body["price"] == 300
    assert body["sku"] == "S"
    public = api.get(f"/api/v1/products/{product['id']}").get_json()
    assert public["stock"] == 11 and public["price"] == 300
    # The list's price sort and filters follow the new lowest price.
    assert product["id"] in ids_of(api, shop=shop["id"], min_price=300, max_price=300)


def test_patch_with_a_foreign_variant_id_is_422(api):
    owner, shop, product = api.seller_with_product()
    _, _, other = api.seller_with_product()
    response = api.patch(
        f"/api/v1/products/{product['id']}",
        {"variants": [{"id": other["variants"][0]["id"], "stock": 1}]},
        owner,
    )
    assert_error(response, 422)
    after = api.get(f"/api/v1/products/{product['id']}").get_json()
    assert after["variants"] == product["variants"]


def test_patch_gallery_in_order(api):
    owner, shop, product = api.seller_with_product()
    first, second = api.image(owner), api.image(owner)
    response = api.patch(
        f"/api/v1/products/{product['id']}", {"image_ids": [second["id"], first["id"]]}, owner
    )
    assert response.status_code == 200
    images = response.get_json()["images"]
    assert [i["id"] for i in images] == [second["id"], first["id"]]
    assert {"id", "kind", "url", "variants", "status"} <= set(images[0])
    stranger = api.image(api.register())
    assert_error(
        api.patch(f"/api/v1/products/{product['id']}", {"image_ids": [stranger["id"]]}, owner),
        422,
    )


def test_only_the_owner_patches_and_deletes(api):
    owner, shop, product = api.seller_with_product()
    path = f"/api/v1/products/{product['id']}"
    assert_error(api.patch(path, {"title": "x"}), 401)
    assert_error(api.delete(path), 401)
    for other in (api.register("artisan"), api.register(), api.staff()):
        assert_error(api.patch(path, {"title": "x"}, other), 403)
        assert_error(api.delete(path, other), 403)


def test_delete_archives_and_past_orders_keep_it(api):
    owner, shop, product = api.seller_with_product(price=70000)
    buyer = api.register()
    order = api.checkout(buyer, {"product_id": product["id"], "quantity": 1})["orders"][0]
    response = api.delete(f"/api/v1/products/{product['id']}", owner)
    assert response.status_code == 204
    assert response.data == b""
    assert product["id"] not in ids_of(api)
    assert_error(api.get(f"/api/v1/products/{product['id']}"), 404)
    assert api.get(f"/api/v1/products/{product['id']}", owner).get_json()["status"] == "archived"
    kept = api.get(f"/api/v1/orders/{order['id']}", buyer).get_json()
    assert kept["lines"][0]["product_id"] == product["id"]
    assert kept["lines"][0]["unit_price"] == 70000
    # It can no longer be bought.
    response = api.checkout(buyer, {"product_id": product["id"], "quantity": 1}, expect=409)
    assert response["error"]["code"]


# --- categories ----------------------------------------------------------------------------


def test_category_tree(api):
    response = api.get("/api/v1/categories")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"items"}

    def walk(nodes, parent=None, out=None):
        out = {} if out is None else out
        for node in nodes:
            assert {"slug", "name", "name_en", "children"} <= set(node)
            out[node["slug"]] = (parent, node["name"])
            walk(node["children"], node["slug"], out)
        return out

    tree = walk(body["items"])
    top = {slug for slug, (parent, _) in tree.items() if parent is None}
    assert {"food", "beverages", "herbal", "handicraft", "ornamental", "tourism"} <= top
    expected_parents = {
        "honey": "food",
        "rice": "food",
        "dried-meat": "food",
        "tea": "beverages",
        "wine": "beverages",
        "herbal-bath": "herbal",
        "textile": "handicraft",
        "brocade": "textile",
        "bamboo-rattan": "handicraft",
    }
    for slug, parent in expected_parents.items():
        assert tree[slug][0] == parent, slug
    assert tree["food"][1] == "Thực phẩm"
    assert tree["beverages"][1] == "Đồ uống"
    assert tree["herbal"][1] == "Dược liệu"
    assert tree["ornamental"][1] == "Sinh vật cảnh"
    assert tree["tourism"][1] == "Du lịch cộng đồng"


def test_optional_fields_sent_as_null_are_not_given(api):
    owner, shop = api.shop()
    body = {
        "title": "Gạo nếp",
        "price": 50000,
        "stock": 3,
        "description": None,
        "category": None,
        "sku": None,
        "weight_grams": None,
        "status": None,
        "variants": None,
    }
    response = api.post(f"/api/v1/shops/{shop['id']}/products", body, owner)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "active"


@pytest.mark.parametrize(("price", "stock"), [(None, None), (1, 999), (0, -1), ("free", "many")])
def test_top_level_price_and_stock_are_ignored_with_variants(api, price, stock):
    owner, shop = api.shop()
    response = api.post(
        f"/api/v1/shops/{shop['id']}/products",
        {
            "title": "Áo",
            "price": price,
            "stock": stock,
            "variants": [{"options": {"size": "L"}, "price": 5000, "stock": 2}],
        },
        owner,
    )
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["price"], response.get_json()["stock"]) == (5000, 2)


def test_relevance_ranks_title_matches_first_and_pages_the_same(api):
    owner, shop = api.shop(name="Hợp tác xã Mây tre")
    in_description = api.product(owner, shop, title="Giỏ", description="đan bằng mây rừng")
    starts = api.product(owner, shop, title="Mây tre đan")
    inside = api.product(owner, shop, title="Đèn mây")
    by_shop = api.product(owner, shop, title="Chiếu")
    everything = ids_of(api, q="may", sort="relevance", shop=shop["id"])
    assert everything[0] == starts["id"]
    assert everything[1] == inside["id"]
    assert set(everything[2:]) == {in_description["id"], by_shop["id"]}
    paged, cursor = [], None
    while True:
        query = {"q": "may", "sort": "relevance", "shop": shop["id"], "limit": 1}
        if cursor:
            query["cursor"] = cursor
        body = api.get("/api/v1/products", query_string=query).get_json()
        paged += [p["id"] for p in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert paged == everything
