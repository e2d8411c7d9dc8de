"""Assisted listing: an officer's 7-day grant to act for a shop's owner.

Revision ID: trade_office_0003
Revises: shopping_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "trade_office_0003"
down_revision = "shopping_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assistance_grants',
    sa.Column('shop_id', sa.String(length=32), nullable=False),
    sa.Column('officer_id', sa.String(length=32), nullable=False),
    sa.Column('consent_note', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by_id', sa.String(length=32), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_assistance_grants_ended_by_id_users')),
    sa.ForeignKeyConstraint(['officer_id'], ['users.id'], name=op.f('fk_assistance_grants_officer_id_users')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_assistance_grants_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistance_grants'))
    )
    with op.batch_alter_table('assistance_grants', schema=None) as batch_op:
        batch_op.create_index('ix_assistance_grants_officer', ['officer_id', 'expires_at'], unique=False)
        batch_op.create_index('ix_assistance_grants_shop', ['shop_id', 'expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('assistance_grants', schema=None) as batch_op:
        batch_op.drop_index('ix_assistance_grants_shop')
        batch_op.drop_index('ix_assistance_grants_officer')

    op.drop_table('assistance_grants')
