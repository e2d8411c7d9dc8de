"""Orders: an idempotency key notes what its request made (a checkout, a livestream claim), in
the same transaction as the work, so that a retry after a crash rebuilds the answer instead of
doing the work again.

Revision ID: orders_0001
Revises: trade_office_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "orders_0001"
down_revision = "trade_office_0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resource_type", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("resource_id", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_column("resource_id")
        batch_op.drop_column("resource_type")
