"""Signing up and a new password from the pages: the API's rules, errors beside fields,
values kept, throttled like the API."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import ApiToken, PasswordReset, User
from marketplace.services.accounts import reset_code
from tests.factories import PASSWORD, make_user
from tests.pages.conftest import csrf_token, sign_in
from tests.pages.test_browse import html, text

NEW_PASSWORD = "mật khẩu mới 2026"


def register(client, **fields):
    form = {"csrf_token": csrf_token(client, "/register"), **fields}
    return client.post("/register", data=form)


def test_register_form_has_labels_and_links_to_sign_in(client):
    page = html(client.get("/register?next=/shops/x"))
    for name in ("name", "login", "password"):
        assert f'<label for="{name}">' in page and f'name="{name}"' in page
    assert 'autocomplete="new-password"' in page
    assert 'href="/signin?next=/shops/x"' in page
    signin = html(client.get("/signin?next=/shops/x"))
    assert 'href="/register?next=/shops/x"' in signin and 'href="/password-reset"' in signin


def test_register_with_a_phone_signs_in_and_goes_next(client):
    response = register(
        client, name="  Lò Văn Páo ", login="0912 345 678", password=PASSWORD, next="/shops/x"
    )
    assert response.status_code == 302 and response.headers["Location"] == "/shops/x"
    user = db.session.scalar(db.select(User).where(User.phone == "+84912345678"))
    assert user.name == "Lò Văn Páo" and user.role == "buyer" and user.email is None
    assert user.locale == "vi"
    assert '<span class="who">Lò Văn Páo</span>' in html(client.get("/"))
    # The pages sign in with their cookie: no bearer token is made.
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0


def test_register_with_an_email_in_english(client):
    client.get("/?lang=en")
    response = register(client, name="Anna", login="Anna@Example.test", password=PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = db.session.scalar(db.select(User).where(User.email == "anna@example.test"))
    assert user.locale == "en" and user.phone is None


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"name": "", "login": "0912 345 678", "password": PASSWORD}, {"name": "Hãy ghi tên"}),
        ({"name": "Páo", "login": "12345", "password": PASSWORD}, {"login": "số điện thoại"}),
        ({"name": "Páo", "login": "a@b", "password": PASSWORD}, {"login": "số điện thoại"}),
        ({"name": "Páo", "login": "", "password": PASSWORD}, {"login": "số điện thoại"}),
        ({"name": "Páo", "login": "0912 345 678", "password": "short"}, {"password": "8 ký tự"}),
        ({"name": "P\x00", "login": "0912 345 678", "password": PASSWORD}, {"name": "Hãy ghi"}),
        ({"name": "Páo", "login": "09\x00", "password": PASSWORD}, {"login": "số điện thoại"}),
        ({"name": "x" * 200, "login": "0912 345 678", "password": PASSWORD}, {"name": "Hãy"}),
    ],
)
def test_register_errors_are_422_beside_their_field(client, fields, errors):
    response = register(client, **fields)
    assert response.status_code == 422
    page = html(response)
    for field, words in errors.items():
        start = page.index(f'<span class="field-error" id="{field}-error">')
        assert words in page[start : start + 200]
        assert f'aria-describedby="{field}-error"' in page
    if fields["login"] and "\x00" not in fields["login"]:
        assert f'value="{fields["login"]}"' in page  # kept
    assert PASSWORD not in page  # never the password
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_register_a_taken_phone_says_so_in_english(client):
    make_user(phone="+84912345678")
    client.get("/register?lang=en")
    response = register(client, name="Páo", login="+84 912 345 678", password=PASSWORD)
    assert response.status_code == 422
    assert "This phone number or e-mail already has an account." in text(response)
    assert 'value="Páo"' in html(response)


def test_register_needs_the_csrf_token(client):
    response = client.post("/register", data={"name": "x", "login": "0912345678", "password": "y"})
    assert response.status_code == 400


def test_register_while_signed_in_goes_next(client):
    user = make_user(email="mai@example.test")
    sign_in(client, user.email, PASSWORD)
    response = client.get("/register?next=/orders")
    assert response.status_code == 302 and response.headers["Location"] == "/orders"


# --- a new password -----------------------------------------------------------------------------


def ask_code(client, login):
    return client.post(
        "/password-reset",
        data={"login": login, "csrf_token": csrf_token(client, "/password-reset")},
    )


def confirm(client, login, code, password=NEW_PASSWORD):
    form = {"login": login, "code": code, "password": password}
    form["csrf_token"] = csrf_token(client, "/password-reset")
    return client.post("/password-reset/confirm", data=form)


def the_code(app, user) -> str:
    reset = db.session.scalar(
        db.select(PasswordReset)
        .where(PasswordReset.user_id == user.id)
        .order_by(PasswordReset.created_at.desc())
    )
    return reset_code(app.config["SECRET_KEY"], reset.nonce)


def test_password_reset_in_three_steps(app, client):
    user = make_user(phone="+84912345678", name="Mai")
    first = html(client.get("/password-reset"))
    assert 'aria-current="step"' in first and 'name="login"' in first

    step_two = ask_code(client, "0912 345 678")
    assert step_two.status_code == 200
    words = text(step_two)
    assert "Nếu 0912 345 678 có tài khoản, một tin nhắn có 6 chữ số" in words
    page = html(step_two)
    assert 'inputmode="numeric"' in page and 'autocomplete="one-time-code"' in page
    assert 'value="0912 345 678"' in page

    done = confirm(
        client, "0912 345 678", " ".join(the_code(app, user)[:3]) + the_code(app, user)[3:]
    )
    assert done.status_code == 303 and done.headers["Location"] == "/password-reset?done=1"
    final = text(client.get(done.headers["Location"]))
    assert "Đã lưu mật khẩu mới. Bạn đã đăng nhập." in final and "Mai" in final

    other = app.test_client()
    assert sign_in(other, "0912345678", NEW_PASSWORD).status_code == 302


def test_an_unknown_login_gets_the_same_answer(client):
    response = ask_code(client, "0987 654 321")
    assert response.status_code == 200
    assert "Nếu 0987 654 321 có tài khoản" in text(response)
    assert db.session.scalar(db.select(db.func.count()).select_from(PasswordReset)) == 0


def test_an_e_mail_login_is_told_an_e_mail_comes(client):
    client.get("/?lang=en")
    response = ask_code(client, "mai@example.test")
    assert "If mai@example.test has an account, an e-mail with 6 numbers" in text(response)


@pytest.mark.parametrize("login", ["", "   ", "x\x00"])
def test_asking_without_a_login(client, login):
    response = ask_code(client, login)
    if login.strip() and "\x00" in login:
        assert response.status_code == 200  # the same answer as for an unknown login
    else:
        assert response.status_code == 422
        assert "Hãy ghi số điện thoại hoặc email của bạn." in text(response)


def test_a_wrong_code_is_422_beside_the_code_and_nothing_changes(app, client):
    user = make_user(email="mai@example.test")
    ask_code(client, "mai@example.test")
    wrong = "000000" if the_code(app, user) != "000000" else "111111"
    response = confirm(client, "mai@example.test", wrong)
    assert response.status_code == 422
    page = html(response)
    assert 'id="code-error"' in page and "Mã không đúng hoặc đã hết hạn" in text(response)
    assert 'value="mai@example.test"' in page and f'value="{wrong}"' in page
    assert NEW_PASSWORD not in page
    assert sign_in(app.test_client(), "mai@example.test", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"login": "mai@example.test", "code": "123456", "password": "short"}, "password"),
        ({"login": "mai@example.test", "code": "", "password": NEW_PASSWORD}, "code"),
        ({"login": "", "code": "123456", "password": NEW_PASSWORD}, "login"),
        ({"login": "m\x00", "code": "123456", "password": NEW_PASSWORD}, "login"),
    ],
)
def test_confirm_form_errors(client, fields, field):
    response = confirm(client, **fields)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html(response)


def test_wrong_codes_are_throttled_like_sign_in(app, client):
    make_user(email="mai@example.test")
    limit = int(app.config["RATELIMIT_LOGIN_FAILURES"].split()[0])
    statuses = [confirm(client, "mai@example.test", "000000").status_code for _ in range(limit + 1)]
    assert statuses[:limit] == [422] * limit and statuses[-1] == 429


def test_code_requests_are_throttled_like_the_api(app, client):
    make_user(email="mai@example.test")
    limit = int(app.config["RATELIMIT_PASSWORD_RESET"].split()[0])
    statuses = [ask_code(client, "mai@example.test").status_code for _ in range(limit + 1)]
    assert statuses[:limit] == [200] * limit and statuses[-1] == 429
    assert "Bạn đã thử quá nhiều lần" in text(ask_code(client, "mai@example.test"))


def test_sign_ups_are_throttled_like_the_api(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_REGISTER", "2 per hour")
    statuses = [
        register(
            app.test_client(), name="Páo", login=f"09123456{n:02d}", password=PASSWORD
        ).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert client.get("/register").status_code == 200  # the form itself is never limited
