"""Answers encoded by orjson are the very text Flask's own encoder wrote (web/json_provider)."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import uuid

import pytest
from flask.json.provider import DefaultJSONProvider

from marketplace.messages import Msg
from marketplace.web.json_provider import FastJSONProvider


@dataclasses.dataclass
class Point:
    x: int
    y: str


VALUES = [
    {"title": "Khăn thổ cẩm Mông", "price": 350000, "tags": ["chàm", None, True, 2.5]},
    {"nested": {"deep": [{"a": 1}, []], "empty": {}}},
    {"when": datetime.datetime(2026, 12, 7, 8, 0, tzinfo=datetime.UTC)},
    {"day": datetime.date(2026, 12, 7)},
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    {"amount": decimal.Decimal("1.50")},
    {"point": Point(1, "Vân Hồ")},
    {"message": Msg("Some items are out of stock.")},
    {1: "a key that is not a string", "big": 2**70},
    ["a list", 0.1 + 0.2, -0.0],
    "a string alone",
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_answers_are_the_text_flasks_encoder_writes(app, value):
    with app.test_request_context():
        assert isinstance(app.json, FastJSONProvider)
        flask_own = DefaultJSONProvider(app)
        flask_own.ensure_ascii, flask_own.sort_keys = False, False
        assert app.json.response(value).get_data() == flask_own.response(value).get_data()
        assert app.json.dumps(value) == flask_own.dumps(value, separators=(",", ":"))


def test_vietnamese_is_sent_as_utf8_not_escapes(client):
    body = client.get("/api/v1/categories", headers={"Accept-Language": "vi"}).get_data()
    assert b"\\u" not in body
    assert "Thổ cẩm".encode() in body or "Mật ong".encode() in body
