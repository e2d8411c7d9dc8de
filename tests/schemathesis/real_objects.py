"""Real objects for generated calls: the ids a role can see, bound to path, query and body
parameters through schemathesis's dictionaries (a schemathesis.toml per role)."""

from __future__ import annotations

import json
from pathlib import Path

import requests


class Reader:
    """GET calls of the API as one role, answering {} when refused."""

    def __init__(self, base: str, token: str | None) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def __call__(self, path: str, **params) -> dict:
        response = requests.get(self.base + path, params=params, headers=self.headers, timeout=30)
        return response.json() if response.status_code == 200 else {}

    def items(self, path: str, **params) -> list[dict]:
        return self(path, limit=100, **params).get("items", [])


def known_objects(base: str, token: str | None) -> dict[str, list[str]]:
    """Ids (and slugs) of real objects this role may see, for schemathesis's dictionaries:
    generated calls then reach real shops, products, livestreams, orders… as often as not."""
    get = Reader(base, token)
    me = get("/api/v1/me")
    shops = get.items("/api/v1/shops")
    own_shops = [shop for shop in shops if me and shop["owner_id"] == me.get("id")]
    products = get.items("/api/v1/products")
    orders = get.items("/api/v1/orders")
    for shop in own_shops:
        products = get.items(f"/api/v1/shops/{shop['slug']}/products") + products
        orders = get.items("/api/v1/orders", shop=shop["slug"]) + orders
    livestreams = [
        livestream
        for status in ("live", "scheduled", "ended", "cancelled")
        for livestream in get.items("/api/v1/livestreams", status=status)
    ]
    own_livestreams = [ls for ls in livestreams if ls["shop"]["id"] in {s["id"] for s in own_shops}]
    collections = get.items("/api/v1/collections")
    applications = get.items("/api/v1/ocop/applications")
    for product in products[:5] if own_shops else []:
        applications += get.items(f"/api/v1/products/{product['id']}/ocop-applications")
    media = [image["id"] for p in products for image in p.get("images", []) if own_shops]
    return {
        name: _first_unique(values)
        for name, values in {
            "shops": [v for shop in own_shops + shops for v in (shop["slug"], shop["id"])],
            "products": [product["id"] for product in products],
            "livestreams": [ls["id"] for ls in own_livestreams + livestreams],
            "orders": [order["id"] for order in orders],
            "checkouts": [order["checkout_id"] for order in orders],
            "collections": [v for c in collections for v in (c["slug"], c["id"])],
            "applications": [application["id"] for application in applications],
            "media": media,
        }.items()
        if values
    }


def _first_unique(values: list[str], most: int = 20) -> list[str]:
    return list(dict.fromkeys(values))[:most]


# Where each dictionary goes: ``location.name`` (or a body path), for every operation.
BINDINGS = {
    "path.shop_ref": "shops",
    "path.shop": "shops",
    "query.shop": "shops",
    "path.product_id": "products",
    "query.product_id": "products",
    "body.items[*].product_id": "products",
    "body.product_ids[*]": "products",
    "body.products[*].product_id": "products",
    "body.product_id": "products",
    "path.livestream_id": "livestreams",
    "path.order_id": "orders",
    "path.checkout_id": "checkouts",
    "path.application_id": "applications",
    "path.media_id": "media",
}
# ``{ref}`` is a shop's under /shops and a collection's under /collections.
REF_BINDINGS = {"^/api/v1/shops/": "shops", "^/api/v1/collections/": "collections"}
# How often a generated call takes a real object instead of a made-up value.
REAL_OBJECT_PROBABILITY = 0.7


def write_config(path: Path, known: dict[str, list[str]]) -> Path:
    """A schemathesis.toml binding path, query and body parameters to the known objects."""
    lines = []
    for name, values in known.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]

    def binding(dictionary: str) -> str:
        return f'{{ dictionary = "{dictionary}", probability = {REAL_OBJECT_PROBABILITY} }}'

    lines.append("[parameters]")
    for key, dictionary in BINDINGS.items():
        if dictionary in known:
            lines.append(f"{json.dumps(key)} = {binding(dictionary)}")
    for regex, dictionary in REF_BINDINGS.items():
        if dictionary in known:
            lines += [
                "",
                "[[operations]]",
                f"include-path-regex = {json.dumps(regex)}",
                f'parameters = {{ "path.ref" = {binding(dictionary)} }}',
            ]
    path.write_text("\n".join(lines) + "\n")
    return path
