"""Swagger UI at /api/docs in a real browser: Authorize with a bearer token, then "Try it out" on
a signed-in call answers as that user (the document declares the bearer scheme)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from marketplace.extensions import db
from tests.factories import make_user, token_for

pytestmark = pytest.mark.live


@pytest.fixture
def desk(browser, live_server):
    """A desktop-sized page on the live server that may not leave 127.0.0.1; it records
    console errors (CSP violations land there) and page errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    problems: list[str] = []

    def only_loopback(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            problems.append(f"request off the machine: {route.request.url}")
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    try:
        yield page, live_server, problems
    finally:
        context.close()


def test_authorize_then_try_a_signed_in_call(desk):
    page, base, problems = desk
    user = make_user(name="Lò Văn Páo")
    token = token_for(user)
    db.session.commit()

    page.goto(base + "/api/docs")
    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".modal-ux")
    dialog.locator("input").fill(token)
    dialog.get_by_role("button", name="Authorize").click()
    dialog.get_by_role("button", name="Close").click()

    me = page.locator("#operations-auth-get_api_v1_me")
    me.locator(".opblock-summary").click()
    me.get_by_role("button", name="Try it out").click()
    me.get_by_role("button", name="Execute").click()
    answer = me.locator(".live-responses-table tr.response")
    expect(answer.locator(".response-col_status")).to_have_text("200")
    expect(answer.locator(".response-col_description")).to_contain_text("Lò Văn Páo")
    # The call carried the token typed into the Authorize dialog.
    expect(me.locator(".curl-command")).to_contain_text(f"Authorization: Bearer {token}")
    assert problems == []
