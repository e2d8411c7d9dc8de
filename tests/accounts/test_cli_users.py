"""flask users create."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.models import User


def test_create_officer_who_can_then_sign_in(app, client):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "Officer@VanHo.gov.vn",
            "--password",
            "trade-office-1",
            "--role",
            "officer",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "officer" in result.output
    user = db.session.scalar(db.select(User).where(User.email == "officer@vanho.gov.vn"))
    assert user.role == "officer"
    response = client.post(
        "/api/v1/auth/token", json={"login": "officer@vanho.gov.vn", "password": "trade-office-1"}
    )
    assert response.status_code == 200
    assert response.get_json()["user"]["role"] == "officer"


def test_create_by_phone_normalises_it(app):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--phone",
            "0912 000 111",
            "--password",
            "admin-pass-1",
            "--role",
            "admin",
        ]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(User.role).where(User.phone == "+84912000111")) == "admin"


def test_bad_input_is_a_usage_error_not_a_traceback(app):
    runner = app.test_cli_runner()
    no_login = runner.invoke(args=["users", "create", "--password", "long-enough"])
    short = runner.invoke(args=["users", "create", "--email", "a@b.vn", "--password", "short"])
    bad_phone = runner.invoke(
        args=["users", "create", "--phone", "123", "--password", "long-enough"]
    )
    for result in (no_login, short, bad_phone):
        assert result.exit_code == 2
        assert "Traceback" not in result.output
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_taken_email_is_reported(app):
    runner = app.test_cli_runner()
    args = ["users", "create", "--email", "o@vanho.vn", "--password", "long-enough"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code == 1
    assert "already exists" in again.output
