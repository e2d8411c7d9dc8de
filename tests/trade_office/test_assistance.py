"""Assisted listing: an officer's 7-day grant to list and edit a shop's products and livestreams
for its owner, every change audited with the officer's id and told to the owner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AssistanceGrant, AuditEntry, Notification
from tests.factories import make_product, make_shop
from tests.factories.trade_office import make_media

NOTE = "Chị Sùng Thị Mai nhờ đăng sản phẩm tại UBND xã Vân Hồ, có chồng làm chứng."


@pytest.fixture
def officer(auth):
    return auth.user("officer", name="Cán bộ Lò Văn Hùng")


@pytest.fixture
def owner(auth):
    return auth.user("artisan", name="Sùng Thị Mai")


@pytest.fixture
def shop(owner):
    return make_shop(owner[0], name="Thổ cẩm Sùng Mai")


def open_grant(client, officer, shop, note=NOTE):
    return client.post(
        f"/api/v1/shops/{shop.id}/assistance", json={"consent_note": note}, headers=officer[1]
    )


def notifications_of(user) -> list[tuple[str, dict]]:
    return [
        (n.kind, n.params)
        for n in db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at, Notification.id)
        )
    ]


def actions_by(user) -> list[tuple[str, str, str]]:
    return [
        (e.action, e.target_type, e.target_id)
        for e in db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.actor_id == user.id)
            .order_by(AuditEntry.created_at, AuditEntry.id)
        )
    ]


def test_a_grant_lets_the_officer_list_for_the_owner_audited_and_told(client, officer, owner, shop):
    product_body = {"title": "Váy xòe Mông", "price": 850000, "stock": 3, "status": "draft"}
    refused = client.post(
        f"/api/v1/shops/{shop.id}/products", json=product_body, headers=officer[1]
    )
    assert refused.status_code == 403

    response = open_grant(client, officer, shop)
    assert response.status_code == 201, response.get_json()
    grant = response.get_json()
    assert set(grant) == {
        "id",
        "shop_id",
        "officer_id",
        "consent_note",
        "starts_at",
        "expires_at",
        "ended_at",
    }
    assert (grant["shop_id"], grant["officer_id"], grant["consent_note"]) == (
        shop.id,
        officer[0].id,
        NOTE,
    )
    starts = datetime.fromisoformat(grant["starts_at"])
    assert datetime.fromisoformat(grant["expires_at"]) - starts == timedelta(days=7)
    assert grant["ended_at"] is None

    photo = make_media(officer[0])  # taken with the officer's phone
    created = client.post(
        f"/api/v1/shops/{shop.id}/products",
        json={**product_body, "image_ids": [photo.id]},
        headers=officer[1],
    )
    assert created.status_code == 201, created.get_json()
    product_id = created.get_json()["id"]
    assert len(created.get_json()["images"]) == 1
    # A draft: the officer sees it as its owner would.
    assert client.get(f"/api/v1/products/{product_id}", headers=officer[1]).status_code == 200
    listed = client.get(f"/api/v1/shops/{shop.id}/products", headers=officer[1])
    assert [p["id"] for p in listed.get_json()["items"]] == [product_id]
    edited = client.patch(
        f"/api/v1/products/{product_id}",
        json={"title": "Váy xòe Mông thêu tay", "status": "active"},
        headers=officer[1],
    )
    assert edited.status_code == 200, edited.get_json()
    start = datetime.now(UTC) + timedelta(days=2)
    live = client.post(
        f"/api/v1/shops/{shop.id}/livestreams",
        json={
            "title": "Phiên live váy xòe",
            "platform": "facebook",
            "url": "https://www.facebook.com/sungmai/videos/1",
            "scheduled_start": start.isoformat(),
            "products": [{"product_id": product_id}],
        },
        headers=officer[1],
    )
    assert live.status_code == 201, live.get_json()
    livestream_id = live.get_json()["id"]

    assert actions_by(officer[0]) == [
        ("assistance.open", "shop", shop.id),
        ("assisted.product_created", "product", product_id),
        ("assisted.product_updated", "product", product_id),
        ("assisted.livestream_created", "livestream", livestream_id),
    ]
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "assisted.product_updated")
    )
    assert entry.details == {
        "shop_id": shop.id,
        "grant_id": grant["id"],
        "title": "Váy xòe Mông thêu tay",
    }
    told = notifications_of(owner[0])
    assert [(kind, params["variant"]) for kind, params in told] == [
        ("assisted_change", "opened"),
        ("assisted_change", "product_created"),
        ("assisted_change", "product_updated"),
        ("assisted_change", "livestream_created"),
    ]
    assert told[1][1]["officer"] == "Cán bộ Lò Văn Hùng"
    # The owner's own changes are neither audited nor told to themselves.
    client.patch(f"/api/v1/products/{product_id}", json={"stock": 5}, headers=owner[1])
    assert len(notifications_of(owner[0])) == 4
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 4


def test_one_open_grant_per_shop_409(client, auth, officer, shop):
    assert open_grant(client, officer, shop).status_code == 201
    again = open_grant(client, auth.user("officer"), shop)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "assistance_open"


def test_the_owner_ends_the_grant_and_the_officer_loses_the_shop(client, officer, owner, shop):
    product = make_product(shop, title="Khăn piêu")
    open_grant(client, officer, shop)
    assert (
        client.patch(
            f"/api/v1/products/{product.id}", json={"title": "Khăn piêu đỏ"}, headers=officer[1]
        ).status_code
        == 200
    )
    ended = client.delete(f"/api/v1/shops/{shop.id}/assistance", headers=owner[1])
    assert ended.status_code == 200, ended.get_json()
    assert ended.get_json()["ended_at"] is not None
    refused = client.patch(
        f"/api/v1/products/{product.id}", json={"title": "Khăn"}, headers=officer[1]
    )
    assert refused.status_code == 403
    again = client.delete(f"/api/v1/shops/{shop.id}/assistance", headers=owner[1])
    assert again.status_code == 404
    assert again.get_json()["error"]["code"] == "assistance_not_found"
    ending = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "assistance.end"))
    assert ending.actor_id == owner[0].id
    # A new grant may be opened once the last one ended.
    assert open_grant(client, officer, shop).status_code == 201


def test_a_lapsed_grant_lets_nothing_through(client, officer, shop):
    product = make_product(shop)
    grant_id = open_grant(client, officer, shop).get_json()["id"]
    grant = db.session.get(AssistanceGrant, grant_id)
    grant.starts_at -= timedelta(days=8)
    grant.expires_at -= timedelta(days=8)
    db.session.commit()
    response = client.patch(
        f"/api/v1/products/{product.id}", json={"title": "Khăn"}, headers=officer[1]
    )
    assert response.status_code == 403
    listed = client.get("/api/v1/assistance", headers=officer[1]).get_json()
    assert listed["items"] == []
    everything = client.get(
        "/api/v1/assistance", query_string={"status": "all"}, headers=officer[1]
    ).get_json()
    assert [g["id"] for g in everything["items"]] == [grant_id]


def test_another_officer_and_other_people_cannot_use_or_end_a_grant(client, auth, officer, shop):
    product = make_product(shop)
    open_grant(client, officer, shop)
    other_officer = auth.user("officer")
    artisan = auth.user("artisan")
    assert (
        client.patch(
            f"/api/v1/products/{product.id}", json={"title": "x"}, headers=other_officer[1]
        ).status_code
        == 403
    )
    assert (
        client.delete(f"/api/v1/shops/{shop.id}/assistance", headers=artisan[1]).status_code == 403
    )
    assert open_grant(client, artisan, shop).status_code == 403


def test_consent_note_is_required(client, officer, shop):
    response = client.post(f"/api/v1/shops/{shop.id}/assistance", json={}, headers=officer[1])
    assert response.status_code == 422
    assert "consent_note" in response.get_json()["error"]["details"]
    assert (
        client.post(
            "/api/v1/shops/no-such-shop/assistance", json={"consent_note": NOTE}, headers=officer[1]
        ).status_code
        == 404
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AssistanceGrant)) == 0
