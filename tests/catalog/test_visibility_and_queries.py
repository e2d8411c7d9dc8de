"""The catalog's seams: visible_products_clause, product_views, search columns."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Product
from marketplace.schemas.products import ProductSchema
from marketplace.services.catalog import products as catalog
from marketplace.services.catalog import shops
from marketplace.services.catalog.product_views import product_views
from marketplace.services.catalog.products import search_text, visible_products_clause
from marketplace.services.places import local_today
from tests.factories import make_product, make_shop, make_user
from tests.factories.trade_office import certify


def test_visible_products_clause_needs_no_join():
    shown = make_product(make_shop(), title="Shown")
    make_product(shown.shop, status="draft")
    make_product(make_shop(status="suspended"))
    visible = db.session.scalars(sa.select(Product.id).where(visible_products_clause())).all()
    assert visible == [shown.id]


def test_product_views_of_nothing_run_no_query(count_queries):
    with count_queries() as counter:
        assert product_views([]) == []
    assert counter.count == 0


def test_product_views_show_ocop_and_cost_constant_queries(app, count_queries):
    shop = make_shop()
    products = [make_product(shop, title=f"Chè {n}") for n in range(12)]
    certify(products[0], 4, expires_on=local_today() + timedelta(days=400))
    certify(products[1], 5, expires_on=local_today() - timedelta(days=1))
    counts = []
    for size in (1, 12):
        db.session.expire_all()
        batch = db.session.scalars(
            sa.select(Product).where(Product.id.in_([p.id for p in products[:size]]))
        ).all()
        with count_queries() as counter:
            dumped = ProductSchema(many=True).dump(product_views(batch))
        counts.append(counter.count)
    assert counts[0] == counts[1] <= 5
    by_id = {item["id"]: item for item in dumped}
    assert by_id[products[0].id]["ocop"]["stars"] == 4
    assert by_id[products[0].id]["ocop"]["status"] == "certified"
    assert by_id[products[1].id]["ocop"]["status"] == "expired"
    assert by_id[products[2].id]["ocop"] is None
    assert set(dumped[0]) == set(ProductSchema().fields)


def test_ocop_min_stars_counts_only_valid_certificates(client):
    shop = make_shop()
    three, five, lapsed = (make_product(shop, title=t) for t in ("Ba sao", "Năm sao", "Hết hạn"))
    certify(three, 3, expires_on=local_today() + timedelta(days=30))
    certify(five, 5, expires_on=local_today() + timedelta(days=30))
    certify(lapsed, 5, expires_on=local_today() - timedelta(days=30))

    def found(stars):
        items = client.get(f"/api/v1/products?ocop_min_stars={stars}").get_json()["items"]
        return {item["id"] for item in items}

    assert found(3) == {three.id, five.id}
    assert found(4) == found(5) == {five.id}


def test_search_text_keeps_parts_apart():
    assert search_text("Khăn piêu", "Đỏ tươi", "Thổ cẩm") == "khan pieu\ndo tuoi\ntho cam"
    assert search_text("Khăn", None, "Shop") == "khan\nshop"


def test_services_keep_the_derived_columns():
    owner = make_user("artisan")
    shop = shops.create_shop(owner, name="Nhà Mùa", commune="Tô Múa")
    product = catalog.create_product(
        shop,
        title="  Váy ĐỎ ",
        description="Vải lanh",
        variants=[
            {"options": {"size": "S"}, "price": 300, "stock": 1},
            {"options": {"size": "M"}, "price": 200, "stock": 1},
        ],
    )
    assert (product.title, product.title_search, product.price) == ("Váy ĐỎ", "vay do", 200)
    assert product.text_search == "vay do\nvai lanh\nnha mua"
    catalog.update_product(product, {"variants": [{"id": product.variants[0].id}]})
    assert product.price == 300
    shops.update_shop(shop, {"name": "Nhà Sấu"})
    db.session.expire_all()
    assert db.session.get(Product, product.id).text_search.endswith("nha sau")


def test_a_listed_page_shows_what_the_products_entities_show(app, count_queries):
    """search_products reads snapshots (catalog/listing.py): dumped, they equal the dump of
    the same products loaded as entities, in two queries whatever the page's size."""
    from marketplace.services.catalog import search
    from marketplace.services.catalog.listing import ListedProduct

    shop = make_shop()
    products = [make_product(shop, title=f"Khăn piêu {n}") for n in range(6)]
    certify(products[0], 4, expires_on=local_today() + timedelta(days=400))
    certify(products[1], 5, expires_on=local_today() - timedelta(days=1))
    search.search_products(q="che", limit=24, cursor=None)  # the categories' words, read once
    db.session.expire_all()
    with count_queries() as counter:
        # A full page: no second look for titles that only resemble the query (PostgreSQL).
        listed, _cursor = search.search_products(q="khan pieu", limit=6, cursor=None)
        from_list = ProductSchema(many=True).dump(product_views(listed))
    # On PostgreSQL a search also sets its time budget and puts it back (search._searched_page).
    reads = [s for s in counter.statements if not s.startswith(("SELECT set_config", "RESET"))]
    assert len(reads) == 2, counter.statements
    assert all(isinstance(product, ListedProduct) for product in listed)
    entities = db.session.scalars(
        sa.select(Product).where(Product.id.in_([p.id for p in listed]))
    ).all()
    by_id = {item["id"]: item for item in ProductSchema(many=True).dump(product_views(entities))}
    assert from_list == [by_id[item["id"]] for item in from_list]
    assert {item["id"] for item in from_list} == {p.id for p in products}
    shown = {item["id"]: item for item in from_list}
    assert shown[products[0].id]["ocop"]["status"] == "certified"
    assert shown[products[1].id]["ocop"]["status"] == "expired"
    assert shown[products[2].id]["shop"]["slug"] == shop.slug
