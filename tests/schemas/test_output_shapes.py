"""The compiled answers for representative objects: what marshmallow itself dumps, and valid
against the OpenAPI document's own component schemas (which forbid unknown properties)."""

from __future__ import annotations

import functools
from datetime import timedelta

import pytest
from openapi_schema_validator import OAS30ReadValidator

from marketplace.extensions import db
from marketplace.models import ProductImage
from marketplace.pagination import page_body
from marketplace.schemas.orders import CheckoutSchema, OrderSchema
from marketplace.schemas.products import ProductPageSchema, ProductSchema
from marketplace.schemas.trade_office import CollectionSchema
from marketplace.services.catalog import products as catalog
from marketplace.services.catalog.product_views import product_views
from marketplace.services.orders.checkout import load_checkout
from marketplace.services.orders.lifecycle import PricedLine, new_checkout, new_order
from marketplace.services.places import local_today
from marketplace.services.trade_office import curation
from tests.factories import make_product, make_shop, make_user
from tests.factories.orders import ADDRESS, line, post_checkout
from tests.factories.trade_office import certify, make_media


@functools.cache
def _components(app) -> dict:
    return app.test_client().get("/api/openapi.json").get_json()["components"]


def documented(app, component: str) -> OAS30ReadValidator:
    schema = {"$ref": f"#/components/schemas/{component}", "components": _components(app)}
    return OAS30ReadValidator(schema)


def assert_documented(app, component: str, answer) -> None:
    documented(app, component).validate(answer)


def representative_products() -> list:
    """Variants (one archived), a gallery, a category, certificates valid and lapsed, a
    suspension with its reason, a bare draft."""
    shop = make_shop()
    rich = make_product(
        shop,
        title="Khăn piêu",
        description="Dệt tay",
        weight_grams=300,
        variants=[
            {"options": {"màu": "đỏ"}, "price": 120000, "stock": 4, "sku": "KP-D"},
            {"options": {"màu": "chàm"}, "price": 150000, "stock": 2},
            {"options": {"màu": "trắng"}, "price": 90000, "stock": 1},
        ],
    )
    catalog.update_product(
        rich,
        {
            "category": "brocade",
            "variants": [{"id": v.id} for v in rich.variants[:2]],  # the third is archived
        },
    )
    for position in range(2):
        media = make_media(shop.owner)
        media.variant_keys = {"thumb": f"{media.key}.thumb"}
        db.session.add(ProductImage(product_id=rich.id, media_id=media.id, position=position))
    certify(rich, 5)
    lapsed = make_product(shop, title="Chè Shan tuyết")
    certify(lapsed, 3, expires_on=local_today() - timedelta(days=1))
    suspended = make_product(shop, status="suspended", suspension_reason="Nhãn sai")
    reinstated = make_product(shop, suspension_reason="An old reason, not shown")
    draft = make_product(make_shop(), status="draft", title="Bản nháp")
    db.session.commit()
    db.session.expire_all()
    return [rich, lapsed, suspended, reinstated, draft]


def test_products_dump_as_marshmallow_and_as_documented(app):
    views = product_views(representative_products())
    schema = ProductSchema()
    answers = schema.dump(views, many=True)
    assert answers == schema.marshmallow_dump(views, many=True)
    for answer in answers:
        assert_documented(app, "Product", answer)
    rich, lapsed, suspended, reinstated, draft = answers
    assert [v["price"] for v in rich["variants"]] == [120000, 150000]
    assert (rich["price"], rich["stock"], rich["sku"]) == (120000, 6, "KP-D")
    assert len(rich["images"]) == 2 and rich["category"]["slug"] == "brocade"
    assert (rich["ocop"]["status"], lapsed["ocop"]["status"]) == ("certified", "expired")
    assert (suspended["suspension_reason"], reinstated["suspension_reason"]) == ("Nhãn sai", None)
    assert (draft["category"], draft["ocop"], draft["images"]) == (None, None, [])
    # The check bites: an unknown or a mistyped property is refused.
    for wrong in ({**rich, "extra": 1}, {**rich, "price": "120000"}, {**rich, "shop": None}):
        assert not documented(app, "Product").is_valid(wrong)

    page = page_body(views, "next")
    assert ProductPageSchema().dump(page) == ProductPageSchema().marshmallow_dump(page)
    assert_documented(app, "ProductPage", ProductPageSchema().dump(page))


def test_a_collection_shows_its_products_as_documented(app):
    products = representative_products()
    view = curation.create_collection(
        make_user("officer"), title="Chọn lọc", product_ids=[p.id for p in products[:3]]
    )
    answer = CollectionSchema().dump(view)
    assert [item["id"] for item in answer["products"]] == [products[0].id, products[1].id]
    assert_documented(app, "Collection", answer)


def test_checkouts_and_orders_dump_as_marshmallow_and_as_documented(app, client, auth):
    _, headers = auth.user()
    owner, owner_headers = auth.user("artisan")
    honey = make_product(make_shop(owner), price=80000, stock=5)
    scarf = make_product(
        make_shop(),
        variants=[
            {"options": {"màu": "đỏ"}, "price": 120000, "stock": 4},
            {"options": {"màu": "chàm"}, "price": 150000, "stock": 4},
        ],
    )
    response = post_checkout(
        client, headers, line(honey, 2), line(scarf, 1, variant_id=scarf.variants[1].id)
    )
    assert response.status_code == 201, response.get_json()
    honey_order = next(o for o in response.get_json()["orders"] if o["shop"]["id"] == honey.shop_id)
    confirmed = client.post(f"/api/v1/orders/{honey_order['id']}/confirm", headers=owner_headers)
    assert confirmed.status_code == 200

    checkout = load_checkout(response.get_json()["id"])
    assert any(order.history for order in checkout.orders)
    for order in checkout.orders:
        assert OrderSchema().dump(order) == OrderSchema().marshmallow_dump(order)
        assert_documented(app, "Order", OrderSchema().dump(order))
    assert CheckoutSchema().dump(checkout) == CheckoutSchema().marshmallow_dump(checkout)
    assert_documented(app, "Checkout", CheckoutSchema().dump(checkout))


@pytest.mark.parametrize("payment_method", ["cod", "stripe"])
def test_a_checkout_as_written_dumps_as_documented(app, payment_method):
    """The objects place_checkout answers from, before any reload (the card one unpaid)."""
    product = make_product(price=50000)
    checkout = new_checkout(buyer_id=None, payment_method=payment_method, status="placed")
    if payment_method == "stripe":
        checkout.payment_intent_id, checkout.client_secret = "pi_1", "pi_1_secret"
    new_order(
        checkout,
        shop=product.shop,
        lines=[PricedLine(product, product.variants[0], 2, 50000)],
        shipping_address=ADDRESS,
        shipping_fee=30000,
        status="placed",
        buyer_id=None,
        buyer_contact={"name": "Lò Thị Hoa", "phone": "+84912345678"},
    )
    answer = CheckoutSchema().dump(checkout)
    assert answer == CheckoutSchema().marshmallow_dump(checkout)
    assert answer["payment"]["method"] == payment_method
    assert_documented(app, "Checkout", answer)
