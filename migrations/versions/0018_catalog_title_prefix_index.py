"""Catalog: a btree index of the folded titles for prefix matches (PostgreSQL only).

Relevance's first rank is the titles that start with the query (``title_search LIKE
'tho cam%'``). With ``varchar_pattern_ops`` that is a range of this index whatever the
database's collation; the trigram index would return every title holding the query's words
(12,000 of 100,000 for 'tho cam') to be checked one by one. SQLite keeps scanning.

Revision ID: catalog_0004
Revises: reports_0001
"""

from alembic import op

revision = "catalog_0004"
down_revision = "reports_0001"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        "ix_products_title_prefix",
        "products",
        ["title_search"],
        postgresql_ops={"title_search": "varchar_pattern_ops"},
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_products_title_prefix", table_name="products")
