"""The audit trail: every office action, newest first, filtered, for officers and admins only."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import AuditEntry
from marketplace.schemas.trade_office import AuditEntrySchema
from marketplace.services.trade_office import audit
from tests.factories import make_product, make_shop


@pytest.fixture
def trail(client, auth):
    """Two officers' actions on a shop and a product."""
    officer, officer_headers = auth.user("officer")
    admin, admin_headers = auth.user("admin")
    shop = make_shop()
    product = make_product(shop)
    for url, body, headers in [
        (f"/api/v1/shops/{shop.id}/verify", {}, officer_headers),
        (f"/api/v1/products/{product.id}/suspend", {"reason": "Ảnh sai"}, officer_headers),
        (f"/api/v1/products/{product.id}/reinstate", {}, admin_headers),
        (f"/api/v1/shops/{shop.id}/suspend", {"reason": "Lừa đảo"}, admin_headers),
    ]:
        assert client.post(url, json=body, headers=headers).status_code == 200
    return {
        "officer": officer,
        "admin": admin,
        "shop": shop,
        "product": product,
        "headers": officer_headers,
    }


def actions(client, headers, **query) -> list[str]:
    response = client.get("/api/v1/audit", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [entry["action"] for entry in response.get_json()["items"]]


def test_every_action_newest_first_with_who_what_why(client, trail):
    body = client.get("/api/v1/audit", headers=trail["headers"]).get_json()
    assert [e["action"] for e in body["items"]] == [
        "shop.suspend",
        "product.reinstate",
        "product.suspend",
        "shop.verify",
    ]
    newest = body["items"][0]
    assert set(newest) == set(AuditEntrySchema().fields)
    assert (newest["actor_id"], newest["target_type"], newest["target_id"], newest["reason"]) == (
        trail["admin"].id,
        "shop",
        trail["shop"].id,
        "Lừa đảo",
    )
    assert newest["created_at"].endswith("+00:00")


def test_filters(client, trail):
    headers = trail["headers"]
    assert actions(client, headers, actor=trail["officer"].id) == [
        "product.suspend",
        "shop.verify",
    ]
    assert actions(client, headers, actor_id=trail["admin"].id, target_type="product") == [
        "product.reinstate"
    ]
    assert actions(client, headers, action="product.suspend") == ["product.suspend"]
    assert actions(client, headers, target_type="shop", target_id=trail["shop"].id) == [
        "shop.suspend",
        "shop.verify",
    ]
    assert actions(client, headers, action="nothing") == []


def test_keyset_pages(client, trail, count_queries):
    seen, cursor = [], None
    with count_queries() as counter:
        while True:
            query = {"limit": 3} | ({"cursor": cursor} if cursor else {})
            body = client.get("/api/v1/audit", query_string=query, headers=trail["headers"])
            body = body.get_json()
            seen += [e["action"] for e in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
    assert seen == actions(client, trail["headers"])
    assert counter.count <= 2 * 3  # two pages: the caller's token and user, then the page
    forged = client.get("/api/v1/audit?cursor=abc", headers=trail["headers"])
    assert forged.status_code == 400


def test_for_officers_and_admins_only(client, auth, trail):
    assert client.get("/api/v1/audit").status_code == 401
    for role in ("buyer", "artisan"):
        assert client.get("/api/v1/audit", headers=auth.user(role)[1]).status_code == 403
    assert client.get("/api/v1/audit", headers=auth.user("admin")[1]).status_code == 200


def test_entries_cannot_be_rewritten(app, trail):
    db.session.commit()  # the requests' rows stay when this test's session rolls back
    entry = db.session.scalar(db.select(AuditEntry).limit(1))
    entry.reason = "rewritten"
    with pytest.raises(RuntimeError, match="insert-only"):
        db.session.flush()
    db.session.rollback()
    entry = db.session.scalar(db.select(AuditEntry).limit(1))
    db.session.delete(entry)
    with pytest.raises(RuntimeError, match="insert-only"):
        db.session.flush()
    db.session.rollback()


def test_record_joins_the_callers_transaction(app, trail):
    db.session.commit()  # the requests' rows stay when this test's session rolls back
    before = db.session.scalar(db.select(db.func.count(AuditEntry.id)))
    audit.record(trail["officer"], "shop.verify", "shop", trail["shop"].id)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == before
