"""flask livestreams close-stale: sessions never started are cancelled, forgotten ones ended."""

from __future__ import annotations

from datetime import timedelta

from marketplace.extensions import db
from marketplace.models import Livestream
from marketplace.models.base import utcnow
from marketplace.services.livestreams.sessions import close_stale_livestreams
from tests.factories import make_livestream, make_shop


def reload(livestream: Livestream) -> Livestream:
    db.session.expire_all()
    return db.session.get(Livestream, livestream.id)


def test_close_stale_cancels_sessions_never_started_and_ends_forgotten_ones(app):
    now = utcnow()
    shop = make_shop()
    never_started = make_livestream(
        shop, scheduled_start=now - timedelta(hours=3), scheduled_end=now - timedelta(minutes=1)
    )
    # No end planned: over 4 hours after the start.
    no_end_over = make_livestream(
        shop, scheduled_start=now - timedelta(hours=4, minutes=1), scheduled_end=None
    )
    no_end_running = make_livestream(
        shop, scheduled_start=now - timedelta(hours=3), scheduled_end=None
    )
    late_but_not_over = make_livestream(
        shop, scheduled_start=now - timedelta(hours=1), scheduled_end=now + timedelta(hours=1)
    )
    forgotten = make_livestream(
        shop,
        status="live",
        scheduled_start=now - timedelta(hours=7),
        scheduled_end=now - timedelta(hours=4, minutes=1),
        started_at=now - timedelta(hours=7),
    )
    overrunning = make_livestream(
        shop,
        status="live",
        scheduled_start=now - timedelta(hours=6),
        scheduled_end=now - timedelta(hours=3),
        started_at=now - timedelta(hours=6),
    )
    # Started long after its planned end: given 4 hours from its start.
    started_late = make_livestream(
        shop,
        status="live",
        scheduled_start=now - timedelta(hours=9),
        scheduled_end=now - timedelta(hours=8),
        started_at=now - timedelta(hours=2),
    )
    finished = make_livestream(shop, status="ended", scheduled_start=now - timedelta(days=3))

    runner = app.test_cli_runner()
    result = runner.invoke(args=["livestreams", "close-stale"])
    assert result.exit_code == 0, result.output
    assert "Cancelled 2" in result.output and "ended 1" in result.output

    for livestream in (never_started, no_end_over):
        livestream = reload(livestream)
        assert livestream.status == "cancelled"
        assert livestream.cancel_reason == "not started"
        [event] = livestream.history
        assert (event.from_status, event.to_status) == ("scheduled", "cancelled")
        assert event.actor_id is None and event.reason == "not started"
    ended = reload(forgotten)
    assert ended.status == "ended" and ended.ended_at is not None
    [event] = ended.history
    assert event.actor_id is None and (event.from_status, event.to_status) == ("live", "ended")
    for livestream, status in (
        (no_end_running, "scheduled"),
        (late_but_not_over, "scheduled"),
        (overrunning, "live"),
        (started_late, "live"),
        (finished, "ended"),
    ):
        assert reload(livestream).status == status

    # A second run finds nothing more to do.
    assert close_stale_livestreams() == (0, 0)


def test_the_system_moves_show_as_system_in_the_history(client):
    now = utcnow()
    livestream = make_livestream(
        make_shop(),
        scheduled_start=now - timedelta(hours=5),
        scheduled_end=now - timedelta(hours=4),
    )
    assert close_stale_livestreams() == (1, 0)
    # A cancelled session is public only through its shop's lists, but it can still be fetched.
    body = client.get(f"/api/v1/livestreams/{livestream.id}").get_json()
    assert body["status"] == "cancelled"
    assert body["history"][0]["by"] == "system"
    assert body["history"][0]["reason"] == "not started"
