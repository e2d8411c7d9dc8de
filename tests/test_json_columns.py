"""JSON columns are decoded by orjson (database.read_json), with the json module for what
orjson refuses, on both databases."""

from __future__ import annotations

import json
import math
import uuid

import sqlalchemy as sa

from marketplace.database import read_json
from marketplace.extensions import db

VALUE = {"màu": "chàm", "sizes": [1, 2.5, None, True], "nested": {"a": [], "b": "Vân Hồ"}}


def test_a_json_column_reads_back_what_was_written(app):
    probe = sa.Table(
        f"json_probe_{uuid.uuid4().hex[:8]}",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("value", sa.JSON),
    )
    with app.app_context():
        assert db.engine.dialect._json_deserializer is read_json
        conn = db.session.connection()
        probe.create(conn)
        conn.execute(probe.insert(), [{"id": 1, "value": VALUE}])
        assert conn.execute(sa.select(probe.c.value)).scalar_one() == VALUE
        probe.drop(conn)
        db.session.rollback()


def test_what_orjson_refuses_the_json_module_reads():
    assert math.isnan(read_json("NaN"))
    assert read_json(b'{"amount": Infinity}') == {"amount": math.inf}
    assert read_json(json.dumps(VALUE).encode()) == VALUE
