"""Trade office: one pending OCOP application and one current certificate per product;
audit entries found by their target.

Revision ID: trade_office_0001
Revises: livestreams_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "trade_office_0001"
down_revision = "livestreams_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "uq_ocop_applications_pending_product",
        "ocop_applications",
        ["product_id"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "uq_ocop_certificates_current_product",
        "ocop_certificates",
        ["product_id"],
        unique=True,
        sqlite_where=sa.text("is_current"),
        postgresql_where=sa.text("is_current"),
    )
    op.create_index(
        "ix_audit_entries_target", "audit_entries", ["target_type", "target_id", "created_at"]
    )


def downgrade():
    op.drop_index("ix_audit_entries_target", table_name="audit_entries")
    op.drop_index("uq_ocop_certificates_current_product", table_name="ocop_certificates")
    op.drop_index("uq_ocop_applications_pending_product", table_name="ocop_applications")
