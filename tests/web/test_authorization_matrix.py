"""Who may call what: every ``/api/`` route of the URL map × every role, against one table.

Each route and method has a rule in ``RULES`` naming the roles that may act on it. The roles are
anonymous, a buyer, an artisan who does not own the shop in question, an officer and an admin;
the objects in the paths (a shop, its product, livestream, images, an order of another buyer…)
belong to people who are none of them. Bodies are valid, so that the answer is decided by who
calls, not by a complaint about the body. The expected class of answer:

- a role that may act is never refused (401/403) — it may still get 404/409/422 on the merits;
- anonymous gets 401 on routes that need a signed-in user;
- any other role gets 403 or 404, never 2xx;
- nobody ever gets a 5xx.

A new route without a rule fails ``test_every_api_route_has_a_rule``; a rule whose route is not
in this tree (added on another branch) is simply not exercised. Keys write path parameters as
``<>`` so that a rule does not depend on a parameter's name.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest

from marketplace.extensions import db
from tests.contract.conftest import ADDRESS, Api
from tests.factories import headers_for, make_shop, make_user, media_files
from tests.factories.storage import use_local

ROLES = ("anonymous", "buyer", "artisan", "officer", "admin")
SIGNED_IN_ROLES = frozenset(ROLES) - {"anonymous"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Rule:
    """Who may act; whether anonymous callers are 401 (signed-in routes) or refused otherwise
    (signed requests: webhooks, signed upload policies); how to make the request's JSON body,
    or its multipart form, and its query."""

    may_act: frozenset[str]
    signed_in: bool = True
    body: Callable[[dict], dict] | None = field(default=None, compare=False)
    form: Callable[[dict], dict] | None = field(default=None, compare=False)
    query: dict | None = field(default=None, compare=False)

    def with_body(self, body: Callable[[dict], dict]) -> Rule:
        return dataclasses.replace(self, body=body)

    def with_form(self, form: Callable[[dict], dict]) -> Rule:
        return dataclasses.replace(self, form=form)

    def with_query(self, **query: str) -> Rule:
        return dataclasses.replace(self, query=query)

    def request(self, method: str, world: dict) -> dict:
        """The keyword arguments of the test client's ``open`` besides the path and method."""
        if self.form:
            return {"data": self.form(world), "content_type": "multipart/form-data"}
        if method in ("POST", "PUT", "PATCH"):
            return {"json": self.body(world) if self.body else {}}
        return {"query_string": self.query} if self.query else {}


ANYONE = Rule(frozenset(ROLES), signed_in=False)
SIGNED_IN = Rule(SIGNED_IN_ROLES)
ARTISANS = Rule(frozenset({"artisan", "admin"}))  # admins hold every role
STAFF = Rule(frozenset({"officer", "admin"}))
# The shop's owner, the order's buyer, the media's uploader: none of the roles under test.
OWNER = Rule(frozenset())
OWNER_OR_STAFF = STAFF
# Vouched for by a signature, not by a user: nobody gets through without it.
SIGNED_REQUEST = Rule(frozenset(), signed_in=False)


def _start() -> str:
    return (datetime.now(UTC) + timedelta(days=2)).isoformat()


APPLICATION = {
    "certificate_number": "OCOP-SL-2025-009",
    "stars": 4,
    "issuer": "UBND tỉnh Sơn La",
    "issued_on": "2025-01-10",
    "expires_on": "2028-01-10",
}

RULES: dict[tuple[str, str], Rule] = {
    # Documentation
    ("GET", "/api/openapi.json"): ANYONE,
    ("GET", "/api/docs"): ANYONE,
    ("GET", "/api/docs/assets/<>"): ANYONE,
    # Accounts
    ("POST", "/api/v1/auth/register"): ANYONE.with_body(
        lambda w: {"name": "Lò Văn Tú", "password": "mật khẩu dài", "email": "new@example.vn"}
    ),
    ("POST", "/api/v1/auth/token"): ANYONE.with_body(
        lambda w: {"login": w["customer_email"], "password": w["customer_password"]}
    ),
    ("DELETE", "/api/v1/auth/token"): SIGNED_IN,
    ("GET", "/api/v1/me"): SIGNED_IN,
    # Shops and products
    ("GET", "/api/v1/shops"): ANYONE,
    ("POST", "/api/v1/shops"): ARTISANS.with_body(
        lambda w: {"name": "Thổ cẩm Cỏ Chàm", "commune": "Vân Hồ"}
    ),
    ("GET", "/api/v1/shops/<>"): ANYONE,
    ("PATCH", "/api/v1/shops/<>"): OWNER.with_body(lambda w: {"description": "Của tôi"}),
    ("GET", "/api/v1/shops/<>/products"): OWNER,
    ("POST", "/api/v1/shops/<>/products"): OWNER.with_body(
        lambda w: {"title": "Khăn piêu", "price": 1000, "stock": 1}
    ),
    ("GET", "/api/v1/products"): ANYONE,
    ("GET", "/api/v1/products/<>"): ANYONE,
    ("PATCH", "/api/v1/products/<>"): OWNER.with_body(lambda w: {"title": "Của tôi"}),
    ("DELETE", "/api/v1/products/<>"): OWNER,
    ("GET", "/api/v1/categories"): ANYONE,
    # Media
    ("POST", "/api/v1/media"): SIGNED_IN.with_form(
        lambda w: {"file": (BytesIO(media_files.jpeg((64, 64))), "photo.jpg", "image/jpeg")}
    ),
    ("POST", "/api/v1/media/uploads"): SIGNED_IN.with_body(
        lambda w: {"filename": "clip.mp4", "content_type": "video/mp4", "size": 1000}
    ),
    ("GET", "/api/v1/media/<>"): OWNER,
    ("POST", "/api/v1/media/<>/complete"): OWNER,
    ("POST", "/api/v1/media/local-uploads"): SIGNED_REQUEST.with_form(
        lambda w: {
            "key": "video/00/forged.mp4",
            "Content-Type": "video/mp4",
            "policy": "forged",
            "file": (BytesIO(media_files.mp4(2000)), "clip.mp4", "video/mp4"),
        }
    ),
    # Checkout and orders
    ("POST", "/api/v1/checkouts"): SIGNED_IN.with_body(
        lambda w: {
            "items": [{"product_id": w["product"], "quantity": 1}],
            "shipping_address": dict(ADDRESS),
            "payment_method": "cod",
        }
    ),
    ("GET", "/api/v1/checkouts/<>"): OWNER,
    ("GET", "/api/v1/orders"): SIGNED_IN,
    ("GET", "/api/v1/orders/<>"): OWNER,
    ("POST", "/api/v1/orders/<>/confirm"): OWNER,
    ("POST", "/api/v1/orders/<>/ship"): OWNER.with_body(
        lambda w: {"carrier": "VNPost", "tracking_number": "1"}
    ),
    ("POST", "/api/v1/orders/<>/deliver"): OWNER,
    ("POST", "/api/v1/orders/<>/cancel"): OWNER.with_body(lambda w: {"reason": "đổi ý"}),
    ("POST", "/api/v1/orders/<>/return"): OWNER.with_body(
        lambda w: {"reason": "refused", "restock": True}
    ),
    ("POST", "/api/v1/payments/stripe/webhook"): SIGNED_REQUEST.with_body(
        lambda w: {"type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1"}}}
    ),
    # Livestreams
    ("GET", "/api/v1/livestreams"): ANYONE,
    ("GET", "/api/v1/livestreams/<>"): ANYONE,
    ("POST", "/api/v1/shops/<>/livestreams"): OWNER.with_body(
        lambda w: {
            "title": "Phiên live",
            "platform": "facebook",
            "url": "https://www.facebook.com/cophien/videos/9",
            "scheduled_start": _start(),
        }
    ),
    ("PATCH", "/api/v1/livestreams/<>"): OWNER.with_body(lambda w: {"title": "Của tôi"}),
    ("POST", "/api/v1/livestreams/<>/start"): OWNER,
    ("POST", "/api/v1/livestreams/<>/end"): OWNER,
    ("POST", "/api/v1/livestreams/<>/cancel"): OWNER.with_body(lambda w: {"reason": "mưa"}),
    ("PUT", "/api/v1/livestreams/<>/pinned"): OWNER.with_body(
        lambda w: {"product_id": w["product"]}
    ),
    ("GET", "/api/v1/livestreams/<>/stats"): OWNER_OR_STAFF,
    ("GET", "/api/v1/livestreams/<>/claims"): OWNER,
    ("POST", "/api/v1/livestreams/<>/claims"): OWNER.with_body(
        lambda w: {
            "comment": "A1 x2",
            "buyer_name": "Mùa A Sử",
            "buyer_phone": "0912 345 678",
            "shipping_address": dict(ADDRESS),
        }
    ),
    # The trade office
    ("GET", "/api/v1/products/<>/ocop-applications"): OWNER_OR_STAFF,
    ("POST", "/api/v1/products/<>/ocop-applications"): OWNER.with_body(lambda w: dict(APPLICATION)),
    ("GET", "/api/v1/ocop/applications"): STAFF,
    ("GET", "/api/v1/ocop/applications/<>"): OWNER_OR_STAFF,
    ("POST", "/api/v1/ocop/applications/<>/approve"): STAFF.with_body(lambda w: {"stars": 4}),
    ("POST", "/api/v1/ocop/applications/<>/reject"): STAFF.with_body(
        lambda w: {"reason": "blurry"}
    ),
    ("GET", "/api/v1/collections"): ANYONE,
    ("POST", "/api/v1/collections"): STAFF.with_body(
        lambda w: {"title": "Tết", "product_ids": [w["product"]]}
    ),
    ("GET", "/api/v1/collections/<>"): ANYONE,
    ("PATCH", "/api/v1/collections/<>"): STAFF.with_body(lambda w: {"title": "Tết 2026"}),
    ("DELETE", "/api/v1/collections/<>"): STAFF,
    ("GET", "/api/v1/collections/<>/export"): STAFF,
    ("POST", "/api/v1/shops/<>/suspend"): STAFF.with_body(lambda w: {"reason": "fake goods"}),
    ("POST", "/api/v1/shops/<>/reinstate"): STAFF.with_body(lambda w: {"reason": "fixed"}),
    ("POST", "/api/v1/shops/<>/verify"): STAFF.with_body(lambda w: {"note": "visited"}),
    ("POST", "/api/v1/products/<>/suspend"): STAFF.with_body(lambda w: {"reason": "fake goods"}),
    ("POST", "/api/v1/products/<>/reinstate"): STAFF.with_body(lambda w: {"reason": "fixed"}),
    ("GET", "/api/v1/reports/overview"): STAFF,
    ("GET", "/api/v1/reports/sales"): STAFF.with_query(group_by="shop"),
    ("GET", "/api/v1/audit"): STAFF,
    # v1.1 additions (API.md), built on other branches: exercised once their routes exist.
    ("GET", "/api/v1/places/provinces"): ANYONE,
    ("GET", "/api/v1/places/provinces/<>/communes"): ANYONE,
    ("POST", "/api/v1/checkouts/quote"): ANYONE.with_body(
        lambda w: {
            "items": [{"product_id": w["product"], "quantity": 1}],
            "shipping_address": dict(ADDRESS),
        }
    ),
    ("POST", "/api/v1/orders/<>/mark-paid"): OWNER.with_body(lambda w: {"note": "seen"}),
    ("POST", "/api/v1/payments/bank/webhook"): SIGNED_REQUEST.with_body(
        lambda w: {"transactions": []}
    ),
    # Without ?shop=: every shop of the caller's (an artisan's own), all of them to the office.
    ("GET", "/api/v1/payments/bank/unmatched"): Rule(frozenset({"artisan", "officer", "admin"})),
    ("GET", "/api/v1/orders/<>/qr.png"): OWNER,
    ("GET", "/api/v1/orders/<>/qr.svg"): OWNER,
    ("POST", "/api/v1/auth/password-reset"): ANYONE.with_body(
        lambda w: {"login": w["customer_email"]}
    ),
    ("POST", "/api/v1/auth/password-reset/confirm"): ANYONE.with_body(
        lambda w: {"login": w["customer_email"], "code": "000000", "password": "mật khẩu mới"}
    ),
    ("GET", "/api/v1/notifications"): SIGNED_IN,
    ("POST", "/api/v1/notifications/read"): SIGNED_IN.with_body(lambda w: {"all": True}),
    ("PUT", "/api/v1/shops/<>/follow"): SIGNED_IN,
    ("DELETE", "/api/v1/shops/<>/follow"): SIGNED_IN,
    ("GET", "/api/v1/me/follows"): SIGNED_IN,
    ("PATCH", "/api/v1/me"): SIGNED_IN.with_body(lambda w: {"name": "Tên mới"}),
    ("GET", "/api/v1/products/<>/label.svg"): OWNER_OR_STAFF,
    ("POST", "/api/v1/shops/<>/assistance"): STAFF.with_body(
        lambda w: {"consent_note": "asked at the commune office"}
    ),
    ("DELETE", "/api/v1/shops/<>/assistance"): STAFF,
    ("GET", "/api/v1/assistance"): STAFF,
}

CUSTOMER_PASSWORD = "mật khẩu của khách"
PARAMETER = re.compile(r"<[^>]*>")


def template(rule: str) -> str:
    return PARAMETER.sub("<>", rule)


def api_routes(app) -> list[tuple[str, str]]:
    """(method, Flask rule) of every route under /api/."""
    return sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - IGNORED_METHODS
    )


def test_every_api_route_has_a_rule(app):
    missing = [
        f"{method} {rule}"
        for method, rule in api_routes(app)
        if (method, template(rule)) not in RULES
    ]
    assert missing == [], "routes without an authorization rule in RULES: " + ", ".join(missing)


@pytest.fixture
def world(app, client, auth, monkeypatch, tmp_path) -> dict:
    """One of everything, made through the API by people who are none of the roles."""
    use_local(monkeypatch, app, tmp_path / "media")
    api = Api(client, auth)
    owner, shop = api.shop()
    product = api.product(owner, shop, stock=1000)
    image = api.image(owner)
    livestream = api.livestream(owner, shop, products=[{"product_id": product["id"]}])
    customer = api.register(password=CUSTOMER_PASSWORD)
    checkout = api.checkout(customer, {"product_id": product["id"], "quantity": 1})
    officer = api.staff()
    application = api.post(
        f"/api/v1/products/{product['id']}/ocop-applications", APPLICATION, owner
    ).get_json()
    collection = api.post(
        "/api/v1/collections", {"title": "Chọn lọc", "product_ids": [product["id"]]}, officer
    ).get_json()
    artisan = make_user("artisan")
    make_shop(artisan)  # a seller too, of another shop
    return {
        "users": {
            "buyer": make_user("buyer"),
            "artisan": artisan,
            "officer": make_user("officer"),
            "admin": make_user("admin"),
        },
        "customer_email": customer.user["email"],
        "customer_password": CUSTOMER_PASSWORD,
        "product": product["id"],
        # The object a path segment names, by the segment before it.
        "segments": {
            "shops": shop["id"],
            "products": product["id"],
            "media": image["id"],
            "livestreams": livestream["id"],
            "checkouts": checkout["id"],
            "orders": checkout["orders"][0]["id"],
            "applications": application["id"],
            "collections": collection["id"],
        },
    }


def concrete_path(rule: str, segments: dict[str, str]) -> str:
    """The rule with each parameter filled with the world's object of that kind."""
    parts = rule.split("/")
    for index, part in enumerate(parts):
        if PARAMETER.fullmatch(part):
            parts[index] = segments.get(parts[index - 1], "unknown")
    return "/".join(parts)


@contextlib.contextmanager
def undone():
    """Whatever the request commits is rolled back after it: every call meets the same world."""
    connection = db.session.get_bind()
    db.session.commit()
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        db.session.rollback()
        savepoint.rollback()
        db.session.expire_all()


def complaint(rule: Rule, role: str, status: int) -> str | None:
    """What is wrong with ``status`` as the answer to ``role`` under ``rule`` (None: nothing)."""
    if status >= 500:
        return "a server error"
    if role in rule.may_act:
        return "refused a role that may act" if status in (401, 403) else None
    if 200 <= status < 300:
        return "let a role act that may not"
    if role == "anonymous":
        if rule.signed_in and status != 401:
            return "anonymous is not 401"
        return None
    if rule.signed_in and status not in (403, 404):
        return "the wrong role is not 403 or 404"
    return None


def test_each_role_gets_the_answer_its_rule_allows(app, app_config, client, world):
    # Webhooks configured, so that what refuses a caller is the missing signature.
    app_config(STRIPE_WEBHOOK_SECRET="whsec_matrix", BANK_WEBHOOK_SECRET="bank-matrix")
    failures = []
    calls = 0
    for method, rule in api_routes(app):
        policy = RULES.get((method, template(rule)))
        if policy is None:
            continue  # reported by test_every_api_route_has_a_rule
        path = concrete_path(rule, world["segments"])
        for role in ROLES:
            with undone():
                headers = {} if role == "anonymous" else headers_for(world["users"][role])
                response = client.open(
                    path, method=method, headers=headers, **policy.request(method, world)
                )
                status = response.status_code
                response.close()
            calls += 1
            problem = complaint(policy, role, status)
            if problem:
                failures.append(f"{method} {path} as {role}: {status}, {problem}")
    assert calls >= 5 * 60
    assert failures == [], "\n".join(failures)
