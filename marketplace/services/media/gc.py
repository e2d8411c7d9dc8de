"""Cleaning media that stayed pending or unused, without touching anything still referred to."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace.adapters.storage.base import StorageError
from marketplace.extensions import db
from marketplace.models import Media
from marketplace.models.base import utcnow
from marketplace.services.media.uploads import StorageUnavailable, media_storage

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(hours=24)
PROBE_KEY = "gc-probe/absent"


@dataclass
class GcReport:
    media: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    failed_files: list[str] = field(default_factory=list)


def referenced() -> sa.ColumnElement[bool]:
    """Media some row refers to: a product gallery, a shop logo or cover, OCOP evidence, ….

    Built from every foreign key to ``media.id`` in the model, so a reference added by another
    area later is protected without a change here. Orders show products, whose galleries stay
    (an archived product keeps its gallery), so what an order shows is protected too.
    """
    clauses = [
        sa.exists().where(fk.parent == Media.id)
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == Media.__tablename__ and fk.column.name == "id"
    ]
    return sa.or_(*clauses) if clauses else sa.false()


def collect_garbage(grace: timedelta = DEFAULT_GRACE, *, dry_run: bool = False) -> GcReport:
    """Delete media older than ``grace`` that nothing refers to, row first, then its files.

    A row is deleted only while it is still unreferenced (checked in the same statement), so an
    image attached meanwhile survives; its files go only after that deletion is committed.
    """
    storage = media_storage()
    try:
        # Fail before deleting any row if the storage cannot be reached.
        storage.head(PROBE_KEY)
    except StorageError as exc:
        raise StorageUnavailable() from exc
    cutoff = utcnow() - grace
    stale = sa.and_(Media.created_at < cutoff, Media.backend == storage.name, ~referenced())
    candidates = db.session.execute(
        sa.select(Media.id, Media.key, Media.variant_keys).where(stale).order_by(Media.created_at)
    ).all()
    report = GcReport()
    for media_id, key, variant_keys in candidates:
        keys = [key, *(variant_keys or {}).values()]
        if dry_run:
            report.media.append(media_id)
            report.files.extend(keys)
            continue
        try:
            result = db.session.execute(
                sa.delete(Media)
                .where(Media.id == media_id, stale)
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
        except IntegrityError:
            # Referred to by a row committed after our check (PostgreSQL): keep it.
            db.session.rollback()
            continue
        if result.rowcount != 1:
            continue
        report.media.append(media_id)
        for key in keys:
            try:
                storage.delete(key)
                report.files.append(key)
            except StorageError:
                log.warning("media gc could not delete %s", key)
                report.failed_files.append(key)
    return report
