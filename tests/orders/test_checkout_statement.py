"""A single-line checkout on PostgreSQL is one statement that psycopg converts only once.

psycopg keeps a statement's conversion (its ``%(name)s`` placeholders to ``$n``) in a cache
only while the statement has at most ``MAX_CACHED_STATEMENT_PARAMS`` parameters and
``MAX_CACHED_STATEMENT_LENGTH`` bytes; past either, every checkout of a flash sale parses it
again with regular expressions. A column added to the orders must not push it over quietly.
"""

from __future__ import annotations

import pytest
from psycopg import _queries
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg

from marketplace.services.orders import lifecycle


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
