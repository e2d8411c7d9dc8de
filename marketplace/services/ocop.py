"""OCOP certificates as the catalog sees them (the trade-office issue owns the rules).

These functions are the seam between the catalog and the trade office: the catalog calls them to
show a product's ``ocop`` and to filter by ``ocop_min_stars``; the trade office owns the rules.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import OcopCertificate, Product

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_today() -> date:
    """Certificates expire by the calendar of Vietnam, not of the server."""
    return datetime.now(LOCAL_TZ).date()


def current_certificates(product_ids: list[str]) -> dict[str, OcopCertificate]:
    """Each product's current certificate (expired ones too), in one query."""
    if not product_ids:
        return {}
    rows = db.session.scalars(
        sa.select(OcopCertificate).where(
            OcopCertificate.product_id.in_(product_ids), OcopCertificate.is_current.is_(True)
        )
    )
    return {cert.product_id: cert for cert in rows}


def ocop_json(cert: OcopCertificate | None) -> dict | None:
    """The contract's ``ocop`` object of a product, or None."""
    if cert is None:
        return None
    return {
        "stars": cert.stars,
        "certificate_number": cert.certificate_number,
        "issued_on": cert.issued_on.isoformat(),
        "expires_on": cert.expires_on.isoformat(),
        "status": "expired" if cert.expires_on < local_today() else "certified",
    }


def min_stars_clause(min_stars: int) -> sa.ColumnElement[bool]:
    """Products holding a valid (unexpired) certificate of at least ``min_stars`` stars."""
    valid = sa.select(OcopCertificate.product_id).where(
        OcopCertificate.is_current.is_(True),
        OcopCertificate.stars >= min_stars,
        OcopCertificate.expires_on >= local_today(),
    )
    return Product.id.in_(valid)
