"""A stranger who spends an account's failure budget does not lock its owner out: a device that
signed in to the account before keeps signing in (known-device cookie), with a budget of its own.
"""

from __future__ import annotations

import pytest

from marketplace.web.sign_in_throttle import KNOWN_DEVICE_COOKIE
from tests.factories import PASSWORD, make_user
from tests.pages.conftest import sign_in

EMAIL = "mai@example.test"


@pytest.fixture
def mai():
    return make_user(email=EMAIL, phone="+84912345678")


@pytest.fixture
def budget(app_config):
    app_config(RATELIMIT_LOGIN_FAILURES="3 per 15 minutes")
    return 3


def token(client, login: str = EMAIL, password: str = PASSWORD):
    return client.post("/api/v1/auth/token", json={"login": login, "password": password})


def spend_the_budget(app, budget: int, login: str = EMAIL) -> None:
    stranger = app.test_client()
    assert [token(stranger, login, "guess").status_code for _ in range(budget)] == [401] * budget
    assert token(stranger, login).status_code == 429


def device_cookie(client) -> str | None:
    cookie = client.get_cookie(KNOWN_DEVICE_COOKIE)
    return cookie.value if cookie else None


def test_the_owners_known_device_still_signs_in_when_a_stranger_spent_the_budget(
    app, client, mai, budget
):
    assert token(client).status_code == 200
    spend_the_budget(app, budget)
    # A device that never signed in to the account waits, even with the right password.
    assert token(app.test_client()).status_code == 429
    assert token(client).status_code == 200
    # The phone spelled another way is another login for the budget, so it is not known.
    assert token(client, "0912 345 678", "guess").status_code == 401


def test_the_sign_in_page_remembers_the_device_too(app, client, mai, budget):
    assert sign_in(client, EMAIL, PASSWORD).status_code == 302
    spend_the_budget(app, budget)
    assert sign_in(app.test_client(), EMAIL, PASSWORD).status_code == 429
    # The session is over (the browser was closed); the device cookie stays.
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    assert sign_in(client, EMAIL, PASSWORD).status_code == 302


def test_a_known_device_has_a_failure_budget_of_its_own(app, client, mai, budget):
    assert token(client).status_code == 200
    assert [token(client, EMAIL, "typo").status_code for _ in range(budget)] == [401] * budget
    assert token(client).status_code == 429
    # Its failures were its own: a device that never signed in is not held back by them.
    assert token(app.test_client(), EMAIL, "guess").status_code == 401


def test_a_device_is_known_only_for_the_accounts_it_signed_in_to(app, client, mai, budget):
    other = make_user(email="tuan@example.test")
    assert token(client, other.email).status_code == 200
    spend_the_budget(app, budget)
    assert token(client).status_code == 429


def test_the_cookie_is_signed_and_names_no_login(app, client, mai, budget):
    response = token(client)
    cookie = next(
        header
        for header in response.headers.getlist("Set-Cookie")
        if header.startswith(KNOWN_DEVICE_COOKIE + "=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    value = device_cookie(client)
    assert "mai" not in value.lower() and "912345678" not in value
    spend_the_budget(app, budget)
    forged = app.test_client()
    forged.set_cookie(
        KNOWN_DEVICE_COOKIE, value[:-4] + ("AAAA" if value[-4:] != "AAAA" else "BBBB")
    )
    assert token(forged).status_code == 429


def test_failures_set_no_cookie(client, mai):
    assert token(client, EMAIL, "guess").status_code == 401
    assert device_cookie(client) is None
