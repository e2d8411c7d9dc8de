"""Keyset pagination: opaque, signed cursors and the ``{"items", "next_cursor"}`` envelope.

A cursor holds the sort-key values of the last row of a page, signed with the app's
secret and bound to one list and sort, so a forged or foreign cursor is a 400.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from marketplace.errors import BadRequest
from marketplace.messages import N_

DEFAULT_LIMIT = 24
MAX_LIMIT = 100


@dataclass(frozen=True)
class SortKey:
    """One column of a keyset ordering; the last key must make the ordering unique."""

    column: Any
    descending: bool = False


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="list-cursor")


def _encode_value(value):
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    return value


def _decode_value(value):
    if isinstance(value, dict) and set(value) == {"dt"}:
        return datetime.fromisoformat(value["dt"])
    return value


def encode_cursor(scope: str, values: list) -> str:
    return _serializer().dumps({"s": scope, "v": [_encode_value(v) for v in values]})


def decode_cursor(scope: str, token: str, size: int) -> list:
    """The key values a cursor holds; 400 ``invalid_cursor`` for anything we did not issue."""
    try:
        payload = _serializer().loads(token)
        if payload.get("s") != scope or len(payload.get("v", [])) != size:
            raise ValueError("cursor of another list")
        return [_decode_value(v) for v in payload["v"]]
    except (BadSignature, ValueError, TypeError, AttributeError, KeyError) as exc:
        raise invalid_cursor() from exc


def invalid_cursor() -> BadRequest:
    """The 400 for a cursor we did not issue for this list."""
    return BadRequest(N_("The cursor is not valid for this list."), code="invalid_cursor")


def is_cursor_of(scope: str, token: str) -> bool:
    """Whether ``token`` is a valid cursor we issued for the list ``scope``."""
    try:
        return _serializer().loads(token).get("s") == scope
    except (BadSignature, ValueError, TypeError, AttributeError):
        return False


def after_keys(keys: list[SortKey], values: list) -> sa.ColumnElement[bool]:
    """Rows strictly after ``values`` in the ordering ``keys`` (mixed directions allowed)."""
    clauses = []
    for index, key in enumerate(keys):
        equal_so_far = [keys[i].column == values[i] for i in range(index)]
        beyond = key.column < values[index] if key.descending else key.column > values[index]
        clauses.append(sa.and_(*equal_so_far, beyond))
    return sa.or_(*clauses)


def order_by_keys(keys: list[SortKey]) -> list:
    return [key.column.desc() if key.descending else key.column.asc() for key in keys]


def keyset_page(
    session,
    stmt: sa.Select,
    keys: list[SortKey],
    *,
    scope: str,
    limit: int,
    cursor: str | None,
    key_values,
    scalars: bool = True,
) -> tuple[list, str | None]:
    """Run one page of ``stmt`` after ``cursor``; returns the rows and the next cursor.

    ``key_values(row)`` gives the sort-key values of a row, in the order of ``keys``.
    """
    result = session.execute(keyset_window(stmt, keys, scope=scope, limit=limit, cursor=cursor))
    rows = list(result.scalars() if scalars else result)
    return page_and_cursor(rows, scope=scope, limit=limit, key_values=key_values)


def keyset_window(
    stmt: sa.Select, keys: list[SortKey], *, scope: str, limit: int, cursor: str | None
) -> sa.Select:
    """``stmt`` cut to one page after ``cursor``, in the order of ``keys``, with one row more
    than ``limit`` to tell whether another page follows; for a caller that nests it (a page
    chosen in a subquery, then joined to what it shows)."""
    values = decode_cursor(scope, cursor, len(keys)) if cursor else None
    return window_after(stmt, keys, values, rows=limit + 1)


def window_after(
    stmt: sa.Select, keys: list[SortKey], values: list | None, *, rows: int
) -> sa.Select:
    """``stmt``'s first ``rows`` rows after the key ``values`` (from the start for None), in
    the order of ``keys``: a window of a list whose cursor the caller has decoded itself.

    Beside the keyset condition goes its first key's bound (``created_at <= :last``, or
    ``>=`` ascending): implied by it, but unlike its OR form an index range, so that page 500
    starts where page 499 ended instead of reading the list from its start."""
    if values is not None:
        first = keys[0]
        bound = first.column <= values[0] if first.descending else first.column >= values[0]
        stmt = stmt.where(bound, after_keys(keys, values))
    return stmt.order_by(*order_by_keys(keys)).limit(_written(rows))


def _written(number: int) -> sa.ColumnElement[int]:
    """A LIMIT written into the SQL rather than bound. PostgreSQL costs a prepared statement's
    generic plan as if ``LIMIT $1`` kept a tenth of the rows, finds it dearer than the plans
    made for each execution, and so plans every execution anew: a third of a filtered list's
    time in the database. Written, the generic plan is the one a page needs, made once (there
    are at most MAX_LIMIT + 1 such statements per list). Not database.written: the schemas
    import this module, and the database module imports them through the extensions."""
    return sa.literal_column(str(int(number)), sa.Integer)


def page_and_cursor(rows: list, *, scope: str, limit: int, key_values) -> tuple[list, str | None]:
    """The rows of a ``keyset_window`` as a page, and the cursor of the next one (or None)."""
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(scope, list(key_values(rows[-1])))
    return rows, next_cursor


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list, as the page schemas dump it: ``{"items", "next_cursor"}``."""

    items: list
    next_cursor: str | None


def page_body(items: list, next_cursor: str | None) -> Page:
    return Page(items, next_cursor)
