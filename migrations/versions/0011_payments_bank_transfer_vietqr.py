"""Payments: bank transfer with VietQR — shops' bank accounts, the bank feed's transactions
(each applied once: a unique external id), and an order's payment reference, instructions and
deadline; `bank_transfer` becomes a payment method (checkouts' and orders' method widened).

On SQLite, changing a column's type or a CHECK constraint rebuilds the table (batch mode);
migrations/env.py turns foreign keys off around the migration so that rebuilding a table that
others refer to (checkouts, orders) keeps their rows.

Revision ID: payments_0001
Revises: catalog_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "payments_0001"
down_revision = "catalog_0002"
branch_labels = None
depends_on = None

METHODS_BEFORE = "payment_method IN ('cod', 'stripe')"
METHODS_AFTER = "payment_method IN ('cod', 'stripe', 'bank_transfer')"


def upgrade():
    op.create_table(
        "shop_bank_accounts",
        sa.Column("shop_id", sa.String(length=32), nullable=False),
        sa.Column("bank_bin", sa.String(length=10), nullable=False),
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("account_name", sa.String(length=70), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_shop_bank_accounts_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("shop_id", name=op.f("pk_shop_bank_accounts")),
    )
    op.create_index(
        op.f("ix_shop_bank_accounts_account_number"), "shop_bank_accounts", ["account_number"]
    )

    op.create_table(
        "bank_transactions",
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("account_number", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("transferred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=True),
        sa.Column("order_id", sa.String(length=32), nullable=True),
        sa.Column("shop_id", sa.String(length=32), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "status IN ('applied', 'unmatched')", name=op.f("ck_bank_transactions_status")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_bank_transactions_amount_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_bank_transactions_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_bank_transactions_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_transactions")),
        sa.UniqueConstraint("external_id", name=op.f("uq_bank_transactions_external_id")),
    )
    op.create_index(
        op.f("ix_bank_transactions_account_number"), "bank_transactions", ["account_number"]
    )
    op.create_index(op.f("ix_bank_transactions_order_id"), "bank_transactions", ["order_id"])
    op.create_index(op.f("ix_bank_transactions_shop_id"), "bank_transactions", ["shop_id"])
    op.create_index(
        "ix_bank_transactions_status_received",
        "bank_transactions",
        ["status", "received_at", "id"],
    )

    with op.batch_alter_table("checkouts", schema=None) as batch_op:
        batch_op.alter_column(
            "payment_method",
            existing_type=sa.VARCHAR(length=10),
            type_=sa.String(length=20),
            existing_nullable=False,
        )
        batch_op.drop_constraint(op.f("ck_checkouts_payment_method"), type_="check")
        batch_op.create_check_constraint(op.f("ck_checkouts_payment_method"), METHODS_AFTER)

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payment_reference", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("payment_instructions", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("payment_due_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.alter_column(
            "payment_method",
            existing_type=sa.VARCHAR(length=10),
            type_=sa.String(length=20),
            existing_nullable=False,
        )
        batch_op.create_unique_constraint(
            op.f("uq_orders_payment_reference"), ["payment_reference"]
        )


def downgrade():
    # Bank-transfer checkouts cannot be kept under the old rules: downgrading drops the
    # payment method along with its tables, so it refuses while any such checkout exists.
    bind = op.get_bind()
    if bind.execute(
        sa.text("SELECT count(*) FROM checkouts WHERE payment_method = 'bank_transfer'")
    ).scalar():
        raise RuntimeError("bank-transfer checkouts exist: payments_0001 cannot be undone")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_orders_payment_reference"), type_="unique")
        batch_op.alter_column(
            "payment_method",
            existing_type=sa.String(length=20),
            type_=sa.VARCHAR(length=10),
            existing_nullable=False,
        )
        batch_op.drop_column("payment_due_at")
        batch_op.drop_column("payment_instructions")
        batch_op.drop_column("payment_reference")

    with op.batch_alter_table("checkouts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_checkouts_payment_method"), type_="check")
        batch_op.create_check_constraint(op.f("ck_checkouts_payment_method"), METHODS_BEFORE)
        batch_op.alter_column(
            "payment_method",
            existing_type=sa.String(length=20),
            type_=sa.VARCHAR(length=10),
            existing_nullable=False,
        )

    op.drop_index("ix_bank_transactions_status_received", table_name="bank_transactions")
    op.drop_index(op.f("ix_bank_transactions_shop_id"), table_name="bank_transactions")
    op.drop_index(op.f("ix_bank_transactions_order_id"), table_name="bank_transactions")
    op.drop_index(op.f("ix_bank_transactions_account_number"), table_name="bank_transactions")
    op.drop_table("bank_transactions")
    op.drop_index(op.f("ix_shop_bank_accounts_account_number"), table_name="shop_bank_accounts")
    op.drop_table("shop_bank_accounts")
