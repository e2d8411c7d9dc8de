"""What the demo tests read back from the database."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db


def row_dates(*models) -> dict[str, tuple]:
    """When each row of ``models`` was made (and last changed, where the model records it),
    by id: equal readings before and after a second load mean nothing moved."""
    dates = {}
    for model in models:
        columns = [model.created_at, *([model.updated_at] if hasattr(model, "updated_at") else [])]
        for row in db.session.execute(sa.select(model.id, *columns)):
            dates[row[0]] = tuple(row[1:])
    return dates
