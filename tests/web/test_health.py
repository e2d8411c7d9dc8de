"""/healthz (the process answers) and /readyz (what it needs answers too): always JSON."""

from __future__ import annotations

import pytest
import redis

from marketplace import create_app
from marketplace.extensions import db
from tests.factories.services import redis_url_of_this_run
from tests.factories.storage import use_s3

REDIS_URL = redis_url_of_this_run()


def assert_ready(response, checks: dict) -> None:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.get_json() == {"status": "ok", "checks": checks}
    assert response.headers["Cache-Control"] == "no-store"


def assert_unready(response, checks: dict) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.get_json() == {"status": "unavailable", "checks": checks}


@pytest.fixture
def app_without_database(tmp_path, closed_port, restore_limiter):
    """An app whose PostgreSQL server refuses every connection."""
    app = create_app(
        {
            "SECRET_KEY": "health",
            "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://u@127.0.0.1:{closed_port}/x",
            "MEDIA_ROOT": str(tmp_path / "media"),
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("accept", [None, "text/html", "*/*"])
def test_healthz_is_json_and_200_while_the_process_answers_even_without_database(
    app_without_database, accept
):
    headers = {"Accept": accept} if accept else {}
    response = app_without_database.test_client().get("/healthz", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("accept", [None, "text/html"])
def test_readyz_names_the_database_when_it_is_down(app_without_database, accept):
    headers = {"Accept": accept} if accept else {}
    response = app_without_database.test_client().get("/readyz", headers=headers)
    assert_unready(response, {"database": "unavailable", "storage": "ok"})


def test_health_errors_are_json_too(client):
    for path in ("/healthz", "/readyz"):
        response = client.post(path, headers={"Accept": "text/html"})
        assert response.status_code == 405
        assert response.mimetype == "application/json"
        assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_readyz_is_200_when_database_and_local_storage_answer(client):
    assert_ready(client.get("/readyz"), {"database": "ok", "storage": "ok"})


def test_readyz_names_local_storage_it_cannot_write_to(client, app_config, tmp_path):
    not_a_folder = tmp_path / "media"
    not_a_folder.write_text("a file where the media folder should be")
    app_config(MEDIA_STORAGE="local", MEDIA_ROOT=str(not_a_folder))
    assert_unready(client.get("/readyz"), {"database": "ok", "storage": "unavailable"})


def test_readyz_checks_the_s3_bucket(client, app, monkeypatch, s3_server, closed_port):
    use_s3(monkeypatch, app, s3_server)
    assert_ready(client.get("/readyz"), {"database": "ok", "storage": "ok"})
    use_s3(monkeypatch, app, s3_server, S3_BUCKET="no-such-bucket")
    assert_unready(client.get("/readyz"), {"database": "ok", "storage": "unavailable"})
    use_s3(monkeypatch, app, s3_server, S3_ENDPOINT_URL=f"http://127.0.0.1:{closed_port}")
    assert_unready(client.get("/readyz"), {"database": "ok", "storage": "unavailable"})


def test_readyz_checks_redis_when_it_is_configured(client, app_config, closed_port):
    redis.Redis.from_url(REDIS_URL).ping()  # fails loudly when the Redis server is missing
    app_config(REDIS_URL=REDIS_URL)
    assert_ready(client.get("/readyz"), {"database": "ok", "storage": "ok", "redis": "ok"})
    app_config(REDIS_URL=f"redis://127.0.0.1:{closed_port}/0")
    assert_unready(
        client.get("/readyz"), {"database": "ok", "storage": "ok", "redis": "unavailable"}
    )
