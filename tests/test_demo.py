"""flask demo load: a living Vân Hồ marketplace, loaded once however often it runs."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Product, ProductVariant, Shop, User
from marketplace.services.places import VAN_HO_COMMUNES


def counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (User, Shop, Product, ProductVariant)
    }


def test_demo_load_is_idempotent_and_prints_passwords_once(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "13 shops" in first.output and "60 products" in first.output
    after_first = counts()
    assert after_first["shops"] == 13 and after_first["products"] == 60

    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert "nothing added" in second.output
    assert "sau@cocham.example" not in second.output  # passwords are shown once
    assert counts() == after_first

    # The printed password signs the artisan in.
    line = next(line for line in first.output.splitlines() if "sau@cocham.example" in line)
    password = line.split()[2]
    signed_in = client.post(
        "/api/v1/auth/token", json={"login": "sau@cocham.example", "password": password}
    )
    assert signed_in.status_code == 200


def test_the_demo_world_is_van_ho(app, client):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    co_cham = client.get("/api/v1/shops/tho-cam-co-cham").get_json()
    assert co_cham["commune"] == "Lóng Luông" and co_cham["village"] == "Cỏ Chàm"
    assert co_cham["ethnic_group"] == "Mông"
    communes = set(db.session.scalars(sa.select(Shop.commune)))
    assert communes <= set(VAN_HO_COMMUNES) and len(communes) >= 12
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
