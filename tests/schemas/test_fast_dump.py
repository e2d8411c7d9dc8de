"""The dump compiled from a schema's fields is marshmallow's own dump, or refuses to compile."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from marshmallow import Schema, fields, post_dump

from marketplace.schemas.common import Timestamp
from marketplace.schemas.fast_dump import FastDumpSchema, compile_dump


class Part(Schema):
    code = fields.String()
    made_on = fields.Date(allow_none=True)


class Whole(FastDumpSchema):
    id = fields.String()
    count = fields.Integer(allow_none=True)
    ready = fields.Boolean()
    extra = fields.Raw()
    renamed = fields.String(data_key="from", attribute="source")
    deep = fields.String(attribute="inner.name")
    at = Timestamp()
    options = fields.Dict(keys=fields.String(), values=fields.String())
    loose = fields.Dict(allow_none=True)
    tags = fields.List(fields.String())
    part = fields.Nested(Part, allow_none=True)
    parts = fields.List(fields.Nested(Part))
    many_parts = fields.Nested(Part, many=True)
    shouted = fields.Method("get_shouted")
    length = fields.Function(lambda obj: len(obj.id))

    def get_shouted(self, obj) -> str:
        return obj.id.upper()


def whole(**changes) -> SimpleNamespace:
    part = SimpleNamespace(code="A1", made_on=date(2026, 3, 1))
    values = {
        "id": "abc",
        "count": 3,
        "ready": True,
        "extra": [1, {"x": 2}],
        "source": "there",
        "inner": SimpleNamespace(name="inside"),
        "at": datetime(2026, 11, 29, 1, 30, tzinfo=UTC),
        "options": {"màu": "chàm"},
        "loose": {"a": 1},
        "tags": ["tea", "honey"],
        "part": part,
        "parts": [part, SimpleNamespace(code="A2", made_on=None)],
        "many_parts": [part],
    }
    return SimpleNamespace(**(values | changes))


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"count": None, "part": None, "loose": None, "tags": [], "parts": []},
        {"parts": [None], "tags": None, "many_parts": None, "options": {}},
    ],
)
def test_the_compiled_dump_is_marshmallows(changes):
    schema, obj = Whole(), whole(**changes)
    assert schema.dump(obj) == schema.marshmallow_dump(obj)
    assert list(schema.dump(obj)) == list(schema.marshmallow_dump(obj))  # same key order


def test_many_and_none_are_dumped_as_marshmallow_does():
    objects = [whole(), whole(id="xyz")]
    assert Whole(many=True).dump(objects) == Whole(many=True).marshmallow_dump(objects)
    assert Whole().dump(objects, many=True) == Whole().marshmallow_dump(objects, many=True)
    # A dumped dict is a copy: changing it leaves the object alone.
    obj = whole()
    Whole().dump(obj)["options"]["màu"] = "đỏ"
    assert obj.options == {"màu": "chàm"}


def test_only_and_exclude_are_honoured():
    obj = whole()
    assert Whole(only=("id", "part")).dump(obj) == {"id": "abc", "part": Part().dump(obj.part)}
    assert "at" not in Whole(exclude=("at",)).dump(obj)


class WithHook(Schema):
    id = fields.String()

    @post_dump
    def shout(self, data, **kwargs):
        return data


@pytest.mark.parametrize(
    "schema",
    [
        Schema.from_dict({"price": fields.Float()})(),
        Schema.from_dict({"id": fields.UUID()})(),
        Schema.from_dict({"count": fields.Integer(as_string=True)})(),
        Schema.from_dict({"at": fields.DateTime(format="%d/%m/%Y")})(),
        Schema.from_dict({"code": fields.Pluck(Part, "code")})(),
        Schema.from_dict({"id": fields.String(dump_default="x")})(),
        Schema.from_dict({"id": fields.String(attribute="items[0]")})(),
        Schema.from_dict({"loose": fields.Dict(values=fields.Date())})(),
        WithHook(),
    ],
)
def test_what_cannot_be_compiled_is_refused_not_dumped_differently(schema):
    with pytest.raises(TypeError):
        compile_dump(schema)
