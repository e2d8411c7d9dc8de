"""Traceability: each product's short trace code, and what its public page may show.

A code is 8 characters of Crockford's base32 (``TRACE_CODE_ALPHABET``), given when the product
is created and never changed: it is printed on labels that outlive any edit. People type it
from a label on a phone, so a lookup forgives case, spaces and dashes, and reads O as 0 and
I or L as 1 (the alphabet has none of those letters).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.messages import N_
from marketplace.models import OcopCertificate, Product, Shop
from marketplace.models.product import TRACE_CODE_ALPHABET, TRACE_CODE_LENGTH, new_trace_code

# A product keeps its page once it has been on sale: a jar bought last year still tells where
# it came from after its maker stops selling it (archived). Drafts were never on sale; a
# suspension takes the product, or its whole shop, out of public view.
TRACEABLE_STATUSES = ("active", "archived")
# 40 bits of code: a repeat is already rare at a million products; several in a row mean a bug.
MAX_DRAWS = 10
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_ALPHABET = frozenset(TRACE_CODE_ALPHABET)


def unused_trace_code() -> str:
    """A code no product holds yet (the unique constraint settles two creations racing)."""
    for _ in range(MAX_DRAWS):
        code = new_trace_code()
        taken = db.session.scalar(sa.select(Product.id).where(Product.trace_code == code))
        if taken is None:
            return code
    raise RuntimeError(f"no free trace code after {MAX_DRAWS} draws")


def normalize_trace_code(typed: str) -> str | None:
    """The code as stored (``abcd-efgh`` → ``ABCDEFGH``), or None when it cannot be one."""
    code = "".join(typed.split()).replace("-", "").upper().translate(_LOOKALIKES)
    if len(code) != TRACE_CODE_LENGTH or not _ALPHABET.issuperset(code):
        return None
    return code


def grouped(code: str) -> str:
    """``ABCDEFGH`` → ``ABCD-EFGH``: two halves are easier to read out and to type."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


@dataclass(frozen=True)
class Trace:
    """What the public page of a trace code shows."""

    product: Product
    shop: Shop
    # The current certificate, expired or not (the page says which); None without one.
    certificate: OcopCertificate | None


def lookup(typed_code: str) -> Trace:
    """The product behind a trace code as anyone may see it: active or archived, in an active
    shop; 404 for anything else, so a hidden product's code tells nothing."""
    code = normalize_trace_code(typed_code)
    product = None
    if code is not None:
        product = db.session.scalar(
            sa.select(Product)
            .join(Product.shop)
            .where(
                Product.trace_code == code,
                Product.status.in_(TRACEABLE_STATUSES),
                Shop.status == "active",
            )
            .options(contains_eager(Product.shop), joinedload(Product.current_certificate))
        )
    if product is None:
        raise NotFound(N_("No product has this trace code."), code="trace_code_not_found")
    return Trace(product, product.shop, product.current_certificate)
