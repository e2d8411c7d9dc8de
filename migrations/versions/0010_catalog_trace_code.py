"""Catalog: every product gets a short trace code for its printed label and /t/<trace_code>.

The column is added empty, each existing product is given a random code (8 characters of
Crockford's base32, drawn again on the rare repeat), then the column becomes NOT NULL and unique.
On SQLite the last step rebuilds the table (batch mode); env.py turns foreign keys off around
the migrations so that rebuilding a table others refer to keeps their rows.

Revision ID: catalog_0002
Revises: web_0001
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "catalog_0002"
down_revision = "web_0001"
branch_labels = None
depends_on = None

# As marketplace.models.product has it today; a migration keeps its own copy.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
BATCH = 1000


def _codes(count: int) -> list[str]:
    """``count`` distinct random codes."""
    made: set[str] = set()
    codes = []
    while len(codes) < count:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if code not in made:
            made.add(code)
            codes.append(code)
    return codes


def upgrade():
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trace_code", sa.String(length=LENGTH), nullable=True))

    bind = op.get_bind()
    products = sa.table("products", sa.column("id", sa.String), sa.column("trace_code", sa.String))
    ids = list(bind.scalars(sa.select(products.c.id).order_by(products.c.id)))
    update = (
        sa.update(products)
        .where(products.c.id == sa.bindparam("product_id"))
        .values(trace_code=sa.bindparam("code"))
    )
    rows = [{"product_id": i, "code": code} for i, code in zip(ids, _codes(len(ids)), strict=True)]
    for start in range(0, len(rows), BATCH):
        bind.execute(update, rows[start : start + BATCH])

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.alter_column(
            "trace_code", existing_type=sa.String(length=LENGTH), nullable=False
        )
        batch_op.create_unique_constraint(batch_op.f("uq_products_trace_code"), ["trace_code"])


def downgrade():
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_products_trace_code"), type_="unique")
        batch_op.drop_column("trace_code")
