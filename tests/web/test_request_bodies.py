"""Bodies as a careless or hostile client sends them: any body that does not parse is 400
``malformed_json``, a body over the size limit is 413 however it is framed."""

from __future__ import annotations

import json

import pytest

from tests.web.test_conventions import assert_envelope

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
