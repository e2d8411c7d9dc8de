"""The contract's error envelope, checked the same way by every test that expects an error."""

from __future__ import annotations


def assert_envelope(response, status, code=None):
    """``{"error": {"code", "message", "details"}}`` with ``status`` (and ``code``); the error."""
    body = response.get_json()
    assert response.status_code == status, body
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code, body["error"]
    return body["error"]
