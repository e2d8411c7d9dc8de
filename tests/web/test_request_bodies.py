"""Bodies as a careless or hostile client sends them: any body that does not parse is 400
``malformed_json``, a body over the size limit is 413 however it is framed."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest

from tests.factories import headers_for, make_user
from tests.factories.envelopes import assert_envelope

# More digits than Python converts to an int (sys.get_int_max_str_digits(): 4,300).
HUGE_NUMBER = "1" + "0" * 5000


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/auth/token", '{"login": "a@b.c", "password": ' + HUGE_NUMBER + "}"),
        ("/api/v1/auth/register", '{"name": "A", "password": ' + HUGE_NUMBER + "}"),
        ("/api/v1/auth/token", '{"login": "a@b.c", "password": "x", "n": [' + HUGE_NUMBER + "]}"),
        ("/api/v1/auth/token", HUGE_NUMBER),
        ("/api/v1/auth/token", b'{"login": "\xff\xfe", "password": "x"}'),
        ("/api/v1/auth/token", "[" * 100_000),
    ],
    ids=["number", "number-register", "nested-number", "bare-number", "bad-utf-8", "deep"],
)
def test_a_body_that_does_not_parse_is_400_malformed_json(client, path, body):
    response = client.post(path, data=body, content_type="application/json")
    assert_envelope(response, 400, "malformed_json")


def test_a_signed_in_endpoint_refuses_the_huge_number_the_same_way(client, auth):
    _, headers = auth.user("artisan")
    response = client.post(
        "/api/v1/shops",
        data='{"name": "Hợp tác xã", "commune": "Vân Hồ", "shipping_fee": ' + HUGE_NUMBER + "}",
        content_type="application/json",
        headers=headers,
    )
    assert_envelope(response, 400, "malformed_json")


def test_numbers_within_the_limit_still_reach_validation(client):
    body = {"login": "a@b.c", "password": int("9" * 4300)}
    response = client.post(
        "/api/v1/auth/token", data=json.dumps(body), content_type="application/json"
    )
    assert_envelope(response, 422, "validation_error")


LIMIT = 4096


def _post_chunked(base_url: str, path: str, body: bytes, headers=None):
    """POST ``body`` with Transfer-Encoding: chunked and no Content-Length, in 1 KB chunks."""
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    headers = {"Content-Type": "application/json", **(headers or {})}
    try:
        chunks = (body[i : i + 1024] for i in range(0, len(body), 1024))
        connection.request("POST", path, body=chunks, headers=headers, encode_chunked=True)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def _padded(body: dict, size: int) -> bytes:
    """``body`` as JSON followed by spaces up to exactly ``size`` bytes."""
    raw = json.dumps(body).encode()
    return raw + b" " * (size - len(raw))


def _envelope(status, content_type, raw) -> tuple[int, str]:
    assert content_type == "application/json", (status, raw[:200])
    return status, json.loads(raw)["error"]["code"]


@pytest.mark.live
@pytest.mark.parametrize("over", [1, 3000, 200_000])
def test_a_chunked_body_over_the_limit_is_413(app_config, live_server, over):
    app_config(MAX_CONTENT_LENGTH=LIMIT)
    body = _padded({"login": "a@b.c", "password": "wrong password"}, LIMIT + over)
    answer = _post_chunked(live_server, "/api/v1/auth/token", body)
    assert _envelope(*answer) == (413, "payload_too_large")


@pytest.mark.live
def test_a_chunked_body_up_to_the_limit_is_read_whole(app_config, live_server):
    app_config(MAX_CONTENT_LENGTH=LIMIT)
    for size in (LIMIT - 1, LIMIT):
        body = _padded({"login": "a@b.c", "password": "wrong password"}, size)
        answer = _post_chunked(live_server, "/api/v1/auth/token", body)
        assert _envelope(*answer) == (401, "invalid_credentials")


@pytest.mark.live
def test_a_chunked_upload_over_the_limit_is_413(app_config, live_server):
    app_config(MAX_CONTENT_LENGTH=LIMIT)
    headers = {
        **headers_for(make_user()),
        "Content-Type": "multipart/form-data; boundary=chophien",
    }
    body = (
        b"--chophien\r\n"
        b'Content-Disposition: form-data; name="file"; filename="a.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + b"\x89PNG" + b"x" * LIMIT + b"\r\n--chophien--\r\n"
    )
    answer = _post_chunked(live_server, "/api/v1/media", body, headers)
    assert _envelope(*answer) == (413, "payload_too_large")


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
@pytest.mark.parametrize(
    "payload", [HUGE_NUMBER, '{"id": ' + HUGE_NUMBER + "}", "[" * 100_000, "\xff"]
)
def test_a_signed_webhook_body_that_does_not_parse_is_400(
    client, app_config, content_type, payload
):
    # The signature vouches for the bytes, not for their being an event we can read.
    from tests.orders.payments.conftest import WEBHOOK_SECRET, sign

    app_config(STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    raw = payload.encode("latin-1")
    response = client.post(
        "/api/v1/payments/stripe/webhook",
        data=raw,
        headers={"Content-Type": content_type, "Stripe-Signature": sign(raw)},
    )
    assert_envelope(response, 400)
