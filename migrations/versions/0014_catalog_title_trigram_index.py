"""Catalog search forgives typos: a pg_trgm GIN index on the folded titles (PostgreSQL only).

Word similarity (``'thocam' <% title_search``) is answered from this index; on SQLite nothing
changes (search there keeps the substring match).

Revision ID: catalog_0003
Revises: notifications_0001
"""

from alembic import op

revision = "catalog_0003"
down_revision = "notifications_0001"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_products_title_search_trgm",
        "products",
        ["title_search"],
        postgresql_using="gin",
        postgresql_ops={"title_search": "gin_trgm_ops"},
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_products_title_search_trgm", table_name="products")
