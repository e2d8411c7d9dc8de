"""Signing in and out of the pages: session cookie, CSRF, one answer for every failure,
no open redirect, throttling."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import ApiToken
from tests.factories import PASSWORD, make_user
from tests.pages.conftest import csrf_token, sign_in

FAILURE = "Email, số điện thoại hoặc mật khẩu không đúng."


@pytest.fixture
def mai():
    return make_user(name="Lò Thị Mai", email="mai@example.test", phone="+84912345678")


def test_signin_form_carries_a_csrf_token(client):
    response = client.get("/signin?next=/shops/x")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="csrf_token"' in page and 'name="next" value="/shops/x"' in page
    assert 'autocomplete="current-password"' in page
    assert "Content-Security-Policy" in response.headers


def test_sign_in_with_email_then_header_shows_the_name(client, mai):
    response = sign_in(client, "Mai@Example.test ", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    home = client.get("/").get_data(as_text=True)
    assert '<span class="who">Lò Thị Mai</span>' in home and "Đăng xuất" in home
    # The page session is a cookie, not an API token.
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0


def test_sign_in_with_a_phone_typed_locally(client, mai):
    response = sign_in(client, "0912 345 678", PASSWORD, next="/shops/tho-cam?x=1")
    assert response.status_code == 302 and response.headers["Location"] == "/shops/tho-cam?x=1"


@pytest.mark.parametrize(
    ("login", "password"),
    [
        ("mai@example.test", "wrong password"),  # wrong password
        ("nobody@example.test", PASSWORD),  # no such account
        ("0999 999 999", PASSWORD),  # no such phone
        ("not a phone", PASSWORD),  # not a login at all
        ("", ""),  # nothing typed
        ("mai@example.test\x00", PASSWORD),  # text no database takes
        ("x" * 300, PASSWORD),  # longer than any login
    ],
)
def test_every_failure_says_the_same_thing(client, mai, login, password):
    response = sign_in(client, login, password)
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert FAILURE in page
    assert "Lò Thị Mai" not in page and 'class="who"' not in page
    assert 'name="password" type="password" required' in page  # the password is not echoed
    assert PASSWORD not in page


def test_post_without_csrf_token_is_a_400_page(client, mai):
    response = client.post("/signin", data={"login": "mai@example.test", "password": PASSWORD})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<html lang="vi">' in page and "CSRF" in page
    assert 'class="who"' not in client.get("/").get_data(as_text=True)


def test_post_with_another_sessions_token_is_refused(app, client, mai):
    other = app.test_client()
    token = csrf_token(other)
    response = client.post(
        "/signin", data={"login": "mai@example.test", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "/\t/evil.example/",
        "/\n/evil.example/",
        "javascript:alert(1)",
        "http:/evil.example",
        "evil.example",
        "",
    ],
)
def test_next_never_leaves_the_site(client, mai, target):
    response = sign_in(client, "mai@example.test", PASSWORD, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_from_the_query_string_is_checked_too(client, mai):
    page = client.get("/signin?next=//evil.example").get_data(as_text=True)
    assert 'name="next" value="/"' in page
    sign_in(client, "mai@example.test", PASSWORD)
    response = client.get("/signin?next=https://evil.example")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_sign_out_needs_a_post_with_the_token(client, mai):
    sign_in(client, "mai@example.test", PASSWORD)
    asked = client.get("/signout")
    assert asked.status_code == 200 and 'method="post"' in asked.get_data(as_text=True)
    assert client.post("/signout").status_code == 400  # no token: still signed in
    assert 'class="who"' in client.get("/").get_data(as_text=True)
    response = client.post("/signout", data={"csrf_token": csrf_token(client, "/signout")})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert 'class="who"' not in client.get("/").get_data(as_text=True)
    assert client.get("/signout").status_code == 302


def test_a_new_sign_in_starts_a_fresh_session(client, mai):
    before = csrf_token(client)
    sign_in(client, "mai@example.test", PASSWORD)
    assert csrf_token(client, "/signout") != before


def test_repeated_failures_are_throttled(client, app_config, mai):
    app_config(RATELIMIT_LOGIN_FAILURES="2 per 15 minutes")
    for _ in range(2):
        assert sign_in(client, "mai@example.test", "wrong password").status_code == 401
    response = sign_in(client, "mai@example.test", PASSWORD)
    assert response.status_code == 429
    assert "Bạn đã thử quá nhiều lần" in response.get_data(as_text=True)
    # Another login is not held back by Mai's.
    other = make_user(email="tuan@example.test")
    assert sign_in(client, other.email, PASSWORD).status_code == 302


def test_the_form_and_the_api_share_one_budget_for_each_account(client, app_config):
    """Guesses spread over the form, the API and several spellings of one phone all count."""
    app_config(RATELIMIT_LOGIN_FAILURES="4 per 15 minutes")
    make_user(phone="+84912345678")
    spellings = ["0912 345 678", "+84 912 345 678", "84912345678", "0912.345.678"]
    for n, spelling in enumerate(spellings):
        if n % 2:
            answer = client.post("/api/v1/auth/token", json={"login": spelling, "password": "nope"})
        else:
            answer = sign_in(client, spelling, "wrong password")
        assert answer.status_code == 401
    assert sign_in(client, "0912345678", PASSWORD).status_code == 429
    api = client.post("/api/v1/auth/token", json={"login": "+84912345678", "password": PASSWORD})
    assert api.status_code == 429
    # Another account is not held back.
    make_user(phone="+84987654321")
    assert sign_in(client, "0987 654 321", PASSWORD).status_code == 302
