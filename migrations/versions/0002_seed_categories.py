"""Seed the category tree: one top level per OCOP product group, with sub-categories.

Revision ID: 0002_seed_categories
Revises: 0001_initial
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_seed_categories"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

# (slug, parent slug, Vietnamese name, English name)
CATEGORIES = [
    ("food", None, "Thực phẩm", "Food"),
    ("honey", "food", "Mật ong", "Honey"),
    ("rice", "food", "Gạo", "Rice"),
    ("dried-meat", "food", "Thịt gác bếp", "Smoked and dried meat"),
    ("fruit", "food", "Trái cây", "Fruit"),
    ("beverages", None, "Đồ uống", "Beverages"),
    ("tea", "beverages", "Chè", "Tea"),
    ("wine", "beverages", "Rượu", "Wine and spirits"),
    ("herbal", None, "Dược liệu", "Herbs and herbal products"),
    ("herbal-bath", "herbal", "Lá tắm", "Herbal bath"),
    ("handicraft", None, "Thủ công mỹ nghệ, dệt may", "Textiles, garments and handicrafts"),
    ("textile", "handicraft", "Dệt may", "Textiles and garments"),
    ("brocade", "textile", "Thổ cẩm", "Brocade"),
    ("bamboo-rattan", "handicraft", "Mây tre đan", "Bamboo and rattan"),
    ("ornamental", None, "Sinh vật cảnh", "Ornamental plants and animals"),
    ("tourism", None, "Du lịch cộng đồng", "Rural tourism services"),
]


def upgrade():
    categories = sa.table(
        "categories",
        sa.column("id", sa.String),
        sa.column("slug", sa.String),
        sa.column("name", sa.String),
        sa.column("name_en", sa.String),
        sa.column("parent_id", sa.String),
        sa.column("position", sa.Integer),
    )
    op.bulk_insert(
        categories,
        [
            {
                "id": f"cat-{slug}",
                "slug": slug,
                "name": name,
                "name_en": name_en,
                "parent_id": f"cat-{parent}" if parent else None,
                "position": position,
            }
            for position, (slug, parent, name, name_en) in enumerate(CATEGORIES)
        ],
    )


def downgrade():
    op.execute(sa.text("DELETE FROM categories WHERE id LIKE 'cat-%'"))
