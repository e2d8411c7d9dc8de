"""SQLite: writers queue for the write lock, readers do not wait for it."""

from __future__ import annotations

import threading

import pytest
import requests
import sqlalchemy as sa
from flask import g

from marketplace.database import _sqlite_begin
from marketplace.extensions import db
from tests.factories import make_product
from tests.factories.orders import checkout_body, line


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


def test_a_read_only_view_takes_no_write_lock_whatever_its_method(app):
    with app.test_request_context("/api/v1/checkouts/quote", method="POST"):
        g.read_only = True
        assert _sqlite_begin() == "BEGIN"


def test_commands_outside_a_request_take_the_write_lock(app):
    with app.app_context():
        assert _sqlite_begin() == "BEGIN IMMEDIATE"


@pytest.mark.live
@pytest.mark.parametrize("call", ["a product list", "a quote"])
def test_a_read_answers_while_a_writer_holds_the_lock(app, live_server, call):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's; PostgreSQL readers never wait for writers")
    product = make_product(title="Khăn piêu đỏ")
    body = checkout_body(line(product))
    del body["payment_method"]
    db.session.remove()
    statuses: list[int] = []

    def read() -> None:
        if call == "a quote":
            answer = requests.post(f"{live_server}/api/v1/checkouts/quote", json=body, timeout=60)
        else:
            answer = requests.get(f"{live_server}/api/v1/products", timeout=60)
        with answer as response:
            statuses.append(response.status_code)

    with db.engine.connect() as writer:
        writer.execute(sa.text("UPDATE product_variants SET stock = stock"))  # BEGIN IMMEDIATE
        reader = threading.Thread(target=read)
        reader.start()
        reader.join(timeout=20)
        answered_while_locked = not reader.is_alive()
        writer.rollback()
    reader.join()
    assert answered_while_locked, f"{call} waited for the writer's transaction to end"
    assert statuses == [200]
