"""Page test fixtures: local media storage and a phone-sized browser session on the live server
(the one Chromium of the run is `tests/factories/browser.py`'s `browser`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from marketplace.extensions import db
from tests.factories.storage import use_local

PHONE = {"width": 390, "height": 844}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def local_media(monkeypatch, app, tmp_path):
    """Images are stored in a folder of this test and served by the app at /media/…."""
    use_local(monkeypatch, app, tmp_path / "media")


def csrf_token(client, path: str = "/signin") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    response = client.get(path)
    match = CSRF_FIELD.search(response.get_data(as_text=True))
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client, login: str, password: str, **extra):
    form = {"login": login, "password": password, "csrf_token": csrf_token(client), **extra}
    return client.post("/signin", data=form)


@dataclass
class PhoneSession:
    """A fresh phone-sized browser context on the live server, recording what went wrong:
    console errors (CSP violations land there), page errors, requests that left 127.0.0.1."""

    page: Page
    base: str
    problems: list[str] = field(default_factory=list)

    def visit(self, path: str):
        # End the test's own transaction first: on SQLite every transaction takes the write
        # lock (BEGIN IMMEDIATE), so one left open by reading a builder's object would keep
        # the server's requests waiting.
        db.session.commit()
        response = self.page.goto(self.base + path)
        assert response is not None
        return response

    def assert_clean(self) -> None:
        assert self.problems == []


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        viewport=PHONE, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", device_scale_factor=1
    )
    context.set_default_timeout(10_000)
    session = PhoneSession(context.new_page(), live_server)

    def only_loopback(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            session.problems.append(f"request off the machine: {route.request.url}")
            route.abort()

    context.route("**/*", only_loopback)
    session.page.on(
        "console",
        lambda message: (
            session.problems.append(f"console {message.type}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    session.page.on("pageerror", lambda error: session.problems.append(f"page error: {error}"))
    try:
        yield session
    finally:
        context.close()
    session.assert_clean()
