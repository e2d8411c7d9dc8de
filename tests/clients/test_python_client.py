"""A Python client generated from /api/openapi.json (openapi-python-client) walks a buyer's and
an artisan's journey against a live server; every answer must match the document exactly."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from tests.clients.conftest import seed_product, unique, write_json
from tests.factories import media_files

pytestmark = pytest.mark.live

PACKAGE = "chophien_client"
# No post hooks (the generator would run ruff over its output): the code is thrown away.
GENERATOR_CONFIG = {"package_name_override": PACKAGE, "post_hooks": []}
ADDRESS = {
    "name": "Lò Thị Mai",
    "phone": "0912345678",
    "line1": "Bản Pa Cò",
    "commune": "Vân Hồ",
    "province": "Sơn La",
    "country": "VN",
}


def generate(document: dict, where: Path) -> None:
    write_json(where / "openapi.json", document)
    write_json(where / "config.json", GENERATOR_CONFIG)
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(where / "openapi.json"),
            "--config",
            str(where / "config.json"),
            "--output-path",
            str(where / PACKAGE),
            "--meta",
            "none",
            "--fail-on-warning" if os.environ.get("CLIENTS_FAIL_ON_WARNING") else "--overwrite",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (where / PACKAGE / "client.py").exists(), result.stdout + result.stderr


class Strict:
    """Checks each parsed answer against the raw JSON the server sent."""

    def __init__(self, package):
        self.unset = package.types.UNSET
        self.checked = 0

    def unsent(self, value, path: str = "$") -> list[str]:
        """Fields the document promises that the answer left out (parsed as UNSET)."""
        found = []
        if attrs.has(type(value)):
            for field in attrs.fields(type(value)):
                item = getattr(value, field.name)
                if field.name == "additional_properties":
                    for key, extra in item.items():
                        found += self.unsent(extra, f"{path}[{key!r}]")
                elif item is self.unset:
                    found.append(f"{path}.{field.name}: in the document, not sent")
                else:
                    found += self.unsent(item, f"{path}.{field.name}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                found += self.unsent(item, f"{path}[{index}]")
        return found

    def unknown(self, raw, read, path: str = "$") -> list[str]:
        """Fields the answer has that the client dropped: the document lacks them."""
        found = []
        if isinstance(raw, dict) and isinstance(read, dict):
            found += [f"{path}.{key}: sent, not in the document" for key in raw.keys() - read]
            for key in raw.keys() & read.keys():
                found += self.unknown(raw[key], read[key], f"{path}.{key}")
        elif isinstance(raw, list) and isinstance(read, list):
            for index, (one, other) in enumerate(zip(raw, read, strict=False)):
                found += self.unknown(one, other, f"{path}[{index}]")
        return found

    def problems(self, parsed, raw) -> list[str]:
        return sorted(self.unsent(parsed) + self.unknown(raw, parsed.to_dict()))

    def __call__(self, response, status: int):
        """The parsed answer of ``response`` (a generated client's ``Response``)."""
        raw = json.loads(response.content) if response.content else None
        assert response.status_code == status, (response.status_code, raw)
        parsed = response.parsed
        assert parsed is not None, f"the client could not parse {raw!r}"
        problems = self.problems(parsed, raw)
        assert not problems, "the document and the answer differ:\n" + "\n".join(problems)
        assert parsed.to_dict() == raw, "the client reads the answer differently"
        self.checked += 1
        return parsed


@pytest.fixture
def client_package(served, tmp_path, fresh_import):
    base_url, document = served
    generate(document, tmp_path)
    fresh_import(tmp_path)
    package = importlib.import_module(PACKAGE)
    importlib.import_module(f"{PACKAGE}.types")
    return base_url, package


def call(package, module: str, **kwargs):
    """``call(p, "orders.post_api_v1_orders_order_id_confirm", client=…, order_id=…)``."""
    return importlib.import_module(f"{PACKAGE}.api.{module}").sync_detailed(**kwargs)


def model(package, name: str, data: dict):
    models = importlib.import_module(f"{PACKAGE}.models")
    return getattr(models, name).from_dict(data)


def test_a_buyer_and_an_artisan_through_the_generated_python_client(client_package):
    base_url, package = client_package
    strict = Strict(package)
    anonymous = package.Client(base_url=base_url, raise_on_unexpected_status=True)

    def register(role: str):
        body = model(
            package,
            "Register",
            {
                "name": f"Khách {role}",
                "password": "mật khẩu dài",
                "email": f"{unique(role)}@example.test",
                "role": role,
                "locale": "vi",
            },
        )
        session = strict(
            call(package, "auth.post_api_v1_auth_register", client=anonymous, body=body), 201
        )
        return session, package.AuthenticatedClient(
            base_url=base_url, token=session.token, raise_on_unexpected_status=True
        )

    # The artisan: an account, a shop, a photo, a product with it.
    artisan, seller = register("artisan")
    strict(call(package, "auth.get_api_v1_me", client=seller), 200)
    shop = strict(
        call(
            package,
            "shops.post_api_v1_shops",
            client=seller,
            body=model(package, "ShopCreate", {"name": unique("Hợp tác xã"), "commune": "Vân Hồ"}),
        ),
        201,
    )
    photo = package.types.File(
        payload=media_files.jpeg(), file_name="khan.jpg", mime_type="image/jpeg"
    )
    image = strict(
        call(
            package,
            "media.post_api_v1_media",
            client=seller,
            body=importlib.import_module(f"{PACKAGE}.models").ImageUpload(file=photo),
        ),
        201,
    )
    product = strict(
        call(
            package,
            "products.post_api_v1_shops_shop_ref_products",
            client=seller,
            shop_ref=shop.slug,
            body=model(
                package,
                "ProductCreate",
                {
                    "title": "Khăn piêu thêu tay",
                    "price": 350000,
                    "stock": 5,
                    "category": "Thổ cẩm",
                    "image_ids": [image.id],
                },
            ),
        ),
        201,
    )
    assert [i.id for i in product.images] == [image.id]
    strict(
        call(
            package,
            "products.get_api_v1_products_product_id",
            client=anonymous,
            product_id=product.id,
        ),
        200,
    )
    strict(call(package, "products.get_api_v1_products", client=anonymous, q="khan pieu"), 200)
    strict(call(package, "products.get_api_v1_categories", client=anonymous), 200)

    # The buyer: a quote, then a cash-on-delivery checkout.
    _, buyer = register("buyer")
    basket = {
        "items": [{"product_id": product.id, "quantity": 2}],
        "shipping_address": ADDRESS,
    }
    strict(
        call(
            package,
            "checkout.post_api_v1_checkouts_quote",
            client=buyer,
            body=model(package, "QuoteRequest", basket),
        ),
        200,
    )
    checkout = strict(
        call(
            package,
            "checkout.post_api_v1_checkouts",
            client=buyer,
            body=model(package, "CheckoutRequest", {**basket, "payment_method": "cod"}),
        ),
        201,
    )
    (order,) = checkout.orders
    assert order.total == 2 * 350000 + order.shipping_fee

    # The artisan sees it without naming the shop, and moves it along; the buyer receives it.
    listed = strict(call(package, "orders.get_api_v1_orders", client=seller), 200)
    assert [o.id for o in listed.items] == [order.id]
    strict(
        call(
            package, "orders.post_api_v1_orders_order_id_confirm", client=seller, order_id=order.id
        ),
        200,
    )
    shipped = strict(
        call(
            package,
            "orders.post_api_v1_orders_order_id_ship",
            client=seller,
            order_id=order.id,
            body=model(package, "Ship", {"carrier": "VNPost", "tracking_number": "EB123456789VN"}),
        ),
        200,
    )
    assert shipped.status == "shipped"
    delivered = strict(
        call(
            package, "orders.post_api_v1_orders_order_id_deliver", client=buyer, order_id=order.id
        ),
        200,
    )
    assert delivered.status == "delivered"
    mine = strict(call(package, "orders.get_api_v1_orders", client=buyer), 200)
    assert [o.id for o in mine.items] == [order.id]

    # Errors are documented too: the envelope, in the caller's language.
    refused = strict(
        call(
            package, "orders.post_api_v1_orders_order_id_confirm", client=buyer, order_id=order.id
        ),
        403,
    )
    assert refused.error.code == "not_allowed"
    assert refused.error.message == "Bạn không được xác nhận đơn này."
    assert strict.checked >= 15


def test_the_strict_check_catches_a_document_that_drifted(served, tmp_path, fresh_import):
    """A document without Product's `title` and with an invented `colour`: both show."""
    base_url, document = served
    drifted = json.loads(json.dumps(document))
    properties = drifted["components"]["schemas"]["Product"]["properties"]
    del properties["title"]
    properties["colour"] = {"type": "string"}
    generate(drifted, tmp_path)
    fresh_import(tmp_path)
    package = importlib.import_module(PACKAGE)
    importlib.import_module(f"{PACKAGE}.types")
    strict = Strict(package)
    seed_product(base_url)
    listed = call(package, "products.get_api_v1_products", client=package.Client(base_url=base_url))
    assert json.loads(listed.content)["items"]
    problems = strict.problems(listed.parsed, json.loads(listed.content))
    assert "$.items[0].title: sent, not in the document" in problems
    assert "$.items[0].colour: in the document, not sent" in problems
