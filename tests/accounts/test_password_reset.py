"""Account recovery (API.md v1.1): a 6-digit code by text message to a phone login, by e-mail
to an e-mail login, through the real peers; 202 whatever the login; 15 minutes, one use, five
tries, the newest code only; every token revoked after; throttled like sign-in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import NotificationDelivery, PasswordReset
from marketplace.models.base import utcnow
from marketplace.services.accounts import reset_code
from tests.factories import PASSWORD, make_user
from tests.factories.messaging import all_deliveries, run_worker
from tests.factories.orders import run_command
from tests.notifications.helpers import phone_number

NEW_PASSWORD = "mật khẩu mới 2026"
CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture
def peers(sms_gateway, smtp_server, notify_to):
    notify_to(gateway=sms_gateway, smtp=smtp_server)
    return sms_gateway, smtp_server


def request_code(client, login):
    return client.post("/api/v1/auth/password-reset", json={"login": login})


def confirm(client, login, code, password=NEW_PASSWORD):
    return client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"login": login, "code": code, "password": password},
    )


def sign_in(client, login, password):
    return client.post("/api/v1/auth/token", json={"login": login, "password": password})


def test_reset_by_phone_end_to_end(client, app, auth, peers):
    gateway, smtp = peers
    phone = phone_number()
    user, headers = auth.user(phone=phone)
    local = "0" + phone[3:6] + " " + phone[6:9] + " " + phone[9:]  # as people type it

    response = request_code(client, local)

    assert response.status_code == 202
    assert gateway.requests == []  # sent by the worker, never by the request
    assert run_worker(app).sent == 1
    [text] = gateway.texts_to(phone)
    assert len(text) <= 160 and text.isascii()
    assert "15 phut" in text  # the user's language (Vietnamese), without diacritics
    code = CODE.search(text).group(1)
    assert smtp.mails == []

    assert confirm(client, local, code).status_code == 204

    # Every token stopped working; the new password signs in, the old one does not.
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert sign_in(client, phone, NEW_PASSWORD).status_code == 200
    assert sign_in(client, phone, PASSWORD).status_code == 401
    # One use.
    assert confirm(client, phone, code, "another password").get_json()["error"]["code"] == (
        "invalid_code"
    )


def test_reset_by_email_end_to_end(client, app, auth, peers):
    gateway, smtp = peers
    user, headers = auth.user(email="hoa@example.vn")
    user.locale = "en"
    db.session.commit()

    assert request_code(client, "Hoa@Example.vn ").status_code == 202
    run_worker(app)

    [mail] = smtp.mails
    assert mail.rcpt_tos == ["hoa@example.vn"]
    assert mail.subject == "Your Chợ Phiên password reset code"
    code = CODE.search(mail.text).group(1)
    assert "valid for 15 minutes" in mail.text
    assert gateway.requests == []
    assert confirm(client, "hoa@example.vn", code).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert sign_in(client, "hoa@example.vn", NEW_PASSWORD).status_code == 200


def test_an_unknown_login_gets_the_same_answer_and_nothing_is_sent(client, app, peers):
    gateway, smtp = peers
    known = make_user(email="known@example.vn")

    unknown = request_code(client, "nobody@example.vn")
    found = request_code(client, known.email)

    assert unknown.status_code == found.status_code == 202
    assert unknown.get_data() == found.get_data()
    run_worker(app)
    assert [mail.rcpt_tos for mail in smtp.mails] == [["known@example.vn"]]
    assert confirm(client, "nobody@example.vn", "123456").status_code == 400


def test_five_wrong_codes_void_it(client, app, peers):
    gateway, _ = peers
    phone = phone_number()
    make_user(phone=phone)
    request_code(client, phone)
    run_worker(app)
    code = CODE.search(gateway.texts_to(phone)[0]).group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    answers = [confirm(client, phone, wrong) for _ in range(5)]

    assert {(a.status_code, a.get_json()["error"]["code"]) for a in answers} == {
        (400, "invalid_code")
    }
    # The right code no longer works: the code is void.
    assert confirm(client, phone, code).status_code == 400
    reset = db.session.scalar(db.select(PasswordReset))
    assert reset.attempts == 5 and reset.voided_at is not None
    assert sign_in(client, phone, PASSWORD).status_code == 200


def test_the_right_code_on_the_fifth_try_still_works(client, app, peers):
    gateway, _ = peers
    phone = phone_number()
    make_user(phone=phone)
    request_code(client, phone)
    run_worker(app)
    code = CODE.search(gateway.texts_to(phone)[0]).group(1)

    for _ in range(4):
        assert confirm(client, phone, "000000" if code != "000000" else "111111").status_code == 400

    assert confirm(client, phone, code).status_code == 204


def test_a_newer_request_voids_the_older_code_which_is_then_not_even_sent(client, app, peers):
    gateway, _ = peers
    phone = phone_number()
    make_user(phone=phone)
    request_code(client, phone)
    request_code(client, phone)

    report = run_worker(app)

    assert (report.sent, report.cancelled) == (1, 1)
    [text] = gateway.texts_to(phone)
    older, newer = db.session.scalars(db.select(PasswordReset).order_by(PasswordReset.created_at))
    assert older.voided_at is not None and newer.voided_at is None
    older_code = reset_code(app.config["SECRET_KEY"], older.nonce)
    newer_code = CODE.search(text).group(1)
    assert newer_code == reset_code(app.config["SECRET_KEY"], newer.nonce)
    if older_code != newer_code:
        assert confirm(client, phone, older_code).status_code == 400
    assert confirm(client, phone, newer_code).status_code == 204


def test_a_code_expires_after_15_minutes(client, app, peers):
    gateway, _ = peers
    phone = phone_number()
    make_user(phone=phone)
    request_code(client, phone)
    run_worker(app)
    code = CODE.search(gateway.texts_to(phone)[0]).group(1)
    db.session.execute(db.update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    assert confirm(client, phone, code).status_code == 400


def test_a_code_not_sent_before_it_expires_is_never_sent(client, app, peers):
    gateway, _ = peers
    phone = phone_number()
    make_user(phone=phone)
    request_code(client, phone)
    db.session.execute(db.update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    assert run_worker(app).cancelled == 1
    assert gateway.requests == []


def test_no_code_is_stored_anywhere(client, app, peers):
    phone = phone_number()
    make_user(phone=phone)
    request_code(client, phone)

    reset = db.session.scalar(db.select(PasswordReset))
    [delivery] = all_deliveries()
    code = reset_code(app.config["SECRET_KEY"], reset.nonce)
    stored = [str(getattr(reset, c.key)) for c in PasswordReset.__table__.columns] + [
        str(getattr(delivery, c.key)) for c in NotificationDelivery.__table__.columns
    ]
    assert not any(code in value for value in stored)


def test_requests_are_throttled_per_login_known_or_not(client, app_config):
    app_config(RATELIMIT_PASSWORD_RESET="2 per 15 minutes")
    make_user(email="known@example.vn")

    known = [request_code(client, "known@example.vn").status_code for _ in range(3)]
    unknown = [request_code(client, "nobody@example.vn").status_code for _ in range(3)]

    assert known == unknown == [202, 202, 429]


def test_wrong_codes_spend_the_sign_in_budget(client, app_config):
    app_config(RATELIMIT_LOGIN_FAILURES="3 per 15 minutes")
    phone = phone_number()
    make_user(phone=phone)
    request_code(client, phone)

    answers = [confirm(client, phone, "999999").status_code for _ in range(3)]

    assert answers == [400, 400, 400]
    assert confirm(client, phone, "999999").status_code == 429
    assert sign_in(client, phone, PASSWORD).status_code == 429


@pytest.mark.parametrize(
    "body, field",
    [
        ({"login": "a@example.vn", "code": "123456", "password": "short"}, "password"),
        ({"login": "a@example.vn", "password": "long enough"}, "code"),
        ({"code": "123456", "password": "long enough"}, "login"),
    ],
)
def test_confirm_checks_its_fields(client, body, field):
    response = client.post("/api/v1/auth/password-reset/confirm", json=body)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]


def test_an_operator_resets_a_password_from_the_command_line(client, app, auth):
    user, headers = auth.user(email="artisan@example.vn")

    result = run_command(
        app, "users", "reset-password", "--login", "artisan@example.vn", "--password", NEW_PASSWORD
    )
    missing = run_command(
        app, "users", "reset-password", "--login", "nobody@example.vn", "--password", NEW_PASSWORD
    )

    assert result.exit_code == 0, result.output
    assert "every token was revoked" in result.output
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert sign_in(client, "artisan@example.vn", NEW_PASSWORD).status_code == 200
    assert missing.exit_code != 0 and "No account" in missing.output
