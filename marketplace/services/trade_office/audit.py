"""The audit trail: who in the trade office did what, to what, why and when.

Entries are written in the transaction of the action they describe (so a failed action leaves
none) and are never updated or deleted by the app.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from marketplace.extensions import db
from marketplace.models import AuditEntry, User
from marketplace.pagination import SortKey, keyset_page

LIST_KEYS = [
    SortKey(AuditEntry.created_at, descending=True),
    SortKey(AuditEntry.id, descending=True),
]
FILTERS = ("actor_id", "action", "target_type", "target_id")


def record(
    actor: User | str,
    action: str,
    target_type: str,
    target_id: str,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry to the caller's transaction; it is saved only if the action commits."""
    entry = AuditEntry(
        actor_id=actor if isinstance(actor, str) else actor.id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        details=details,
    )
    db.session.add(entry)
    return entry


def list_entries(
    *, limit: int, cursor: str | None, **filters: str | None
) -> tuple[list[AuditEntry], str | None]:
    """Entries newest first, narrowed by actor, action and target; one query per page."""
    stmt = sa.select(AuditEntry)
    for name in FILTERS:
        value = filters.get(name)
        if value is not None:
            stmt = stmt.where(getattr(AuditEntry, name) == value)
    return keyset_page(
        db.session,
        stmt,
        LIST_KEYS,
        scope="audit",
        limit=limit,
        cursor=cursor,
        key_values=lambda entry: (entry.created_at, entry.id),
    )


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_rewriting_history(mapper, connection, target) -> None:
    raise RuntimeError("audit entries are insert-only")
