"""Catalog search: a pg_trgm GIN index on the folded search text (PostgreSQL only).

On SQLite nothing changes: search there scans the folded column.

Revision ID: catalog_0001
Revises: 0002_seed_categories
"""

from alembic import op

revision = "catalog_0001"
down_revision = "0002_seed_categories"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_products_text_search_trgm",
        "products",
        ["text_search"],
        postgresql_using="gin",
        postgresql_ops={"text_search": "gin_trgm_ops"},
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_products_text_search_trgm", table_name="products")
