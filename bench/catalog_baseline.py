"""The two reference points of bench/catalog.py, served by gunicorn like the app.

- ``/floor``: the framework's floor, a minimal JSON answer with no database.
- ``/products``: the hand-written baseline, the first page of 24 active products of active
  shops, newest first, with the fields the app's Product has (shop, category, variants, first
  image, OCOP stars), fetched in SQLAlchemy Core and returned with ``json.dumps``.

    DATABASE_URL=… gunicorn --pythonpath bench catalog_baseline:app
"""

from __future__ import annotations

import json
import os
from collections import defaultdict

import sqlalchemy as sa
from flask import Flask, Response

from marketplace.database import engine_options, ping_after_idle

# The app's own engine settings (e.g. its connection ping after idling), so that the comparison
# is between the catalog code and hand-written code, not between two infrastructures.
engine = sa.create_engine(os.environ["DATABASE_URL"], **engine_options(os.environ["DATABASE_URL"]))
ping_after_idle(engine)
app = Flask(__name__)

products = sa.table(
    "products",
    *(sa.column(name) for name in ("id", "shop_id", "category_id", "title", "description")),
    *(sa.column(name) for name in ("price", "status", "weight_grams")),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
shops = sa.table("shops", *(sa.column(n) for n in ("id", "slug", "name", "commune", "status")))
categories = sa.table("categories", sa.column("id"), sa.column("slug"), sa.column("name"))
variants = sa.table(
    "product_variants",
    *(sa.column(name) for name in ("id", "product_id", "sku", "price", "stock", "status")),
    sa.column("options", sa.JSON),
    sa.column("position"),
)
images = sa.table("product_images", sa.column("product_id"), sa.column("media_id"))
media = sa.table("media", sa.column("id"), sa.column("key"))
certificates = sa.table(
    "ocop_certificates", sa.column("product_id"), sa.column("stars"), sa.column("is_current")
)

first_image = (
    sa.select(media.c.key)
    .select_from(images.join(media, media.c.id == images.c.media_id))
    .where(images.c.product_id == products.c.id)
    .limit(1)
    .scalar_subquery()
)
PAGE = (
    sa.select(
        products,
        shops.c.slug.label("shop_slug"),
        shops.c.name.label("shop_name"),
        shops.c.commune,
        categories.c.slug.label("category_slug"),
        categories.c.name.label("category_name"),
        certificates.c.stars,
        first_image.label("image_key"),
    )
    .select_from(
        products.join(shops, shops.c.id == products.c.shop_id)
        .outerjoin(categories, categories.c.id == products.c.category_id)
        .outerjoin(
            certificates,
            sa.and_(
                certificates.c.product_id == products.c.id, certificates.c.is_current.is_(True)
            ),
        )
    )
    .where(products.c.status == "active", shops.c.status == "active")
    .order_by(products.c.created_at.desc(), products.c.id.desc())
    .limit(24)
)


@app.get("/floor")
def floor():
    return Response(json.dumps({"status": "ok"}), mimetype="application/json")


@app.get("/products")
def page():
    with engine.connect() as conn:
        rows = conn.execute(PAGE).all()
        by_product = defaultdict(list)
        if rows:
            for v in conn.execute(
                sa.select(variants)
                .where(
                    variants.c.product_id.in_([r.id for r in rows]), variants.c.status == "active"
                )
                .order_by(variants.c.position)
            ):
                by_product[v.product_id].append(
                    {
                        "id": v.id,
                        "sku": v.sku,
                        "options": v.options,
                        "price": v.price,
                        "stock": v.stock,
                    }
                )
    items = []
    for r in rows:
        vs = by_product[r.id]
        items.append(
            {
                "id": r.id,
                "shop": {
                    "id": r.shop_id,
                    "slug": r.shop_slug,
                    "name": r.shop_name,
                    "commune": r.commune,
                },
                "title": r.title,
                "description": r.description,
                "price": min((v["price"] for v in vs), default=r.price),
                "currency": "VND",
                "stock": sum(v["stock"] for v in vs),
                "status": r.status,
                "category": {"slug": r.category_slug, "name": r.category_name}
                if r.category_slug
                else None,
                "sku": vs[0]["sku"] if vs else None,
                "weight_grams": r.weight_grams,
                "images": [{"url": f"/media/{r.image_key}"}] if r.image_key else [],
                "variants": vs,
                "ocop": {"stars": r.stars} if r.stars else None,
                "created_at": r.created_at.isoformat(),
                "updated_at": r.updated_at.isoformat(),
            }
        )
    body = json.dumps({"items": items, "next_cursor": None}, ensure_ascii=False)
    return Response(body, mimetype="application/json")
