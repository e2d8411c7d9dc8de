"""``read_only`` views: on PostgreSQL their queries run outside a transaction, and the pooled
connection is transactional again for whatever request comes next."""

from __future__ import annotations

import time

import pytest
import requests
import sqlalchemy as sa

from marketplace.database import read_only
from marketplace.extensions import db
from tests.factories import make_product

# The app's own session on its engine, as in production: not the test's shared connection.
pytestmark = pytest.mark.live


def _transaction_starts(count: int = 2) -> list:
    """``now()`` is when the transaction began: equal readings mean one transaction."""
    readings = []
    for _ in range(count):
        readings.append(db.session.execute(sa.text("SELECT now()")).scalar())
        time.sleep(0.01)
    return readings


@pytest.fixture
def postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("autocommit reads are a PostgreSQL setting; elsewhere read_only does nothing")


def test_a_read_only_view_reads_outside_a_transaction(app, postgresql_only):
    @read_only
    def view():
        return _transaction_starts()

    with app.test_request_context("/api/v1/products"):
        first, second = view()
        db.session.remove()
    assert first != second


def test_the_next_request_has_its_transaction_back(app, postgresql_only):
    with app.test_request_context("/api/v1/products"):
        read_only(_transaction_starts)()
        db.session.remove()
    # Every connection the pool hands out again, not only the one that was read from.
    for _ in range(3):
        with app.test_request_context("/api/v1/checkouts", method="POST"):
            first, second = _transaction_starts()
            db.session.remove()
        assert first == second


def test_a_read_only_view_joins_a_transaction_already_open(app, postgresql_only):
    @read_only
    def view():
        return _transaction_starts()

    with app.test_request_context("/api/v1/products"):
        db.session.execute(sa.text("SELECT 1"))
        first, second = view()
        db.session.remove()
    assert first == second


def test_product_lists_and_pages_answer_through_a_real_server(live_server):
    product_id = make_product(title="Khăn piêu đỏ").id
    db.session.remove()  # SQLite: our open transaction would hold the server's BEGIN IMMEDIATE
    for path in (
        "/api/v1/products",
        "/api/v1/products?q=khan%20pieu",
        f"/api/v1/products/{product_id}",
    ):
        for _ in range(6):  # past psycopg's prepare threshold (5): prepared statements reused
            with requests.get(live_server + path, timeout=30) as response:
                assert response.status_code == 200, response.text
    with requests.get(live_server + "/api/v1/products?q=khan%20pieu", timeout=30) as response:
        assert [item["id"] for item in response.json()["items"]] == [product_id]
