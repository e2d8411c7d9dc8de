"""A single-line checkout on PostgreSQL is one statement that psycopg converts only once.

Its checkout, order, line and the artisan's notification are written, and its stock taken, by
the line's guarded UPDATE WITH the INSERTs; a short line writes nothing that stays.

psycopg keeps a statement's conversion (its ``%(name)s`` placeholders to ``$n``) in a cache
only while the statement has at most ``MAX_CACHED_STATEMENT_PARAMS`` parameters and
``MAX_CACHED_STATEMENT_LENGTH`` bytes; past either, every checkout of a flash sale parses it
again with regular expressions. A column added to the orders must not push it over quietly.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from psycopg import _queries
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg

from marketplace.extensions import db
from marketplace.models import Checkout, Notification, Order, OrderLine
from marketplace.services.orders import lifecycle
from tests.factories import make_product
from tests.factories.envelopes import assert_envelope
from tests.factories.orders import line, post_checkout, stock_of


@pytest.mark.parametrize("notified", [False, True], ids=["no notice", "a notice"])
def test_the_single_line_checkout_statement_stays_in_psycopgs_cache(notified):
    statement = lifecycle._single_line_checkout(notified=notified)
    compiled = statement.compile(dialect=postgresql_psycopg.dialect())

    assert len(compiled.params) <= _queries.MAX_CACHED_STATEMENT_PARAMS
    assert len(str(compiled).encode()) <= _queries.MAX_CACHED_STATEMENT_LENGTH
    # Every table a checkout writes is in it, the stock UPDATE last of all.
    sql = str(compiled)
    for table in ("checkouts", "orders", "order_lines"):
        assert f"INSERT INTO {table} " in sql
    assert ("INSERT INTO notifications " in sql) is notified
    assert sql.strip().splitlines()[-1].strip().startswith("UPDATE product_variants SET stock=")


def test_a_single_line_checkout_writes_everything_in_one_statement(client, auth, count_queries):
    _, headers = auth.user()
    product = make_product(stock=3)
    with count_queries() as counted:
        response = post_checkout(client, headers, line(product, 2))
    assert response.status_code == 201, response.get_json()
    writes = [
        s for s in counted.statements if s.lstrip().upper().startswith(("INSERT", "WITH", "UPDATE"))
    ]
    if db.engine.dialect.name == "postgresql":
        [write] = writes
        for table in ("checkouts", "orders", "order_lines", "notifications"):
            assert f"INSERT INTO {table} " in write
        assert "UPDATE product_variants" in write
    else:  # three INSERTs, the notification's, the stock's UPDATE
        assert len(writes) == 5
    assert stock_of(product) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1


def test_a_short_single_line_checkout_leaves_nothing_behind(client, auth):
    _, headers = auth.user()
    product = make_product(stock=1)
    response = post_checkout(client, headers, line(product, 2))
    error = assert_envelope(response, 409, "out_of_stock")
    assert error["details"]["items"] == [
        {
            "index": 0,
            "product_id": product.id,
            "variant_id": product.variants[0].id,
            "requested": 2,
            "available": 1,
        }
    ]
    assert stock_of(product) == 1
    for model in (Checkout, Order, OrderLine, Notification):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
