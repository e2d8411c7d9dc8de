"""API.md § Running: the WSGI entry, the app factory, the schema and the flask commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import flask

from marketplace import create_app
from tests.contract.conftest import assert_error

ROOT = Path(__file__).resolve().parents[2]


def test_app_factory_takes_no_config_and_wsgi_exposes_app(restore_limiter):
    app = create_app()
    assert isinstance(app, flask.Flask)
    assert "/api/v1/shops" in {rule.rule for rule in app.url_map.iter_rules()}
    source = (ROOT / "wsgi.py").read_text()
    assert "app = create_app()" in source


def test_db_upgrade_builds_the_schema_with_the_categories(tmp_path, restore_limiter):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "SECRET_KEY": "acceptance",
        "FLASK_APP": "marketplace",
    }
    flask_bin = Path(sys.executable).with_name("flask")
    result = subprocess.run(  # noqa: S603 (our own venv's flask, fixed arguments)
        [str(flask_bin), "--app", "marketplace", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "SECRET_KEY": "x"})
    with app.test_client() as client:
        assert client.get("/healthz").status_code == 200
        tree = client.get("/api/v1/categories").get_json()["items"]
        assert {"food", "beverages", "herbal", "handicraft", "ornamental", "tourism"} <= {
            node["slug"] for node in tree
        }
    from marketplace.extensions import db

    with app.app_context():
        db.engine.dispose()


def test_first_officer_is_made_by_the_command_and_signs_in(app, api):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "canbo@vanho.gov.vn",
            "--password",
            "phòng-công-thương",
            "--role",
            "officer",
        ]
    )
    assert result.exit_code == 0, result.output
    response = api.client.post(
        "/api/v1/auth/token", json={"login": "canbo@vanho.gov.vn", "password": "phòng-công-thương"}
    )
    assert response.status_code == 200
    session = response.get_json()
    assert session["user"]["role"] == "officer"
    headers = {"Authorization": f"Bearer {session['token']}"}
    assert api.client.get("/api/v1/audit", headers=headers).status_code == 200


def test_users_create_knows_the_four_roles(app):
    runner = app.test_cli_runner()
    for n, role in enumerate(("buyer", "artisan", "officer", "admin")):
        result = runner.invoke(
            args=[
                "users",
                "create",
                "--email",
                f"r{n}@x.vn",
                "--password",
                "12345678",
                "--role",
                role,
            ]
        )
        assert result.exit_code == 0, result.output
    wrong = runner.invoke(
        args=["users", "create", "--email", "z@x.vn", "--password", "12345678", "--role", "king"]
    )
    assert wrong.exit_code != 0


def test_demo_load_is_idempotent_over_http(app, api):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0

    def public_counts():
        shops = api.get("/api/v1/shops", query_string={"limit": 100}).get_json()["items"]
        products = []
        cursor = None
        while True:
            query = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            body = api.get("/api/v1/products", query_string=query).get_json()
            products += body["items"]
            cursor = body["next_cursor"]
            if not cursor:
                break
        livestreams = api.get("/api/v1/livestreams", query_string={"limit": 100}).get_json()
        return len(shops), len(products), len(livestreams["items"])

    first = public_counts()
    assert first[0] > 0 and first[1] > 0
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    assert public_counts() == first


def test_orders_expire_runs(app):
    result = app.test_cli_runner().invoke(args=["orders", "expire"])
    assert result.exit_code == 0, result.output


def test_no_config_means_no_card_payments(api, app_config):
    app_config(STRIPE_SECRET_KEY=None)
    owner, shop, product = api.seller_with_product()
    buyer = api.register()
    response = api.post(
        "/api/v1/checkouts",
        {
            "items": [{"product_id": product["id"], "quantity": 1}],
            "shipping_address": {
                "name": "A",
                "phone": "0912345678",
                "line1": "x",
                "commune": "Vân Hồ",
                "province": "Sơn La",
                "country": "VN",
            },
            "payment_method": "stripe",
        },
        buyer,
    )
    assert_error(response, 422, "payment_method_unavailable")
