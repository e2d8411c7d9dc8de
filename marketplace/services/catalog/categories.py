"""The category tree (seeded by the migrations from the six OCOP product groups)."""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

import sqlalchemy as sa

from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.messages import Msg
from marketplace.models import Category
from marketplace.services.text import fold


def _all() -> list[Category]:
    # The tree is a few dozen rows: one query for all of it beats walking it level by level.
    return list(db.session.scalars(sa.select(Category).order_by(Category.position, Category.slug)))


class CategoryRef(NamedTuple):
    """How a product names its category."""

    slug: str
    name: str
    name_en: str | None = None


# Categories change only with the migrations (and a deploy restarts the app): a copy per
# process spares every product page a join. A category it does not know reloads it.
_names: dict[str, CategoryRef] = {}


def slug_and_name(category_ids: set[str]) -> dict[str, CategoryRef]:
    """``{id: (slug, name)}`` covering ``category_ids`` (a query only on a miss)."""
    if not category_ids <= _names.keys():
        _load_names()
    return _names


def _load_names() -> None:
    rows = db.session.execute(
        sa.select(Category.id, Category.slug, Category.name, Category.name_en)
    )
    _names.update({row.id: CategoryRef(row.slug, row.name, row.name_en) for row in rows})


def english_name(slug: str) -> str | None:
    """The English name of the category with this slug (pages in English), from the same
    per-process copy; None when it has none."""
    for loaded in (False, True):
        if loaded:
            _load_names()
        for ref in _names.values():
            if ref.slug == slug:
                return ref.name_en
    return None


def _matching(rows: list[Category], ref: str) -> Category | None:
    """The category ``ref`` names: its slug, or its Vietnamese or English name typed with or
    without diacritics and in any case (``Thổ cẩm``, ``tho cam``, ``Brocade``)."""
    for category in rows:
        if category.slug == ref:
            return category
    folded = fold(ref)
    if not folded:
        return None
    for category in rows:
        if folded in (fold(category.name), fold(category.name_en), fold(category.slug)):
            return category
    return None


def _unknown(field: str, ref: str) -> ValidationFailed:
    return ValidationFailed.field(
        field, Msg("Unknown category %(category)s.", category=repr(ref)), code="unknown_category"
    )


def by_slug(slug: str, *, field: str = "category") -> Category:
    """The category this slug or name names (see ``_matching``); 422 on ``field``."""
    category = db.session.scalar(sa.select(Category).where(Category.slug == slug))
    if category is None:
        category = _matching(_all(), slug)
    if category is None:
        raise _unknown(field, slug)
    return category


# Like the names: the ids under each slug, per process (a slug it does not know reloads it).
_descendants: dict[str, list[str]] = {}


def with_descendants(slug: str) -> list[str]:
    """Ids of the category named (slug or name, see ``_matching``) and of every category below
    it; 422 if none."""
    if slug not in _descendants:
        _descendants.update(_tree_ids())
    if slug not in _descendants:
        named = _matching(_all(), slug)
        if named is None:
            raise _unknown("category", slug)
        slug = named.slug
    return _descendants[slug]


def _tree_ids() -> dict[str, list[str]]:
    """Every category's slug → its id and its descendants' ids."""
    rows = _all()
    children: dict[str | None, list[Category]] = defaultdict(list)
    for category in rows:
        children[category.parent_id].append(category)
    found = {}
    for root in rows:
        ids, stack = [], [root]
        while stack:
            category = stack.pop()
            ids.append(category.id)
            stack.extend(children[category.id])
        found[root.slug] = ids
    return found


def tree() -> list[dict]:
    """``[{slug, name, name_en, children: [...]}]`` in the seeded order."""
    rows = _all()
    nodes = {
        c.id: {"slug": c.slug, "name": c.name, "name_en": c.name_en, "children": []} for c in rows
    }
    roots = []
    for category in rows:
        parent = nodes.get(category.parent_id) if category.parent_id else None
        (parent["children"] if parent else roots).append(nodes[category.id])
    return roots
