"""Reports: daily sales rollups per local day and shop, kept in step with orders by triggers.

``sales_daily`` (day, shop: counted orders, units, revenue) is filled from the orders there are
(the backfill), then every insert, update or delete of an order or an order line that changes
what the reports count appends its difference to ``sales_daily_changes``, in the same
transaction, by a trigger: whatever writes the order (checkout, a livestream claim, a payment,
a cancellation, the expiry job, a bulk load) cannot forget it. The report by commune, shop or
month then reads a row per day and shop instead of every order.

A new order's units come from its lines' own trigger (lines are written after their order, or
in the same statement, when an AFTER trigger of the order would see them too); a status move
takes out or puts back the units of the lines it has. An order counts while its status is placed, confirmed, shipped or delivered (as
``marketplace.services.trade_office.reports.COUNTED_STATUSES``); its day is the local date of
``created_at`` (Vietnam keeps UTC+7, no daylight saving).

Revision ID: reports_0001
Revises: notifications_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "reports_0001"
down_revision = "notifications_0001"
branch_labels = None
depends_on = None

COUNTED = "('placed', 'confirmed', 'shipped', 'delivered')"
CHANGE_COLUMNS = "day, shop_id, orders, units, revenue"


def _day(column: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"(({column} AT TIME ZONE 'UTC') + interval '7 hours')::date"
    return f"date({column}, '+7 hours')"


def _units(order_id: str) -> str:
    return f"coalesce((SELECT sum(quantity) FROM order_lines WHERE order_id = {order_id}), 0)"


def _postgresql_triggers() -> list[str]:
    day_old, day_new = _day("OLD.created_at", "postgresql"), _day("NEW.created_at", "postgresql")
    new_units = f"CASE WHEN TG_OP = 'INSERT' THEN 0 ELSE {_units('NEW.id')} END"
    return [
        f"""
CREATE FUNCTION sales_daily_order_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_counted boolean := TG_OP <> 'INSERT' AND OLD.status IN {COUNTED};
    is_counted boolean := TG_OP <> 'DELETE' AND NEW.status IN {COUNTED};
BEGIN
    IF was_counted AND is_counted AND OLD.shop_id = NEW.shop_id
            AND OLD.created_at = NEW.created_at AND OLD.total = NEW.total THEN
        RETURN NULL;
    END IF;
    IF was_counted THEN
        INSERT INTO sales_daily_changes ({CHANGE_COLUMNS})
        VALUES ({day_old}, OLD.shop_id, -1, -{_units("OLD.id")}, -OLD.total);
    END IF;
    IF is_counted THEN
        INSERT INTO sales_daily_changes ({CHANGE_COLUMNS})
        VALUES ({day_new}, NEW.shop_id, 1, {new_units}, NEW.total);
    END IF;
    RETURN NULL;
END
$$""",
        """
CREATE TRIGGER sales_daily_orders
AFTER INSERT OR DELETE OR UPDATE OF status, total, created_at, shop_id ON orders
FOR EACH ROW EXECUTE FUNCTION sales_daily_order_changed()""",
        f"""
CREATE FUNCTION sales_daily_line_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO sales_daily_changes ({CHANGE_COLUMNS})
        SELECT {_day("o.created_at", "postgresql")}, o.shop_id, 0, -OLD.quantity, 0
        FROM orders o WHERE o.id = OLD.order_id AND o.status IN {COUNTED};
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO sales_daily_changes ({CHANGE_COLUMNS})
        SELECT {_day("o.created_at", "postgresql")}, o.shop_id, 0, NEW.quantity, 0
        FROM orders o WHERE o.id = NEW.order_id AND o.status IN {COUNTED};
    END IF;
    RETURN NULL;
END
$$""",
        """
CREATE TRIGGER sales_daily_order_lines
AFTER INSERT OR DELETE OR UPDATE OF quantity, order_id ON order_lines
FOR EACH ROW EXECUTE FUNCTION sales_daily_line_changed()""",
    ]


def _sqlite_triggers() -> list[str]:
    day_old, day_new = _day("OLD.created_at", "sqlite"), _day("NEW.created_at", "sqlite")
    unchanged = (
        f"OLD.status IN {COUNTED} AND NEW.status IN {COUNTED} AND OLD.shop_id = NEW.shop_id "
        "AND OLD.created_at = NEW.created_at AND OLD.total = NEW.total"
    )
    old_out = (
        f"INSERT INTO sales_daily_changes ({CHANGE_COLUMNS}) "
        f"VALUES ({day_old}, OLD.shop_id, -1, -{_units('OLD.id')}, -OLD.total);"
    )
    new_in = (
        f"INSERT INTO sales_daily_changes ({CHANGE_COLUMNS}) "
        f"VALUES ({day_new}, NEW.shop_id, 1, {_units('NEW.id')}, NEW.total);"
    )
    inserted = (
        f"INSERT INTO sales_daily_changes ({CHANGE_COLUMNS}) "
        f"VALUES ({day_new}, NEW.shop_id, 1, 0, NEW.total);"
    )
    columns = "status, total, created_at, shop_id"

    def line(sign: str, row: str) -> str:
        return (
            f"INSERT INTO sales_daily_changes ({CHANGE_COLUMNS}) "
            f"SELECT {_day('o.created_at', 'sqlite')}, o.shop_id, 0, {sign}{row}.quantity, 0 "
            f"FROM orders o WHERE o.id = {row}.order_id AND o.status IN {COUNTED};"
        )

    return [
        f"CREATE TRIGGER sales_daily_order_inserted AFTER INSERT ON orders "
        f"WHEN NEW.status IN {COUNTED} BEGIN {inserted} END",
        f"CREATE TRIGGER sales_daily_order_deleted AFTER DELETE ON orders "
        f"WHEN OLD.status IN {COUNTED} BEGIN {old_out} END",
        # An update takes the old figures out and puts the new ones in (in either order: the
        # changes are summed), unless the order counts the same before and after.
        f"CREATE TRIGGER sales_daily_order_updated_in AFTER UPDATE OF {columns} ON orders "
        f"WHEN NEW.status IN {COUNTED} AND NOT ({unchanged}) BEGIN {new_in} END",
        f"CREATE TRIGGER sales_daily_order_updated_out AFTER UPDATE OF {columns} ON orders "
        f"WHEN OLD.status IN {COUNTED} AND NOT ({unchanged}) BEGIN {old_out} END",
        "CREATE TRIGGER sales_daily_line_inserted AFTER INSERT ON order_lines "
        f"BEGIN {line('', 'NEW')} END",
        "CREATE TRIGGER sales_daily_line_deleted AFTER DELETE ON order_lines "
        f"BEGIN {line('-', 'OLD')} END",
        "CREATE TRIGGER sales_daily_line_updated AFTER UPDATE OF quantity, order_id "
        f"ON order_lines BEGIN {line('-', 'OLD')} {line('', 'NEW')} END",
    ]


def backfill(dialect: str) -> str:
    """The orders there are, summed per local day and shop (a test runs it too)."""
    return f"""
INSERT INTO sales_daily (day, shop_id, orders, units, revenue)
SELECT day, shop_id, count(*), sum(units), sum(total)
FROM (
    SELECT {_day("o.created_at", dialect)} AS day, o.shop_id, o.total, {_units("o.id")} AS units
    FROM orders o WHERE o.status IN {COUNTED}
) AS counted
GROUP BY day, shop_id"""


def upgrade():
    op.create_table(
        "sales_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shop_id", sa.String(length=32), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "shop_id", name=op.f("pk_sales_daily")),
    )
    op.create_table(
        "sales_daily_changes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shop_id", sa.String(length=32), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_daily_changes")),
    )
    dialect = op.get_bind().dialect.name
    op.execute(backfill(dialect))
    for statement in _postgresql_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS sales_daily_order_lines ON order_lines")
        op.execute("DROP TRIGGER IF EXISTS sales_daily_orders ON orders")
        op.execute("DROP FUNCTION IF EXISTS sales_daily_line_changed()")
        op.execute("DROP FUNCTION IF EXISTS sales_daily_order_changed()")
    else:
        for name in (
            "sales_daily_order_inserted",
            "sales_daily_order_deleted",
            "sales_daily_order_updated_in",
            "sales_daily_order_updated_out",
            "sales_daily_line_inserted",
            "sales_daily_line_deleted",
            "sales_daily_line_updated",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("sales_daily_changes")
    op.drop_table("sales_daily")
