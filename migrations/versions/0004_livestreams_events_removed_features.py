"""Livestreams: the history of status moves, and featured products kept (with their codes)
after the seller takes them off the session.

Revision ID: livestreams_0001
Revises: catalog_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "livestreams_0001"
down_revision = "catalog_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "livestream_events",
        sa.Column("livestream_id", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=10), nullable=False),
        sa.Column("to_status", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_livestream_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["livestream_id"],
            ["livestreams.id"],
            name=op.f("fk_livestream_events_livestream_id_livestreams"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_livestream_events")),
    )
    with op.batch_alter_table("livestream_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_livestream_events_livestream_id"), ["livestream_id"], unique=False
        )
    with op.batch_alter_table("livestream_products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("livestream_products", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
    with op.batch_alter_table("livestream_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_livestream_events_livestream_id"))
    op.drop_table("livestream_events")
