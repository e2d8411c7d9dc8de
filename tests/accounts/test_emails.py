"""E-mail addresses: look-alikes (fullwidth letters, the fullwidth ＠, any case) are one
address, stored and compared in one form, for registration, sign-in and throttling."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import User
from marketplace.services.accounts import login_identity
from marketplace.services.text import normalise_email
from tests.factories import PASSWORD, make_user
from tests.pages.conftest import sign_in

# ｂａｓｅX@x.example: fullwidth letters, as a phone keyboard in full-width mode types them.
FULLWIDTH = "\uff42\uff41\uff53\uff45X@x.example"
FULLWIDTH_AT = "\uff42\uff41\uff53\uff45X\uff20x.example"


def register(client, email, phone=None):
    body = {"name": "Vì Thị Xuân", "password": "vai-lanh-2026", "email": email}
    if phone:
        body["phone"] = phone
    return client.post("/api/v1/auth/register", json=body)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (FULLWIDTH, "basex@x.example"),
        (FULLWIDTH_AT, "basex@x.example"),
        ("  BaseX@X.Example ", "basex@x.example"),
        ("ﬁne@x.example", "fine@x.example"),  # the ﬁ ligature
        ("mai.lò@bản.vn", "mai.lò@bản.vn"),  # Vietnamese stays as it is
        ("İnci@x.example", normalise_email(normalise_email("İnci@x.example"))),
    ],
)
def test_normalise_email_folds_look_alikes_and_is_idempotent(typed, stored):
    assert normalise_email(typed) == stored
    assert normalise_email(stored) == stored


@pytest.mark.parametrize("look_alike", [FULLWIDTH, FULLWIDTH_AT, "BASEX@X.EXAMPLE"])
def test_a_look_alike_of_a_taken_email_is_account_exists(client, look_alike):
    assert register(client, "baseX@x.example").status_code == 201
    response = register(client, look_alike, phone="0912 345 678")
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["error"]["code"] == "account_exists"
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_an_email_typed_fullwidth_is_stored_in_the_one_form(client):
    response = register(client, FULLWIDTH_AT)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["user"]["email"] == "basex@x.example"
    assert register(client, "basex@x.example").status_code == 409


@pytest.mark.parametrize("typed", [FULLWIDTH, FULLWIDTH_AT, " BaseX@x.example"])
def test_sign_in_with_a_look_alike_finds_the_account(client, typed):
    make_user(email="basex@x.example")
    response = client.post("/api/v1/auth/token", json={"login": typed, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["email"] == "basex@x.example"


def test_the_sign_in_page_finds_the_account_too(client):
    make_user(email="basex@x.example")
    response = sign_in(client, FULLWIDTH_AT, PASSWORD)
    assert response.status_code == 302


def test_failed_sign_ins_with_look_alikes_count_against_one_account():
    assert login_identity(FULLWIDTH) == login_identity("basex@x.example")
    assert login_identity(FULLWIDTH_AT) == login_identity("BaseX@x.example")
    # Fullwidth digits are the same phone number too.
    assert login_identity("\uff10\uff19\uff11\uff12 345 678") == login_identity("+84912345678")


def test_users_created_by_the_command_are_stored_in_the_one_form(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", FULLWIDTH, "--password", "phòng-công-thương"]
        + ["--role", "officer"]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(User.role).where(User.email == "basex@x.example"))
