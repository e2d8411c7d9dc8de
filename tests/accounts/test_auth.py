"""Accounts as API.md promises: register, sign in by email or phone, tokens, throttling."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.models import ApiToken, User


def register(client, **overrides):
    body = {
        "name": "Giàng Thị Mai",
        "password": "vai-lanh-123",
        "phone": "0912 345 678",
        "role": "artisan",
    }
    body.update(overrides)
    return client.post("/api/v1/auth/register", json=body)


def test_register_by_phone_normalises_to_e164_and_signs_in(client):
    response = register(client)
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"]["phone"] == "+84912345678"
    assert body["user"]["role"] == "artisan"
    assert body["user"]["email"] is None
    assert body["user"]["created_at"].endswith("+00:00")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["id"] == body["user"]["id"]


def test_password_and_token_are_stored_only_as_hashes(client):
    body = register(client, email="mai@example.vn").get_json()
    user = db.session.get(User, body["user"]["id"])
    assert "vai-lanh-123" not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    stored = db.session.scalars(db.select(ApiToken.token_hash)).all()
    assert body["token"] not in stored and len(stored) == 1


def test_sign_in_by_phone_as_typed_locally_or_internationally(client):
    register(client)
    for login in ("0912 345 678", "+84912345678", "+84 912 345 678"):
        response = client.post(
            "/api/v1/auth/token", json={"login": login, "password": "vai-lanh-123"}
        )
        assert response.status_code == 200, login
        assert response.get_json()["user"]["phone"] == "+84912345678"


def test_sign_in_by_email_ignores_case(client):
    register(client, email="Mai@Example.VN", phone=None)
    response = client.post(
        "/api/v1/auth/token", json={"login": "mai@example.vn", "password": "vai-lanh-123"}
    )
    assert response.status_code == 200


def test_sign_in_errors_do_not_reveal_whether_an_account_exists(client):
    register(client)
    wrong_password = client.post(
        "/api/v1/auth/token", json={"login": "0912345678", "password": "nope-nope-nope"}
    )
    unknown = client.post(
        "/api/v1/auth/token", json={"login": "0987654321", "password": "nope-nope-nope"}
    )
    assert wrong_password.status_code == unknown.status_code == 401
    assert wrong_password.get_json() == unknown.get_json()
    assert unknown.get_json()["error"]["code"] == "invalid_credentials"


def test_sign_out_revokes_only_that_token(client):
    first = register(client).get_json()["token"]
    second = client.post(
        "/api/v1/auth/token", json={"login": "0912345678", "password": "vai-lanh-123"}
    ).get_json()["token"]
    response = client.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {first}"})
    assert response.status_code == 204
    revoked = client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"})
    assert revoked.status_code == 401
    assert revoked.get_json()["error"]["code"] == "invalid_token"
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}).status_code == 200
    )


def test_me_without_token_is_401_in_the_envelope(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_taken_phone_or_email_is_409_account_exists(client):
    assert register(client, email="a@example.vn").status_code == 201
    again_phone = register(client, phone="+84912345678", email=None)
    again_email = register(client, phone=None, email="A@example.vn")
    assert again_phone.status_code == again_email.status_code == 409
    assert again_phone.get_json()["error"]["code"] == "account_exists"


def test_registration_validation_is_422_with_field_details(client):
    cases = [
        ({"password": "short"}, "password"),
        ({"phone": "12345", "email": None}, "phone"),
        ({"phone": None, "email": None}, "email"),
        ({"email": "not-an-email", "phone": None}, "email"),
        ({"role": "officer"}, "role"),
        ({"name": ""}, "name"),
    ]
    for overrides, field in cases:
        response = register(client, **overrides)
        assert response.status_code == 422, overrides
        error = response.get_json()["error"]
        assert error["code"] == "validation_error"
        assert field in error["details"], (overrides, error)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_repeated_failed_sign_ins_for_one_login_are_429(client):
    register(client)
    statuses = [
        client.post(
            "/api/v1/auth/token", json={"login": "0912345678", "password": "bad-guess-1"}
        ).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    blocked = client.post(
        "/api/v1/auth/token", json={"login": "0912345678", "password": "vai-lanh-123"}
    )
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "rate_limited"
    other = client.post("/api/v1/auth/token", json={"login": "0987654321", "password": "x" * 9})
    assert other.status_code == 401


def test_failed_sign_ins_from_one_address_are_limited_across_logins(client):
    statuses = {
        client.post(
            "/api/v1/auth/token", json={"login": f"09{n:08d}", "password": "guess-guess"}
        ).status_code
        for n in range(51)
    }
    assert 429 in statuses


def test_successful_sign_ins_do_not_count_towards_the_limit(client):
    register(client)
    for _ in range(15):
        response = client.post(
            "/api/v1/auth/token", json={"login": "0912345678", "password": "vai-lanh-123"}
        )
        assert response.status_code == 200


def test_registrations_per_address_are_limited(app, client):
    statuses = [
        client.post(
            "/api/v1/auth/register",
            json={"name": "X", "password": "password1", "email": f"u{n}@example.vn"},
        ).status_code
        for n in range(31)
    ]
    assert statuses[:30] == [201] * 30
    assert statuses[30] == 429
