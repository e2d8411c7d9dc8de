"""payments_0001 on a SQLite database that already has orders: the checkouts and orders tables
are rebuilt (a wider payment method, a new CHECK) and every row, and every row referring to
them, is kept; the foreign keys are on again afterwards."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from marketplace import create_app
from marketplace.config import MIGRATIONS_DIR
from marketplace.extensions import db

pytestmark = pytest.mark.usefixtures("restore_limiter")

ROWS = [
    "INSERT INTO users (id, name, email, role, password_hash, locale, created_at) "
    "VALUES ('u1', 'Lò Thị Hoa', 'hoa@example.vn', 'buyer', 'x', 'vi', '2026-01-01')",
    "INSERT INTO shops (id, slug, name, name_search, commune, owner_id, status, created_at, "
    "updated_at) VALUES ('s1', 'tho-cam', 'Thổ cẩm', 'tho cam', 'Lóng Luông', 'u1', 'active', "
    "'2026-01-01', '2026-01-01')",
    "INSERT INTO checkouts (id, buyer_id, status, payment_method, total, currency, created_at, "
    "updated_at) VALUES ('c1', 'u1', 'placed', 'cod', 130000, 'VND', '2026-01-01', '2026-01-01')",
    "INSERT INTO orders (id, checkout_id, shop_id, buyer_id, status, payment_method, "
    "payment_status, subtotal, shipping_fee, total, currency, shipping_address, created_at, "
    "updated_at) VALUES ('o1', 'c1', 's1', 'u1', 'confirmed', 'cod', 'unpaid', 100000, 30000, "
    "130000, 'VND', '{}', '2026-01-01', '2026-01-01')",
    "INSERT INTO order_events (id, order_id, from_status, to_status, created_at) "
    "VALUES ('e1', 'o1', 'placed', 'confirmed', '2026-01-01')",
]


def test_existing_orders_survive_the_rebuild_of_their_tables(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        try:
            upgrade(directory=str(MIGRATIONS_DIR), revision="orders_0001")
            with db.engine.begin() as connection:
                for statement in ROWS:
                    connection.exec_driver_sql(statement)

            upgrade(directory=str(MIGRATIONS_DIR), revision="payments_0001")
            with db.engine.begin() as connection:
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                order = connection.exec_driver_sql(
                    "SELECT status, payment_method, total, payment_reference FROM orders"
                ).one()
                assert tuple(order) == ("confirmed", "cod", 130000, None)
                assert connection.exec_driver_sql("SELECT count(*) FROM order_events").scalar()
                # The new method fits and is allowed; others are still refused.
                connection.exec_driver_sql(
                    "UPDATE checkouts SET payment_method = 'bank_transfer' WHERE id = 'c1'"
                )
                with pytest.raises(sa.exc.IntegrityError):
                    with connection.begin_nested():
                        connection.exec_driver_sql(
                            "UPDATE checkouts SET payment_method = 'cheque' WHERE id = 'c1'"
                        )
                # Foreign keys are enforced again.
                with pytest.raises(sa.exc.IntegrityError):
                    with connection.begin_nested():
                        connection.exec_driver_sql("DELETE FROM checkouts WHERE id = 'c1'")

            # Undone only when no bank-transfer checkout would lose its meaning (Flask-Migrate
            # logs the migration's error and exits).
            with pytest.raises(SystemExit):
                downgrade(directory=str(MIGRATIONS_DIR), revision="orders_0001")
            with db.engine.connect() as connection:
                revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
                assert revision.scalar() == "payments_0001"
            with db.engine.begin() as connection:
                connection.exec_driver_sql("UPDATE checkouts SET payment_method = 'cod'")
            downgrade(directory=str(MIGRATIONS_DIR), revision="orders_0001")
            upgrade(directory=str(MIGRATIONS_DIR), revision="heads")
            with db.engine.connect() as connection:
                assert connection.exec_driver_sql("SELECT count(*) FROM orders").scalar() == 1
        finally:
            db.engine.dispose()
