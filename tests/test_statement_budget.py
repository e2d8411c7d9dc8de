"""database.statement_budget: a PostgreSQL statement past its budget is cancelled, the
caller's transaction goes on as it was, and the connection gets its own settings back
(search's typo tolerance runs inside one)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.database import TYPO_SIMILARITY, OverBudget, statement_budget
from marketplace.extensions import db
from tests.test_database_timeouts import app_on

# Live: a real transaction and autocommit on an engine of the app's own.
pytestmark = [pytest.mark.usefixtures("restore_limiter"), pytest.mark.live]

SLOW = "SELECT pg_sleep(5)"


@pytest.fixture
def own_app(database_url, tmp_path):
    app = app_on(database_url, tmp_path, DATABASE_STATEMENT_TIMEOUT=7)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _show(name: str) -> str:
    return db.session.execute(sa.text(f"SHOW {name}")).scalar_one()


def _on_postgresql() -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no statement timeout: the budget lets statements run")


def test_inside_a_transaction_the_work_before_survives(own_app):
    _on_postgresql()
    db.session.execute(sa.text("CREATE TEMP TABLE budget_probe (n int)"))
    db.session.execute(sa.text("INSERT INTO budget_probe VALUES (1)"))
    with pytest.raises(OverBudget), statement_budget(50):
        db.session.execute(sa.text("INSERT INTO budget_probe VALUES (2)"))
        db.session.execute(sa.text(SLOW))
    # The transaction still answers, without what the cancelled block wrote.
    assert db.session.execute(sa.text("SELECT array_agg(n) FROM budget_probe")).scalar() == [1]
    assert _show("statement_timeout") == "7s"


def test_outside_a_transaction_the_settings_come_back(own_app):
    _on_postgresql()
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    with statement_budget(80, {"pg_trgm.word_similarity_threshold": "0.6"}):
        assert _show("statement_timeout") == "80ms"
        assert _show("pg_trgm.word_similarity_threshold") == "0.6"
    assert _show("statement_timeout") == "7s"
    assert _show("pg_trgm.word_similarity_threshold") == str(TYPO_SIMILARITY)
    with pytest.raises(OverBudget), statement_budget(50):
        db.session.execute(sa.text(SLOW))
    assert _show("statement_timeout") == "7s"


def test_without_a_budget_only_the_settings_change(own_app):
    """The connection's own timeout stands, and its cancel is not taken for a budget's."""
    _on_postgresql()
    db.session.execute(sa.text("SET statement_timeout = 50"))
    with (
        pytest.raises(sa.exc.OperationalError) as cancelled,
        statement_budget(None, {"enable_indexscan": "off"}),
    ):
        assert _show("enable_indexscan") == "off"
        assert _show("statement_timeout") == "50ms"
        db.session.execute(sa.text(SLOW))
    assert not isinstance(cancelled.value, OverBudget)
    db.session.rollback()
    assert _show("enable_indexscan") == "on"


@pytest.mark.parametrize("autocommit", [False, True])
def test_other_failures_pass_through_and_leave_no_setting_behind(own_app, autocommit):
    _on_postgresql()
    if autocommit:
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    with pytest.raises(sa.exc.ProgrammingError), statement_budget(5000):
        db.session.execute(sa.text("SELECT no_such_column FROM pg_class"))
    db.session.rollback()
    assert _show("statement_timeout") == "7s"


def test_sqlite_runs_the_statements_unbounded(own_app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the PostgreSQL cases are above")
    with statement_budget(1):
        assert db.session.execute(sa.text("SELECT 1")).scalar() == 1
