"""Shopping: signed-in buyers' carts, kept across devices.

Revision ID: shopping_0001
Revises: catalog_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "shopping_0001"
down_revision = "catalog_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cart_items',
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('variant_id', sa.String(length=32), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity >= 1 AND quantity <= 999', name=op.f('ck_cart_items_quantity')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cart_items_user_id_users')),
    sa.ForeignKeyConstraint(['variant_id'], ['product_variants.id'], name=op.f('fk_cart_items_variant_id_product_variants')),
    sa.PrimaryKeyConstraint('user_id', 'variant_id', name=op.f('pk_cart_items'))
    )
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cart_items_variant_id'), ['variant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cart_items_variant_id'))

    op.drop_table('cart_items')
