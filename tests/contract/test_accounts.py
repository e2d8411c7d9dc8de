"""API.md § Accounts — /api/v1/auth and /api/v1/me."""

from __future__ import annotations

import pytest

from tests.contract.conftest import assert_error, assert_timestamp

# v1.1 adds ``notify: {sms, email}``, the channels notifications go by.
USER_KEYS = {"id", "name", "email", "phone", "role", "locale", "notify", "created_at"}


def register(api, **body):
    base = {"name": "Mùa A Páo", "password": "đủ tám ký tự"}
    return api.client.post("/api/v1/auth/register", json={**base, **body})


def test_register_answers_user_and_token(api):
    response = register(api, email="pao@example.vn", role="artisan", locale="en")
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"user", "token"}
    user = body["user"]
    assert set(user) == USER_KEYS
    assert user["email"] == "pao@example.vn"
    assert user["phone"] is None
    assert user["role"] == "artisan"
    assert user["locale"] == "en"
    assert_timestamp(user["created_at"])
    assert isinstance(body["token"], str) and body["token"]
    me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json() == user


def test_register_by_phone_only_normalises_it(api):
    response = register(api, phone="0912 345 678")
    assert response.status_code == 201
    user = response.get_json()["user"]
    assert user["phone"] == "+84912345678"
    assert user["email"] is None
    assert user["role"] == "buyer"


def test_register_needs_email_or_phone(api):
    assert_error(register(api), 422)
    assert_error(register(api, email=None, phone=None), 422)


@pytest.mark.parametrize("role", ["officer", "admin", "root", "", None, 1])
def test_register_only_as_buyer_or_artisan(api, role):
    assert_error(register(api, email="x@example.vn", role=role), 422)


@pytest.mark.parametrize("password", ["short", "1234567", "", None, 12345678, ["a" * 10]])
def test_password_at_least_8_characters(api, password):
    assert_error(register(api, email="x@example.vn", password=password), 422)


@pytest.mark.parametrize(
    "fields",
    [
        {"email": "not-an-email"},
        {"phone": "123"},
        {"phone": "abc"},
        {"email": "a@b.vn", "name": ""},
        {"email": "a@b.vn", "name": None},
        {"email": "a@b.vn", "name": "   "},
        {"email": "a@b.vn", "locale": "fr-XX-nope"},
        {"email": ["a@b.vn"]},
        {"phone": 912345678},
        {"email": "a@b.vn", "name": "x" * 1_000_000},
    ],
)
def test_register_bad_fields_are_422(api, fields):
    assert_error(register(api, **fields), 422)


def test_account_exists_for_a_taken_email_or_phone_in_any_spelling(api):
    assert register(api, email="hoa@example.vn", phone="0912 345 678").status_code == 201
    assert_error(register(api, email="hoa@example.vn"), 409, "account_exists")
    assert_error(register(api, email="HOA@Example.VN"), 409, "account_exists")
    assert_error(register(api, phone="+84912345678"), 409, "account_exists")
    assert_error(register(api, phone="0912345678"), 409, "account_exists")


def test_registrations_are_throttled(api, app_config):
    app_config(RATELIMIT_REGISTER="2 per hour")
    assert register(api, email="a1@example.vn").status_code == 201
    assert register(api, email="a2@example.vn").status_code == 201
    assert_error(register(api, email="a3@example.vn"), 429)


# --- tokens ---------------------------------------------------------------------------------


@pytest.fixture
def hoa(api):
    response = register(api, email="hoa@example.vn", phone="0912 345 678")
    assert response.status_code == 201
    return response.get_json()["user"]


@pytest.mark.parametrize(
    "login", ["hoa@example.vn", "Hoa@Example.vn", "0912 345 678", "+84912345678", "0912345678"]
)
def test_sign_in_with_email_or_phone_as_typed(api, hoa, login):
    response = api.client.post(
        "/api/v1/auth/token", json={"login": login, "password": "đủ tám ký tự"}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"user", "token"}
    assert body["user"] == hoa


def test_wrong_password_and_unknown_login_are_the_same_401(api, hoa):
    wrong = api.client.post(
        "/api/v1/auth/token", json={"login": "hoa@example.vn", "password": "sai mật khẩu"}
    )
    unknown = api.client.post(
        "/api/v1/auth/token", json={"login": "nobody@example.vn", "password": "sai mật khẩu"}
    )
    assert assert_error(wrong, 401, "invalid_credentials") == assert_error(
        unknown, 401, "invalid_credentials"
    )


@pytest.mark.parametrize(
    "body",
    [{}, {"login": "hoa@example.vn"}, {"password": "x"}, {"login": 5, "password": "x" * 8}, []],
)
def test_sign_in_bad_body_is_422(api, body):
    assert_error(api.client.post("/api/v1/auth/token", json=body), 422)


def test_repeated_failures_are_429(api, hoa):
    statuses = [
        api.client.post(
            "/api/v1/auth/token", json={"login": "hoa@example.vn", "password": f"wrong-{n}"}
        ).status_code
        for n in range(30)
    ]
    assert 429 in statuses
    assert set(statuses) <= {401, 429}
    # Once throttled, even the right password waits.
    response = api.client.post(
        "/api/v1/auth/token", json={"login": "hoa@example.vn", "password": "đủ tám ký tự"}
    )
    assert_error(response, 429)


def test_sign_out_kills_that_token_only(api, hoa):
    tokens = [
        api.client.post(
            "/api/v1/auth/token", json={"login": "hoa@example.vn", "password": "đủ tám ký tự"}
        ).get_json()["token"]
        for _ in range(2)
    ]
    first, second = ({"Authorization": f"Bearer {t}"} for t in tokens)
    response = api.client.delete("/api/v1/auth/token", headers=first)
    assert response.status_code == 204
    assert response.data == b""
    assert_error(api.client.get("/api/v1/me", headers=first), 401)
    assert_error(api.client.delete("/api/v1/auth/token", headers=first), 401)
    assert api.client.get("/api/v1/me", headers=second).status_code == 200


def test_sign_out_needs_a_token(api):
    assert_error(api.client.delete("/api/v1/auth/token"), 401)


def test_me_needs_a_token(api):
    assert_error(api.client.get("/api/v1/me"), 401)
    assert_error(api.client.get("/api/v1/me", headers={"Authorization": "Bearer "}), 401)


def test_no_password_hash_ever_leaves(api, hoa):
    response = register(api, email="other@example.vn")
    assert "password" not in response.get_data(as_text=True)
