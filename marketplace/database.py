"""Engine set-up per database: SQLite made safe for concurrent writers with its readers left
free, PostgreSQL pinged after idling and bounded in time; ``read_only`` views that run their
queries outside a transaction."""

from __future__ import annotations

import contextlib
import functools
import json
import time
from collections.abc import Iterator, Mapping

import orjson
import psycopg
import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from sqlalchemy import event

from marketplace.extensions import db

# How long a SQLite writer waits for the lock when DATABASE_STATEMENT_TIMEOUT is 0 (off).
SQLITE_BUSY_TIMEOUT_MS = 30_000
# A pooled connection used less than this long ago is taken as alive without a ping (HikariCP's
# "alive bypass window" is half a second): under load no request pays the ping's round trip,
# while one idle long enough for a restart, a proxy or a failover to have dropped it is checked.
PING_AFTER_IDLE_SECONDS = 1.0
# HTTP's safe methods: they read and never write (RFC 9110, 9.2.1).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _configure_sqlite(engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        # Let SQLAlchemy, not the driver, decide when transactions begin (see on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql(_sqlite_begin())


def _sqlite_begin() -> str:
    """How a SQLite transaction starts: writers take the write lock up front, readers don't.

    IMMEDIATE makes a read-then-write transaction wait its turn instead of failing with
    "database is locked"; a GET never writes and, under WAL, needs no lock at all. A view marked
    ``read_only`` never writes either, whatever its method (a checkout's quote is a POST).
    """
    if has_request_context() and (request.method in SAFE_METHODS or g.get("read_only")):
        return "BEGIN"
    return "BEGIN IMMEDIATE"


def configure_engines(app: Flask) -> None:
    # A writer waits for SQLite's lock as long as a statement may take (then 503 database_busy).
    busy_timeout_ms = app.config["DATABASE_STATEMENT_TIMEOUT"] * 1000 or SQLITE_BUSY_TIMEOUT_MS
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                _configure_sqlite(engine, busy_timeout_ms)
            else:
                ping_after_idle(engine)


def ping_after_idle(engine: sa.Engine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Check a pooled connection with a ping when it comes out of the pool after
    ``idle_seconds`` or more; a dead one is replaced before the request sees it.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout: a round trip on every request (3 %
    of a list page's time, a tenth of a checkout's under a flash sale's load). A connection
    dropped in the second after its last use still fails its next statement, as one dropped
    just after a ping would: that request answers 503 and the pool drops every connection as
    old (SQLAlchemy's disconnect handling).
    """

    @event.listens_for(engine, "checkin")
    def note_return(dbapi_connection, record):
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, proxy):
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < idle_seconds:
            return  # new, or back in the pool a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_connection, None):
                # The pool discards this connection and checks out another (a new one).
                raise sa.exc.DisconnectionError() from exc
            raise


def end_request_transaction(response):
    """After the view: what the request left uncommitted is rolled back now, not at teardown.

    Flask-Limiter counts failed sign-ins after the view, on a connection of its own (see
    web/rate_limit_storage.py). On SQLite the request's transaction (a POST begins IMMEDIATE)
    would still hold the write lock that connection waits for, for the whole busy timeout.
    Registered after the limiter, so that it runs before the limiter's own after-request.
    """
    if db.session.registry.has():
        session = db.session()
        if g.get("read_only"):
            # Nothing to undo: closing hands the connection back without expiring every
            # object the view loaded one attribute at a time (a rollback's cost on a page).
            session.close()
        elif session.in_transaction():
            session.rollback()
    return response


TYPO_SIMILARITY = 0.5


def written(value, type_=None) -> sa.BindParameter:
    """``value`` (or, for a list, each of its values) written into the SQL at execution instead
    of bound; SQLAlchemy escapes it. For the values a good plan depends on: PostgreSQL plans a
    prepared statement's parameters blind, once for all (a generic plan), or, when that plan
    looks dearer than one made for the values at hand, anew at every execution. Written, each
    value makes a statement of its own, which psycopg prepares once it recurs and PostgreSQL
    plans knowing it, once."""
    many = isinstance(value, (list, tuple))
    return sa.bindparam(
        None, list(value) if many else value, type_, expanding=many, literal_execute=True
    )


class OverBudget(Exception):
    """A statement ran past its statement_budget and was cancelled."""


@contextlib.contextmanager
def statement_budget(milliseconds: int | None, settings: Mapping[str, str] = {}) -> Iterator[None]:
    """Each PostgreSQL statement of the session inside may run ``milliseconds`` at most, with
    the other ``settings`` (PostgreSQL's names, set by code, never from input); one that runs
    longer is cancelled and OverBudget raised, leaving the session's transaction as it was
    before: for work worth doing only when it is cheap (search's typo tolerance), or a plan
    worth dropping for another when it proves slow (search._searched_page). Elsewhere (SQLite)
    the statements run unbounded. With None, the connection's own timeout stands and only the
    settings change.

    A view's transaction survives through a savepoint; a ``read_only`` view, outside any,
    needs none. The settings go back to the connection's own (RESET) on the way out.
    """
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        yield
        return
    values = dict(settings)
    if milliseconds is not None:
        values["statement_timeout"] = str(int(milliseconds))
    if not values:
        yield
        return
    in_transaction = not connection.connection.dbapi_connection.autocommit
    put_back = "; ".join(
        [f"RESET {name}" for name in values]
        + (["RELEASE SAVEPOINT statement_budget"] if in_transaction else [])
    )
    if in_transaction:
        connection.exec_driver_sql("SAVEPOINT statement_budget")
    connection.exec_driver_sql(
        "SELECT " + ", ".join(["set_config(%s, %s, false)"] * len(values)),
        tuple(item for pair in values.items() for item in pair),
    )
    try:
        yield
    except BaseException as exc:
        if (
            milliseconds is not None
            and isinstance(exc, sa.exc.OperationalError)
            and isinstance(exc.orig, psycopg.errors.QueryCanceled)
        ):
            if in_transaction:
                # Undoes the settings too: a SET dies with the (sub)transaction it was made in.
                connection.exec_driver_sql("ROLLBACK TO SAVEPOINT statement_budget")
            connection.exec_driver_sql(put_back)
            raise OverBudget from exc
        # Any other failure: the transaction's rollback takes the settings away; outside
        # one, they would stay on the pooled connection.
        if not in_transaction:
            with contextlib.suppress(sa.exc.DBAPIError):
                connection.exec_driver_sql(put_back)
        raise
    connection.exec_driver_sql(put_back)


def read_json(text: str | bytes):
    """JSON columns as the driver hands them over, decoded by orjson: a page of products reads
    some forty (variant options, picture sizes), and the json module took 6 % of its time.
    What orjson refuses (NaN, Infinity) the json module still reads; an integer beyond 64 bits
    would come back a float (no column of ours holds one: money is in integer columns)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def engine_options(uri: str, *, connect_timeout: int = 5, statement_timeout: int = 10) -> dict:
    """Pool and driver options: on PostgreSQL a connection attempt, a wait for a pooled
    connection and a statement each end with an error after their timeout (seconds; a
    statement timeout of 0 is none), which the error handlers answer with a 503."""
    url = sa.engine.make_url(uri)
    if url.get_backend_name() == "sqlite":
        in_memory = url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"
        # An in-memory database has one connection per thread and no pool to wait on.
        options = {"json_deserializer": read_json}
        return options if in_memory else {**options, "pool_timeout": connect_timeout}
    # No pool_pre_ping: configure_engines pings connections that sat idle (ping_after_idle).
    options: dict = {"pool_timeout": connect_timeout, "json_deserializer": read_json}
    if url.get_backend_name() == "postgresql":
        options["connect_args"] = {
            # libpq's own: covers the TCP connection and the start-up exchange (at least 2 s).
            "connect_timeout": connect_timeout,
            "options": (
                f"-c statement_timeout={int(statement_timeout * 1000)} "
                # Search's typo tolerance (catalog/matching.py, `<%`): 0.5 lets words run
                # together match ('thocam' ~ 'tho cam' is 0.5; pg_trgm's default is 0.6).
                f"-c pg_trgm.word_similarity_threshold={TYPO_SIMILARITY}"
            ),
        }
    return options


def read_only(view):
    """Run the view's queries in autocommit on PostgreSQL: for views that never write.

    Outside a transaction psycopg keeps its prepared statements (every ROLLBACK drops them) and
    spares two round trips; under READ COMMITTED the answer is the same. A view marked so must
    not write, since each write would commit on its own. On SQLite its
    transactions begin without taking the write lock.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.read_only = True
        session = db.session()
        bind = session.get_bind()
        # Only a session of its own on an engine: not one joined to a caller's connection
        # (tests), nor one already in a transaction.
        if (
            isinstance(bind, sa.Engine)
            and bind.dialect.name == "postgresql"
            and not session.in_transaction()
        ):
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return view(*args, **kwargs)

    return wrapper
