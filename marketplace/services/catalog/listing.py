"""Products as the lists show them: read-only snapshots from one Core query, not ORM entities.

A page of a list, a search or a category holds 24 products, each with its shop and current OCOP
certificate, and shows them once; nothing is changed or reloaded. Built as entities, their
identity map, instance state and attribute instrumentation cost more than the query that
read them (a third of a list's time in Python). Here each row becomes three plain objects whose
attributes are named as the models' columns, so ``product_views`` and the Product schema take
them as they take entities: ``product.shop`` and ``product.current_certificate`` are set.

The shop holds only what a list shows of it (``id, slug, name, commune``); a product its
columns but the folded search text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from marketplace.models import OcopCertificate, Product, Shop

_products, _shops = Product.__table__, Shop.__table__
_certificates = OcopCertificate.__table__

_PRODUCT_COLUMNS = [
    column
    for column in _products.c
    if column.key not in ("text_search", "status_before_suspension")
]
_SHOP_COLUMNS = [_shops.c.id, _shops.c.slug, _shops.c.name, _shops.c.commune]
_CERTIFICATE_COLUMNS = [
    _certificates.c.id,
    _certificates.c.product_id,
    _certificates.c.stars,
    _certificates.c.certificate_number,
    _certificates.c.issued_on,
    _certificates.c.expires_on,
]


class _Snapshot:
    """Attributes named as a model's columns, read once (see the module's docstring)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.__dict__.get('id')}>"


class ListedProduct(_Snapshot):
    """A product of a list, with ``shop`` (a ListedShop) and ``current_certificate``."""


class ListedShop(_Snapshot):
    """What a list shows of a shop."""


class ListedCertificate(_Snapshot):
    """A product's current OCOP certificate, as a list shows it."""


def listing_select() -> sa.Select:
    """Products joined to their shops and current certificates, as columns: the caller adds
    its filters (on ``Product`` and ``Shop``), its order and its window."""
    current = sa.and_(
        _certificates.c.product_id == _products.c.id, _certificates.c.is_current.is_(True)
    )
    return sa.select(
        *_PRODUCT_COLUMNS,
        *(column.label(f"shop__{column.key}") for column in _SHOP_COLUMNS),
        *(column.label(f"certificate__{column.key}") for column in _CERTIFICATE_COLUMNS),
    ).select_from(
        _products.join(_shops, _shops.c.id == _products.c.shop_id).outerjoin(_certificates, current)
    )


_PRODUCT_KEYS = [column.key for column in _PRODUCT_COLUMNS]
_SHOP_KEYS = [column.key for column in _SHOP_COLUMNS]
_CERTIFICATE_KEYS = [column.key for column in _CERTIFICATE_COLUMNS]
_SHOP_AT = len(_PRODUCT_KEYS)
_CERTIFICATE_AT = _SHOP_AT + len(_SHOP_KEYS)
_END = _CERTIFICATE_AT + len(_CERTIFICATE_KEYS)


def _snapshot(cls: type, keys: list[str], values: Sequence) -> _Snapshot:
    obj = cls.__new__(cls)
    obj.__dict__.update(zip(keys, values, strict=True))
    return obj


def listed(rows: Iterable[Sequence]) -> list[ListedProduct]:
    """The products of rows of ``listing_select`` (columns after them, such as a rank, are
    left to the caller)."""
    products = []
    for row in rows:
        product = _snapshot(ListedProduct, _PRODUCT_KEYS, row[:_SHOP_AT])
        product.shop = _snapshot(ListedShop, _SHOP_KEYS, row[_SHOP_AT:_CERTIFICATE_AT])
        product.current_certificate = (
            None
            if row[_CERTIFICATE_AT] is None
            else _snapshot(ListedCertificate, _CERTIFICATE_KEYS, row[_CERTIFICATE_AT:_END])
        )
        products.append(product)
    return products
