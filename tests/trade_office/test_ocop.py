"""OCOP applications and certificates: submit, review, renew, expire."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import AuditEntry, OcopApplication, OcopCertificate
from marketplace.schemas.trade_office import ApplicationSchema
from marketplace.services.places import local_today
from tests.factories import make_product, make_shop
from tests.factories.trade_office import certify, make_media


def application_body(**overrides):
    today = local_today()
    body = {
        "certificate_number": "123/QĐ-UBND",
        "stars": 4,
        "issuer": "UBND tỉnh Sơn La",
        "issued_on": (today - timedelta(days=30)).isoformat(),
        "expires_on": (today + timedelta(days=3 * 365)).isoformat(),
    }
    body.update(overrides)
    return body


@pytest.fixture
def owner(auth):
    return auth.user("artisan")


@pytest.fixture
def officer(auth):
    return auth.user("officer")


@pytest.fixture
def product(owner):
    return make_product(make_shop(owner[0]), title="Mật ong bạc hà")


def submit(client, product, headers, **overrides):
    return client.post(
        f"/api/v1/products/{product.id}/ocop-applications",
        json=application_body(**overrides),
        headers=headers,
    )


def test_owner_submits_a_pending_application_with_evidence(client, owner, product):
    user, headers = owner
    scans = [make_media(user), make_media(user)]
    response = submit(client, product, headers, evidence_media_ids=[m.id for m in scans])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == set(ApplicationSchema().fields)
    assert body["status"] == "pending"
    assert body["product_id"] == product.id
    assert body["stars"] == 4
    assert body["certificate_number"] == "123/QĐ-UBND"
    assert body["reason"] is None and body["reviewed_by"] is None and body["reviewed_at"] is None
    assert {m["id"] for m in body["evidence"]} == {m.id for m in scans}
    assert all(m["url"] and m["kind"] == "image" for m in body["evidence"])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"stars": 2}, "stars"),
        ({"stars": 6}, "stars"),
        ({"stars": "4"}, "stars"),
        ({"issued_on": "2025-06-01", "expires_on": "2025-06-01"}, "expires_on"),
        ({"issued_on": "2025-06-01", "expires_on": "2024-06-01"}, "expires_on"),
        ({"expires_on": "2025-02-30"}, "expires_on"),
        ({"certificate_number": "  "}, "certificate_number"),
        ({"issuer": ""}, "issuer"),
    ],
)
def test_invalid_applications_are_422(client, owner, product, overrides, field):
    response = submit(client, product, owner[1], **overrides)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]
    assert db.session.scalar(db.select(db.func.count(OcopApplication.id))) == 0


def test_evidence_must_be_the_owners_ready_images(client, auth, owner, product):
    user, headers = owner
    stranger, _ = auth.user("artisan")
    for media_id in (
        make_media(stranger).id,
        make_media(user, status="pending").id,
        make_media(user, kind="video").id,
        "0" * 32,
    ):
        response = submit(client, product, headers, evidence_media_ids=[media_id])
        assert response.status_code == 422, media_id
        assert "evidence_media_ids" in response.get_json()["error"]["details"]


def test_only_the_owner_applies(client, auth, product):
    assert submit(client, product, {}).status_code == 401
    assert submit(client, product, auth.user("artisan")[1]).status_code == 403
    assert submit(client, product, auth.user("officer")[1]).status_code == 403
    other = make_product(status="draft")
    assert submit(client, other, auth.user("artisan")[1]).status_code == 404
    response = client.post(
        "/api/v1/products/nope/ocop-applications",
        json=application_body(),
        headers=auth.user("artisan")[1],
    )
    assert response.status_code == 404


def test_a_second_pending_application_is_409_until_reviewed(client, owner, officer, product):
    first = submit(client, product, owner[1]).get_json()
    again = submit(client, product, owner[1], certificate_number="other")
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "application_pending"
    rejected = client.post(
        f"/api/v1/ocop/applications/{first['id']}/reject",
        json={"reason": "The scan is unreadable."},
        headers=officer[1],
    )
    assert rejected.status_code == 200
    assert submit(client, product, owner[1]).status_code == 201


def test_officers_list_applications_by_status_with_keyset_pages(
    client, auth, officer, count_queries
):
    owner, headers = auth.user("artisan")
    shop = make_shop(owner)
    products = [make_product(shop) for _ in range(5)]
    ids = [submit(client, p, headers).get_json()["id"] for p in products]
    client.post(
        f"/api/v1/ocop/applications/{ids[0]}/reject", json={"reason": "no"}, headers=officer[1]
    )
    seen, cursor = [], None
    with count_queries() as counter:
        while True:
            query = {"status": "pending", "limit": 2} | ({"cursor": cursor} if cursor else {})
            page = client.get("/api/v1/ocop/applications", query_string=query, headers=officer[1])
            assert page.status_code == 200
            body = page.get_json()
            seen += [item["id"] for item in body["items"]]
            assert all(item["status"] == "pending" for item in body["items"])
            cursor = body["next_cursor"]
            if not cursor:
                break
    assert seen == ids[1:]  # oldest first: a review queue
    assert counter.count <= 3 * 4  # token lookup, page, evidence per page; three pages
    everything = client.get("/api/v1/ocop/applications", headers=officer[1]).get_json()
    assert len(everything["items"]) == 5
    bad = client.get("/api/v1/ocop/applications?status=maybe", headers=officer[1])
    assert bad.status_code == 422


@pytest.mark.parametrize("role", ["buyer", "artisan"])
def test_review_is_for_officers_and_admins(client, auth, owner, product, role):
    application = submit(client, product, owner[1]).get_json()
    _, headers = auth.user(role)
    assert client.get("/api/v1/ocop/applications", headers=headers).status_code == 403
    url = f"/api/v1/ocop/applications/{application['id']}"
    assert client.post(f"{url}/approve", json={}, headers=headers).status_code == 403
    assert client.post(f"{url}/reject", json={"reason": "x"}, headers=headers).status_code == 403
    assert client.post(f"{url}/approve", json={"stars": 9}).status_code == 401
    admin = auth.user("admin")[1]
    assert client.post(f"{url}/approve", json={}, headers=admin).status_code == 200


def test_approval_gives_the_product_its_certificate(client, owner, officer, product):
    application = submit(client, product, owner[1], stars=5).get_json()
    response = client.post(
        f"/api/v1/ocop/applications/{application['id']}/approve",
        json={"stars": 4, "note": "Hồ sơ 5 sao chưa đủ."},
        headers=officer[1],
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "approved"
    assert body["stars"] == 4
    assert body["reviewed_by"] == officer[0].id
    assert body["reviewed_at"]
    ocop = client.get(f"/api/v1/products/{product.id}").get_json()["ocop"]
    assert ocop == {
        "stars": 4,
        "certificate_number": "123/QĐ-UBND",
        "issued_on": application["issued_on"],
        "expires_on": application["expires_on"],
        "status": "certified",
    }
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "ocop.approve"))
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        officer[0].id,
        "ocop_application",
        application["id"],
    )
    assert entry.details["stars"] == 4 and entry.reason == "Hồ sơ 5 sao chưa đủ."
    again = client.post(
        f"/api/v1/ocop/applications/{application['id']}/approve", json={}, headers=officer[1]
    )
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "application_not_pending"
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == 1


def test_approve_without_a_body_keeps_the_claimed_stars(client, owner, officer, product):
    application = submit(client, product, owner[1], stars=3).get_json()
    response = client.post(
        f"/api/v1/ocop/applications/{application['id']}/approve", headers=officer[1]
    )
    assert response.status_code == 200
    assert response.get_json()["stars"] == 3


def test_rejection_needs_a_reason_and_certifies_nothing(client, owner, officer, product):
    application = submit(client, product, owner[1]).get_json()
    url = f"/api/v1/ocop/applications/{application['id']}/reject"
    assert client.post(url, json={}, headers=officer[1]).status_code == 422
    assert client.post(url, json={"reason": "  "}, headers=officer[1]).status_code == 422
    response = client.post(url, json={"reason": "Giấy chứng nhận đã hết hạn."}, headers=officer[1])
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["reason"]) == ("rejected", "Giấy chứng nhận đã hết hạn.")
    assert client.get(f"/api/v1/products/{product.id}").get_json()["ocop"] is None
    assert client.post(url, json={"reason": "again"}, headers=officer[1]).status_code == 409
    actions = db.session.scalars(db.select(AuditEntry.action)).all()
    assert actions == ["ocop.reject"]
    missing = client.post(
        "/api/v1/ocop/applications/nope/reject", json={"reason": "x"}, headers=officer[1]
    )
    assert missing.status_code == 404


def test_owner_reads_their_applications_others_do_not(client, auth, owner, officer, product):
    application = submit(client, product, owner[1]).get_json()
    url = f"/api/v1/ocop/applications/{application['id']}"
    assert client.get(url, headers=owner[1]).get_json()["id"] == application["id"]
    assert client.get(url, headers=officer[1]).status_code == 200
    assert client.get(url, headers=auth.user("artisan")[1]).status_code == 404
    mine = client.get(f"/api/v1/products/{product.id}/ocop-applications", headers=owner[1])
    assert [a["id"] for a in mine.get_json()["items"]] == [application["id"]]
    theirs = client.get(
        f"/api/v1/products/{product.id}/ocop-applications", headers=auth.user("buyer")[1]
    )
    assert theirs.status_code == 404


def test_renewal_replaces_the_current_certificate_and_keeps_history(
    client, owner, officer, product
):
    today = local_today()
    first = submit(
        client,
        product,
        owner[1],
        stars=3,
        certificate_number="old",
        issued_on=(today - timedelta(days=1100)).isoformat(),
        expires_on=(today - timedelta(days=5)).isoformat(),
    ).get_json()
    client.post(f"/api/v1/ocop/applications/{first['id']}/approve", headers=officer[1])
    ocop = client.get(f"/api/v1/products/{product.id}").get_json()["ocop"]
    assert (ocop["certificate_number"], ocop["status"]) == ("old", "expired")
    listed = client.get("/api/v1/products", query_string={"ocop_min_stars": 3}).get_json()
    assert product.id not in [p["id"] for p in listed["items"]]

    second = submit(client, product, owner[1], stars=4, certificate_number="new").get_json()
    client.post(f"/api/v1/ocop/applications/{second['id']}/approve", headers=officer[1])
    ocop = client.get(f"/api/v1/products/{product.id}").get_json()["ocop"]
    assert (ocop["certificate_number"], ocop["stars"], ocop["status"]) == ("new", 4, "certified")
    listed = client.get("/api/v1/products", query_string={"ocop_min_stars": 4}).get_json()
    assert product.id in [p["id"] for p in listed["items"]]
    history = db.session.execute(
        db.select(OcopCertificate.certificate_number, OcopCertificate.is_current)
        .where(OcopCertificate.product_id == product.id)
        .order_by(OcopCertificate.created_at)
    ).all()
    assert [tuple(row) for row in history] == [("old", False), ("new", True)]


def test_a_certificate_expires_the_day_after_its_expiry_date(client, owner, product):
    today = local_today()
    certify(product, 5, expires_on=today)
    ocop = client.get(f"/api/v1/products/{product.id}").get_json()["ocop"]
    assert ocop["status"] == "certified"  # valid through its last day
    certify(product, 5, expires_on=today - timedelta(days=1))
    ocop = client.get(f"/api/v1/products/{product.id}").get_json()["ocop"]
    assert ocop["status"] == "expired"
    listed = client.get("/api/v1/products", query_string={"ocop_min_stars": 3}).get_json()
    assert product.id not in [p["id"] for p in listed["items"]]
