"""Following a shop from its page, and reading one's notifications."""

from __future__ import annotations

import re

from marketplace.extensions import db
from marketplace.models import Notification, ShopFollow
from marketplace.services.notifications import events
from marketplace.services.notifications.outbox import Notice, write
from tests.factories import PASSWORD, make_user
from tests.factories.pages import build_market
from tests.pages.conftest import csrf_token, sign_in
from tests.pages.test_browse import html, text


def post(client, path: str, **fields):
    return client.post(path, data={"csrf_token": csrf_token(client, "/password-reset"), **fields})


LIVE = {"livestream_id": "x", "title": "Phiên chợ", "shop": "Cỏ Chàm", "platform": "facebook"}


def follows_of(user) -> int:
    return db.session.scalar(
        db.select(db.func.count()).select_from(ShopFollow).where(ShopFollow.user_id == user.id)
    )


def test_anonymous_follow_goes_to_sign_in_and_back_to_the_shop(client):
    build_market(photo=False)
    page = html(client.get("/shops/tho-cam-co-cham"))
    # A link for visitors without an account (the page then needs no session to be cached).
    assert 'href="/signin?next=/shops/tho-cam-co-cham"' in page and "Theo dõi gian hàng" in page
    response = post(client, "/shops/tho-cam-co-cham/follow")
    assert response.status_code == 303
    assert response.headers["Location"] == "/signin?next=/shops/tho-cam-co-cham"


def test_follow_and_unfollow(client):
    build_market(photo=False)
    buyer = make_user(email="mai@example.test")
    sign_in(client, buyer.email, PASSWORD)
    response = post(client, "/shops/tho-cam-co-cham/follow")
    assert response.status_code == 303 and response.headers["Location"] == "/shops/tho-cam-co-cham"
    assert follows_of(buyer) == 1
    page = html(client.get("/shops/tho-cam-co-cham"))
    assert 'action="/shops/tho-cam-co-cham/unfollow"' in page and "Đang theo dõi" in page
    post(client, "/shops/tho-cam-co-cham/follow")  # twice: still one follow
    assert follows_of(buyer) == 1
    post(client, "/shops/tho-cam-co-cham/unfollow")
    assert follows_of(buyer) == 0
    english = html(client.get("/shops/tho-cam-co-cham?lang=en"))
    assert "Follow this shop" in english


def test_following_an_unknown_shop_is_a_404_page(client):
    buyer = make_user()
    sign_in(client, buyer.email, PASSWORD)
    response = post(client, "/shops/khong-co/follow")
    assert response.status_code == 404 and "Không tìm thấy trang" in text(response)
    assert post(client, "/shops/khong-co/unfollow").status_code == 404


def test_follow_needs_the_csrf_token(client):
    build_market(photo=False)
    assert client.post("/shops/tho-cam-co-cham/follow").status_code == 400


def test_notifications_need_sign_in(client):
    response = client.get("/notifications")
    assert response.status_code == 302
    assert response.headers["Location"] == "/signin?next=/notifications"


def test_notifications_newest_first_with_links_then_all_read(client):
    market = build_market(photo=False)
    buyer = make_user(email="mai@example.test")
    sign_in(client, buyer.email, PASSWORD)
    post(client, "/shops/tho-cam-co-cham/follow")
    write([Notice(buyer.id, "livestream_starting", LIVE, "https://evil.example/")])
    db.session.commit()
    events.livestream_started(market.upcoming)
    db.session.commit()

    home = html(client.get("/"))
    assert re.search(r'Thông báo</span> <span class="count">2</span>', home)
    response = client.get("/notifications")
    assert response.status_code == 200
    page = html(response)
    assert f'href="/livestreams/{market.upcoming.id}"' in page  # newest first, with its link
    assert page.index("Xem dệt lanh") < page.index('class="note-box"', page.index("Xem dệt lanh"))
    assert "evil.example" not in page  # only links of this site
    assert page.count("note unread") == 2

    done = post(client, "/notifications/read")
    assert done.status_code == 303 and done.headers["Location"] == "/notifications"
    page = html(client.get("/notifications"))
    assert "note unread" not in page and 'class="count"' not in page
    unread = db.session.scalar(
        db.select(db.func.count()).select_from(Notification).where(Notification.read_at.is_(None))
    )
    assert unread == 0


def test_notifications_in_the_page_language(client):
    market = build_market(photo=False)
    buyer = make_user(email="mai@example.test")  # her account says Vietnamese
    sign_in(client, buyer.email, PASSWORD)
    post(client, "/shops/tho-cam-co-cham/follow")
    events.livestream_started(market.upcoming)
    db.session.commit()
    english = text(client.get("/notifications?lang=en"))
    assert "Notifications" in english and "Xem dệt lanh" in english
    assert "Mark all as read" in english


def test_no_notifications_yet(client):
    buyer = make_user()
    sign_in(client, buyer.email, PASSWORD)
    words = text(client.get("/notifications"))
    assert "Chưa có thông báo nào." in words and "Đánh dấu đã đọc hết" not in words


def test_unread_count_is_one_cheap_query_and_none_for_visitors(client, count_queries):
    buyer = make_user()
    write([Notice(buyer.id, "livestream_starting", LIVE) for _ in range(120)])
    db.session.commit()
    with count_queries() as anonymous:
        client.get("/signin")
    sign_in(client, buyer.email, PASSWORD)
    page = html(client.get("/"))
    assert '<span class="count">99+</span>' in page
    assert not any("notifications" in sql for sql in anonymous.statements)
