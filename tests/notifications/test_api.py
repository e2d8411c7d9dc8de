"""The HTTP side: the notification list and marking it read, follows, and PATCH /me."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.services.notifications import outbox
from tests.factories import make_shop, make_user
from tests.factories.messaging import all_deliveries, run_worker
from tests.notifications.helpers import phone_number

NOTIFICATION_KEYS = {"id", "kind", "title", "body", "link", "read_at", "created_at"}


def tell(user, count: int = 1, kind: str = "order_confirmed") -> list[str]:
    ids = outbox.write(
        outbox.Notice(
            user.id,
            kind,
            {
                "order_id": f"{n:032x}",
                "ref": f"{n:08X}",
                "shop": "Thổ cẩm Cỏ Chàm",
                "first_item": "Khăn piêu",
                "first_quantity": 1,
                "more_items": 0,
            },
            f"/orders/{n:032x}",
        )
        for n in range(count)
    )
    db.session.commit()
    return ids


# --- the list ------------------------------------------------------------------------------------


def test_the_list_is_newest_first_with_keyset_pages(client, auth):
    user, headers = auth.user()
    ids = tell(user, 5)
    other, _ = auth.user()
    tell(other, 2)

    first = client.get("/api/v1/notifications?limit=3", headers=headers).get_json()
    second = client.get(
        f"/api/v1/notifications?limit=3&cursor={first['next_cursor']}", headers=headers
    ).get_json()

    items = first["items"] + second["items"]
    assert second["next_cursor"] is None
    assert sorted(item["id"] for item in items) == sorted(ids)
    assert [(i["created_at"], i["id"]) for i in items] == sorted(
        ((i["created_at"], i["id"]) for i in items), reverse=True
    )
    assert set(items[0]) == NOTIFICATION_KEYS
    # Without PUBLIC_BASE_URL, links are on the host the client called.
    assert items[0]["link"].startswith("http://localhost/orders/")


def test_marking_read_by_ids_ignores_other_peoples(client, auth):
    user, headers = auth.user()
    mine = tell(user, 3)
    other, other_headers = auth.user()
    theirs = tell(other, 1)

    response = client.post(
        "/api/v1/notifications/read", json={"ids": [mine[0], theirs[0]]}, headers=headers
    )

    assert response.status_code == 204
    items = client.get("/api/v1/notifications", headers=headers).get_json()["items"]
    read = {item["id"] for item in items if item["read_at"]}
    assert read == {mine[0]}
    unread = client.get("/api/v1/notifications?unread=true", headers=headers).get_json()
    assert {item["id"] for item in unread["items"]} == set(mine[1:])
    other_items = client.get("/api/v1/notifications", headers=other_headers).get_json()["items"]
    assert other_items[0]["read_at"] is None


def test_marking_all_read(client, auth):
    user, headers = auth.user()
    tell(user, 4)

    assert (
        client.post("/api/v1/notifications/read", json={"all": True}, headers=headers)
    ).status_code == 204

    assert client.get("/api/v1/notifications?unread=true", headers=headers).get_json() == {
        "items": [],
        "next_cursor": None,
    }


@pytest.mark.parametrize(
    "body",
    [{}, {"all": False}, {"ids": []}, {"ids": "abc"}, {"all": "yes"}, {"ids": ["a"], "all": True}],
)
def test_marking_read_needs_ids_or_all(client, auth, body):
    _, headers = auth.user()

    response = client.post("/api/v1/notifications/read", json=body, headers=headers)

    assert response.status_code == 422
    assert set(response.get_json()["error"]) == {"code", "message", "details"}


def test_notifications_are_for_signed_in_users(client):
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.post("/api/v1/notifications/read", json={"all": True}).status_code == 401


# --- follows -------------------------------------------------------------------------------------


def test_follow_unfollow_and_list(client, auth):
    _, headers = auth.user()
    shops = [make_shop(name=f"Shop {n}") for n in range(3)]

    for shop in shops:
        assert client.put(f"/api/v1/shops/{shop.slug}/follow", headers=headers).status_code == 204
    # Again: nothing changes.
    assert client.put(f"/api/v1/shops/{shops[0].id}/follow", headers=headers).status_code == 204
    assert client.delete(f"/api/v1/shops/{shops[1].id}/follow", headers=headers).status_code == 204
    assert client.delete(f"/api/v1/shops/{shops[1].id}/follow", headers=headers).status_code == 204

    page = client.get("/api/v1/me/follows?limit=1", headers=headers).get_json()
    rest = client.get(
        f"/api/v1/me/follows?cursor={page['next_cursor']}", headers=headers
    ).get_json()
    assert [shop["id"] for shop in page["items"] + rest["items"]] == [shops[2].id, shops[0].id]
    assert rest["next_cursor"] is None
    assert page["items"][0]["slug"] == shops[2].slug


def test_a_suspended_shop_cannot_be_followed_but_can_be_left(client, auth):
    _, headers = auth.user()
    shop = make_shop()
    client.put(f"/api/v1/shops/{shop.id}/follow", headers=headers)
    shop.status = "suspended"
    db.session.commit()
    other = make_shop(status="suspended")

    assert client.get("/api/v1/me/follows", headers=headers).get_json()["items"] == []
    assert client.put(f"/api/v1/shops/{other.id}/follow", headers=headers).status_code == 404
    assert client.delete(f"/api/v1/shops/{other.id}/follow", headers=headers).status_code == 404
    assert client.delete(f"/api/v1/shops/{shop.id}/follow", headers=headers).status_code == 204
    assert client.put("/api/v1/shops/no-such-shop/follow", headers=headers).status_code == 404


def test_follows_are_for_signed_in_users(client):
    shop = make_shop()
    assert client.put(f"/api/v1/shops/{shop.id}/follow").status_code == 401
    assert client.get("/api/v1/me/follows").status_code == 401


# --- PATCH /me -----------------------------------------------------------------------------------


def test_a_user_chooses_name_language_and_channels(client, auth, app):
    user, headers = auth.user(phone=phone_number())
    assert client.get("/api/v1/me", headers=headers).get_json()["notify"] == {
        "sms": True,
        "email": True,
    }

    response = client.patch(
        "/api/v1/me",
        json={"name": "  Lò Thị Hoa ", "locale": "en", "notify": {"sms": False}},
        headers=headers,
    )

    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "Lò Thị Hoa" and body["locale"] == "en"
    assert body["notify"] == {"sms": False, "email": True}
    recipient = outbox.recipients([user.id])[user.id]
    assert recipient.addresses() == []  # no e-mail address, and no more text messages
    tell(user)
    run_worker(app)
    assert all_deliveries() == []
    # The list speaks the user's new language.
    [item] = client.get("/api/v1/notifications", headers=headers).get_json()["items"]
    assert item["title"].startswith("Order #")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"locale": "fr"}, "locale"),
        ({"name": "   "}, "name"),
        ({"notify": {"sms": "no"}}, "notify"),
        ({"notify": {"push": True}}, "notify"),
        ({"role": "admin"}, "role"),
        ({"email": "new@example.vn"}, "email"),
    ],
)
def test_patch_me_refuses_what_it_does_not_take(client, auth, body, field):
    _, headers = auth.user()

    response = client.patch("/api/v1/me", json=body, headers=headers)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]


def test_patch_me_needs_a_signed_in_user(client):
    make_user()
    assert client.patch("/api/v1/me", json={"locale": "en"}).status_code == 401
