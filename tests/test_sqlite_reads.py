"""SQLite: writers queue for the write lock, readers do not wait for it."""

from __future__ import annotations

import threading

import pytest
import requests
import sqlalchemy as sa

from marketplace.database import _sqlite_begin
from marketplace.extensions import db
from tests.factories import make_product


@pytest.mark.parametrize(
    ("method", "begin"),
    [
        ("GET", "BEGIN"),
        ("HEAD", "BEGIN"),
        ("POST", "BEGIN IMMEDIATE"),
        ("PATCH", "BEGIN IMMEDIATE"),
        ("DELETE", "BEGIN IMMEDIATE"),
    ],
)
def test_only_requests_that_may_write_take_the_write_lock(app, method, begin):
    with app.test_request_context("/api/v1/products", method=method):
        assert _sqlite_begin() == begin


def test_commands_outside_a_request_take_the_write_lock(app):
    with app.app_context():
        assert _sqlite_begin() == "BEGIN IMMEDIATE"


@pytest.mark.live
def test_a_list_answers_while_a_writer_holds_the_lock(app, live_server):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's; PostgreSQL readers never wait for writers")
    make_product(title="Khăn piêu đỏ")
    db.session.remove()
    statuses: list[int] = []

    def read() -> None:
        with requests.get(f"{live_server}/api/v1/products", timeout=60) as response:
            statuses.append(response.status_code)

    with db.engine.connect() as writer:
        writer.execute(sa.text("UPDATE product_variants SET stock = stock"))  # BEGIN IMMEDIATE
        reader = threading.Thread(target=read)
        reader.start()
        reader.join(timeout=20)
        answered_while_locked = not reader.is_alive()
        writer.rollback()
    reader.join()
    assert answered_while_locked, "the GET waited for the writer's transaction to end"
    assert statuses == [200]
