"""Office console fixtures: an officer signed in through the sign-in page, and the demo world."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_user
from tests.pages.conftest import csrf_token, local_media, sign_in  # noqa: F401


@pytest.fixture
def officer(client):
    user = make_user("officer", name="Lò Văn Hùng", email="hung@office.example")
    response = sign_in(client, user.email, PASSWORD)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    return user


@pytest.fixture
def form(client):
    """``form(path, **fields)``: the fields with the session's CSRF token."""

    def fill(**fields):
        return {"csrf_token": csrf_token(client, "/"), **fields}

    return fill


@pytest.fixture
def demo(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
