"""Stock: taken with one guarded statement per variant, never read-then-written in Python.

``UPDATE … SET stock = stock - :q WHERE id = :id AND stock >= :q`` changes one row or none, so
however many buyers race for the last unit, stock never goes below zero (on PostgreSQL the row
lock serialises the racers; on SQLite transactions begin with BEGIN IMMEDIATE). These functions
only flush: the caller owns the transaction and rolls it back when they raise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

import marketplace.metrics as metrics
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.messages import N_
from marketplace.models import ProductVariant

_variants = ProductVariant.__table__


def guarded_take(variant: sa.ColumnElement, units: sa.ColumnElement) -> sa.Update:
    """``UPDATE … SET stock = stock - units WHERE id = variant AND stock >= units``: one row
    changes or none."""
    return (
        sa.update(_variants)
        .where(_variants.c.id == variant, _variants.c.stock >= units)
        .values(stock=_variants.c.stock - units)
    )


# Built once: the hottest statement of a flash sale (a single-line checkout on PostgreSQL runs
# guarded_take bound to its line instead, WITH its INSERTs: orders/lifecycle.write_checkout).
_TAKE = guarded_take(sa.bindparam("variant"), sa.bindparam("units"))
_GIVE_BACK = (
    sa.update(_variants)
    .where(_variants.c.id == sa.bindparam("variant"))
    .values(stock=_variants.c.stock + sa.bindparam("units"))
)


@dataclass(frozen=True)
class StockRequest:
    """``quantity`` units of ``variant_id``; ``index`` is the line's place in the caller's
    request, named in the 409 so the client knows which line fell short."""

    variant_id: str
    quantity: int
    index: int | None = None
    product_id: str | None = None


class OutOfStock(Conflict):
    code, message = "out_of_stock", N_("Some items are out of stock.")


def _totals(requests: Iterable[StockRequest]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for request in requests:
        totals[request.variant_id] += request.quantity
    return totals


def take_stock(requests: Sequence[StockRequest]) -> None:
    """Take every requested quantity, or raise OutOfStock naming the short lines.

    Lines of the same variant are added up. Variants are decremented in id order so that two
    checkouts sharing variants lock their rows in the same order and cannot deadlock. When it
    raises, some rows may already be decremented: the caller must roll back.
    """
    totals = _totals(requests)
    short = [
        variant_id
        for variant_id in sorted(totals)
        if db.session.execute(_TAKE, {"variant": variant_id, "units": totals[variant_id]}).rowcount
        != 1
    ]
    if short:
        refuse(requests, short)


def refuse(requests: Sequence[StockRequest], short: list[str]) -> None:
    """Raise OutOfStock for ``requests`` once the guarded UPDATE of the ``short`` variants
    changed no row (counted in the metrics)."""
    metrics.stock_conflict()
    # Read only to tell the buyer what is left; the decision was made by the guard.
    raise _out_of_stock(requests, short, _available(short))


def check_stock(requests: Sequence[StockRequest]) -> None:
    """Raise OutOfStock as ``take_stock`` would at this moment, taking nothing (a quote)."""
    totals = _totals(requests)
    available = _available(totals)
    short = [
        variant_id for variant_id in sorted(totals) if available[variant_id] < totals[variant_id]
    ]
    if short:
        raise _out_of_stock(requests, short, available)


def _available(variant_ids: Iterable[str]) -> dict[str, int]:
    """The stock of each variant (0 for one that does not exist)."""
    ids = list(variant_ids)
    available = dict.fromkeys(ids, 0)
    available.update(
        db.session.execute(
            sa.select(_variants.c.id, _variants.c.stock).where(_variants.c.id.in_(ids))
        ).all()
    )
    return available


def _out_of_stock(
    requests: Sequence[StockRequest], short: list[str], available: dict[str, int]
) -> OutOfStock:
    return OutOfStock(
        details={
            "items": [
                {
                    "index": request.index,
                    "product_id": request.product_id,
                    "variant_id": request.variant_id,
                    "requested": request.quantity,
                    "available": available.get(request.variant_id, 0),
                }
                for request in requests
                if request.variant_id in short
            ]
        }
    )


def return_stock(requests: Iterable[StockRequest]) -> None:
    """Put the quantities back (a cancelled or returned order, a failed card checkout)."""
    totals = _totals(requests)
    for variant_id in sorted(totals):
        db.session.execute(_GIVE_BACK, {"variant": variant_id, "units": totals[variant_id]})
