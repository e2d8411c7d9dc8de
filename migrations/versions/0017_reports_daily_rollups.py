"""Reports: daily sales rollups per local day and shop, kept in step with orders by triggers.

``sales_daily`` (day, shop: counted orders, units, revenue) is filled from the orders there are
(the backfill), then every insert, update or delete of an order or an order line that changes
what the reports count appends its difference to ``sales_daily_changes``, in the same
transaction, by a trigger: whatever writes the order (checkout, a livestream claim, a payment,
a cancellation, the expiry job, a bulk load) cannot forget it. The report by commune, shop or
month then reads a row per day and shop instead of every order. ``sales_lines`` holds the lines
of counted orders with their order's local day and a number per order (``order_no``: counting
distinct orders sorts eight-byte numbers rather than 32-character ids), for the reports by OCOP
stars and category (an order counts once per key, so they need the lines; not the orders).

A new order's units come from its lines' own trigger (lines are written after their order, or
in the same statement, when an AFTER trigger of the order would see them too); a status move
takes out or puts back the units of the lines it has. An order counts while its status is placed, confirmed, shipped or delivered (as
``marketplace.services.trade_office.reports.COUNTED_STATUSES``); its day is the local date of
``created_at`` (Vietnam keeps UTC+7, no daylight saving).

Revision ID: reports_0001
Revises: trade_office_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "reports_0001"
down_revision = "trade_office_0003"
branch_labels = None
depends_on = None

COUNTED = "('placed', 'confirmed', 'shipped', 'delivered')"
CHANGE_COLUMNS = "day, shop_id, orders, units, revenue"
LINE_COLUMNS = "line_id, order_id, order_no, product_id, day, quantity, line_total"


def _new_order_no(dialect: str) -> str:
    # PostgreSQL: a sequence (concurrent checkouts); SQLite has a single writer.
    if dialect == "postgresql":
        return "nextval('sales_order_no')"
    return "(SELECT coalesce(max(order_no), 0) + 1 FROM sales_lines)"


def _order_no(order_id: str, dialect: str) -> str:
    """The order's number in sales_lines: the one its lines there have, else a new one."""
    return (
        f"coalesce((SELECT s.order_no FROM sales_lines s WHERE s.order_id = {order_id} LIMIT 1), "
        f"{_new_order_no(dialect)})"
    )


def _day(column: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"(({column} AT TIME ZONE 'UTC') + interval '7 hours')::date"
    return f"date({column}, '+7 hours')"


def _units(order_id: str) -> str:
    return f"coalesce((SELECT sum(quantity) FROM order_lines WHERE order_id = {order_id}), 0)"


def _lines_in(order: str, day: str, dialect: str) -> str:
    """The lines of order ``order`` into sales_lines, on local day ``day``, under one new
    number (its lines there were just taken out, or never were in)."""
    if dialect == "postgresql":
        return (
            "WITH n AS (SELECT nextval('sales_order_no') AS no) "
            f"INSERT INTO sales_lines ({LINE_COLUMNS}) "
            f"SELECT l.id, l.order_id, n.no, l.product_id, {day}, l.quantity, l.line_total "
            f"FROM order_lines l CROSS JOIN n WHERE l.order_id = {order}"
        )
    # An uncorrelated subquery: SQLite evaluates it once for the statement.
    return (
        f"INSERT INTO sales_lines ({LINE_COLUMNS}) "
        f"SELECT l.id, l.order_id, {_new_order_no(dialect)}, l.product_id, {day}, l.quantity, "
        f"l.line_total FROM order_lines l WHERE l.order_id = {order}"
    )


def _postgresql_triggers() -> list[str]:
    day_old, day_new = _day("OLD.created_at", "postgresql"), _day("NEW.created_at", "postgresql")
    day_of_order = _day("o.created_at", "postgresql")
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
        DELETE FROM sales_lines WHERE order_id = OLD.id;
    END IF;
    IF is_counted THEN
        -- A new order's lines are added by their own trigger.
        IF TG_OP = 'INSERT' THEN
            INSERT INTO sales_daily_changes ({CHANGE_COLUMNS})
            VALUES ({day_new}, NEW.shop_id, 1, 0, NEW.total);
        ELSE
            INSERT INTO sales_daily_changes ({CHANGE_COLUMNS})
            VALUES ({day_new}, NEW.shop_id, 1, {_units("NEW.id")}, NEW.total);
            {_lines_in("NEW.id", day_new, "postgresql")};
        END IF;
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
        SELECT {day_of_order}, o.shop_id, 0, -OLD.quantity, 0
        FROM orders o WHERE o.id = OLD.order_id AND o.status IN {COUNTED};
        DELETE FROM sales_lines WHERE line_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO sales_daily_changes ({CHANGE_COLUMNS})
        SELECT {day_of_order}, o.shop_id, 0, NEW.quantity, 0
        FROM orders o WHERE o.id = NEW.order_id AND o.status IN {COUNTED};
        INSERT INTO sales_lines ({LINE_COLUMNS})
        SELECT NEW.id, NEW.order_id, {_order_no("NEW.order_id", "postgresql")}, NEW.product_id,
            {day_of_order}, NEW.quantity, NEW.line_total
        FROM orders o WHERE o.id = NEW.order_id AND o.status IN {COUNTED};
    END IF;
    RETURN NULL;
END
$$""",
        """
CREATE TRIGGER sales_daily_order_lines
AFTER INSERT OR DELETE OR UPDATE OF quantity, order_id, product_id, line_total ON order_lines
FOR EACH ROW EXECUTE FUNCTION sales_daily_line_changed()""",
    ]


def _sqlite_triggers() -> list[str]:
    day_old, day_new = _day("OLD.created_at", "sqlite"), _day("NEW.created_at", "sqlite")
    day_of_order = _day("o.created_at", "sqlite")
    unchanged = (
        f"OLD.status IN {COUNTED} AND NEW.status IN {COUNTED} AND OLD.shop_id = NEW.shop_id "
        "AND OLD.created_at = NEW.created_at AND OLD.total = NEW.total"
    )
    old_out = (
        f"INSERT INTO sales_daily_changes ({CHANGE_COLUMNS}) "
        f"SELECT {day_old}, OLD.shop_id, -1, -{_units('OLD.id')}, -OLD.total "
        f"WHERE OLD.status IN {COUNTED}; "
        f"DELETE FROM sales_lines WHERE order_id = OLD.id AND OLD.status IN {COUNTED};"
    )
    new_in = (
        f"INSERT INTO sales_daily_changes ({CHANGE_COLUMNS}) "
        f"SELECT {day_new}, NEW.shop_id, 1, {_units('NEW.id')}, NEW.total "
        f"WHERE NEW.status IN {COUNTED}; "
        f"{_lines_in('NEW.id', day_new, 'sqlite')} AND NEW.status IN {COUNTED};"
    )
    inserted = (
        f"INSERT INTO sales_daily_changes ({CHANGE_COLUMNS}) "
        f"VALUES ({day_new}, NEW.shop_id, 1, 0, NEW.total);"
    )
    columns = "status, total, created_at, shop_id"

    def line_out() -> str:
        return (
            f"INSERT INTO sales_daily_changes ({CHANGE_COLUMNS}) "
            f"SELECT {day_of_order}, o.shop_id, 0, -OLD.quantity, 0 "
            f"FROM orders o WHERE o.id = OLD.order_id AND o.status IN {COUNTED}; "
            "DELETE FROM sales_lines WHERE line_id = OLD.id;"
        )

    def line_in() -> str:
        return (
            f"INSERT INTO sales_daily_changes ({CHANGE_COLUMNS}) "
            f"SELECT {day_of_order}, o.shop_id, 0, NEW.quantity, 0 "
            f"FROM orders o WHERE o.id = NEW.order_id AND o.status IN {COUNTED}; "
            f"INSERT INTO sales_lines ({LINE_COLUMNS}) "
            f"SELECT NEW.id, NEW.order_id, {_order_no('NEW.order_id', 'sqlite')}, "
            f"NEW.product_id, {day_of_order}, NEW.quantity, NEW.line_total FROM orders o WHERE o.id = NEW.order_id AND o.status IN {COUNTED};"
        )

    return [
        # A new order's units and lines are added by its lines' own trigger.
        f"CREATE TRIGGER sales_daily_order_inserted AFTER INSERT ON orders "
        f"WHEN NEW.status IN {COUNTED} BEGIN {inserted} END",
        f"CREATE TRIGGER sales_daily_order_deleted AFTER DELETE ON orders "
        f"WHEN OLD.status IN {COUNTED} BEGIN {old_out} END",
        # An update takes the old figures out, then puts the new ones in, unless the order
        # counts the same before and after.
        f"CREATE TRIGGER sales_daily_order_updated AFTER UPDATE OF {columns} ON orders "
        f"WHEN NOT ({unchanged}) BEGIN {old_out} {new_in} END",
        f"CREATE TRIGGER sales_daily_line_inserted AFTER INSERT ON order_lines "
        f"BEGIN {line_in()} END",
        f"CREATE TRIGGER sales_daily_line_deleted AFTER DELETE ON order_lines "
        f"BEGIN {line_out()} END",
        "CREATE TRIGGER sales_daily_line_updated "
        "AFTER UPDATE OF quantity, order_id, product_id, line_total "
        f"ON order_lines BEGIN {line_out()} {line_in()} END",
    ]


def backfill(dialect: str) -> list[str]:
    """The orders there are, summed per local day and shop, and their lines (a test runs it)."""
    day = _day("o.created_at", dialect)
    return [
        f"""
INSERT INTO sales_daily (day, shop_id, orders, units, revenue)
SELECT day, shop_id, count(*), sum(units), sum(total)
FROM (
    SELECT {_day("o.created_at", dialect)} AS day, o.shop_id, o.total, {_units("o.id")} AS units
    FROM orders o WHERE o.status IN {COUNTED}
) AS counted
GROUP BY day, shop_id""",
        f"INSERT INTO sales_lines ({LINE_COLUMNS}) "
        "SELECT l.id, l.order_id, dense_rank() OVER (ORDER BY l.order_id), l.product_id, "
        f"{day}, l.quantity, l.line_total "
        f"FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.status IN {COUNTED}",
        *(
            [
                "SELECT setval('sales_order_no', coalesce(max(order_no), 0) + 1, false) "
                "FROM sales_lines"
            ]
            if dialect == "postgresql"
            else []
        ),
    ]


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
    op.create_table(
        "sales_lines",
        sa.Column("line_id", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("order_no", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("line_total", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("line_id", name=op.f("pk_sales_lines")),
    )
    op.create_index("ix_sales_lines_day", "sales_lines", ["day"], unique=False)
    op.create_index("ix_sales_lines_order_id", "sales_lines", ["order_id"], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE SEQUENCE sales_order_no")
    for statement in backfill(dialect):
        op.execute(statement)
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
            "sales_daily_order_updated",
            "sales_daily_line_inserted",
            "sales_daily_line_deleted",
            "sales_daily_line_updated",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_sales_lines_order_id", table_name="sales_lines")
    op.drop_index("ix_sales_lines_day", table_name="sales_lines")
    op.drop_table("sales_lines")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS sales_order_no")
    op.drop_table("sales_daily_changes")
    op.drop_table("sales_daily")
