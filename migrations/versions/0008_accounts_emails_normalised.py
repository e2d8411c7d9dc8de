"""Accounts: e-mail addresses stored in the one form sign-in compares (NFKC, lower case), so
that an account registered with a look-alike (fullwidth letters) can still sign in.

A stored address whose normal form is another account's is left as it is and reported: two
accounts cannot be merged by a migration (an operator decides; sign-in by that e-mail finds the
other account from now on).

Revision ID: accounts_0001
Revises: orders_0001
"""

import logging
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "accounts_0001"
down_revision = "orders_0001"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
users = sa.table("users", sa.column("id", sa.String), sa.column("email", sa.String))


def _normal(email: str) -> str:
    # As marketplace.services.text.normalise_email is today (a migration keeps its own copy).
    folded = unicodedata.normalize("NFKC", email).strip().lower()
    return unicodedata.normalize("NFKC", folded)


def upgrade():
    connection = op.get_bind()
    # Only addresses the old code could store un-normalised: non-ASCII ones (ASCII was
    # already stripped and lower-cased). Collected first, then updated.
    changes = [
        (user_id, email, _normal(email))
        for user_id, email in connection.execute(
            sa.select(users.c.id, users.c.email).where(users.c.email.is_not(None))
        )
        if (not email.isascii() or email != email.strip().lower()) and _normal(email) != email
    ]
    for user_id, email, normal in changes:
        taken = connection.scalar(sa.select(users.c.id).where(users.c.email == normal))
        if taken is not None:
            log.warning(
                "accounts_0001: user %s keeps e-mail %r: its normal form %r belongs to user %s",
                user_id,
                email,
                normal,
                taken,
            )
            continue
        connection.execute(users.update().where(users.c.id == user_id).values(email=normal))


def downgrade():
    # The forms the addresses were typed in are not kept: nothing to undo.
    pass
