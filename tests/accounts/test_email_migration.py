"""accounts_0001: stored look-alike e-mails take the one form, unless that is another's."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from marketplace import create_app
from marketplace.extensions import db

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")
pytestmark = pytest.mark.usefixtures("restore_limiter")


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A database of its own, on the backend of the run (SQLite file or PostgreSQL)."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    url = make_url(database_url)
    name = f"migrate_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.live
def test_stored_look_alikes_are_normalised_unless_taken(empty_database):
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty_database})
    rows = {
        "ascii": "basex@x.example",
        "squatter": "\uff42\uff41\uff53\uff45x@x.example",  # fullwidth basex: taken
        "alone": "\uff4d\uff41\uff49@x.example",  # fullwidth mai: free
        "phone-only": None,
    }
    with app.app_context():
        try:
            upgrade(directory=MIGRATIONS, revision="orders_0001")
            with db.engine.begin() as conn:
                for user_id, email in rows.items():
                    conn.execute(
                        sa.text(
                            "INSERT INTO users (id, name, email, phone, password_hash, role, "
                            "locale, created_at) VALUES (:id, :id, :email, :phone, 'x', "
                            "'buyer', 'vi', CURRENT_TIMESTAMP)"
                        ),
                        {"id": user_id, "email": email, "phone": None if email else "+84912345678"},
                    )
            upgrade(directory=MIGRATIONS, revision="accounts_0001")
            with db.engine.connect() as conn:
                stored = dict(conn.execute(sa.text("SELECT id, email FROM users")).all())
        finally:
            db.engine.dispose()
    assert stored == {
        "ascii": "basex@x.example",
        "squatter": rows["squatter"],
        "alone": "mai@x.example",
        "phone-only": None,
    }
