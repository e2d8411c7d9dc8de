"""GET /livestreams.ics: an iCalendar feed buyers subscribe to from their phone's calendar."""

from __future__ import annotations

from datetime import UTC, timedelta

from icalendar import Calendar

from marketplace.extensions import db
from marketplace.models.base import utcnow
from tests.factories import make_livestream, make_shop


def fetch(client, query: str = ""):
    response = client.get(f"/livestreams.ics{query}")
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/calendar"
    assert response.mimetype_params.get("charset") == "utf-8"
    calendar = Calendar.from_ical(response.data)
    return calendar, {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_lists_upcoming_and_live_sessions(client):
    shop = make_shop(name="Thổ cẩm Cỏ Chàm")
    start = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    upcoming = make_livestream(
        shop,
        title="Live khăn piêu",
        url="https://www.facebook.com/cophien/videos/9",
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=2),
        description="Hàng mới",
    )
    live = make_livestream(shop, status="live", scheduled_start=utcnow() - timedelta(minutes=30))
    make_livestream(shop, status="ended", scheduled_start=utcnow() - timedelta(days=1))
    make_livestream(shop, status="cancelled")

    calendar, events = fetch(client)
    assert str(calendar["VERSION"]) == "2.0"
    assert calendar["PRODID"]
    assert set(events) == {f"{upcoming.id}@cho-phien", f"{live.id}@cho-phien"}
    event = events[f"{upcoming.id}@cho-phien"]
    assert str(event["SUMMARY"]) == "Live khăn piêu"
    assert str(event["URL"]) == "https://www.facebook.com/cophien/videos/9"
    assert event.decoded("DTSTART") == start
    assert event.decoded("DTSTART").tzinfo is not None
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTEND") == start + timedelta(hours=2)
    assert "Thổ cẩm Cỏ Chàm" in str(event["DESCRIPTION"])
    assert "Hàng mới" in str(event["DESCRIPTION"])
    assert event.get("DTSTAMP") is not None


def test_uids_are_stable_between_fetches(client):
    livestream = make_livestream(make_shop())
    _, first = fetch(client)
    livestream.title = "Đổi tên"
    db.session.commit()
    _, second = fetch(client)
    assert set(first) == set(second) == {f"{livestream.id}@cho-phien"}
    assert str(second[f"{livestream.id}@cho-phien"]["SUMMARY"]) == "Đổi tên"


def test_the_raw_times_are_utc(client):
    start = utcnow().replace(microsecond=0, second=0) + timedelta(days=3)
    make_livestream(make_shop(), scheduled_start=start, scheduled_end=None)
    body = client.get("/livestreams.ics").get_data(as_text=True)
    assert f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%S}Z" in body
    # No end planned: the calendar shows an hour.
    assert f"DTEND:{start + timedelta(hours=1):%Y%m%dT%H%M%S}Z" in body


def test_the_shop_filter(client):
    mine, theirs = make_shop(), make_shop()
    mine_live = make_livestream(mine)
    make_livestream(theirs)
    for ref in (mine.slug, mine.id):
        calendar, events = fetch(client, f"?shop={ref}")
        assert set(events) == {f"{mine_live.id}@cho-phien"}
        assert mine.name in str(calendar["X-WR-CALNAME"])
    _, every = fetch(client, "?shop=")
    assert len(every) == 2
    missing = client.get("/livestreams.ics?shop=no-such-shop")
    assert missing.status_code == 404
    missing.close()


def test_suspended_shops_and_stale_sessions_are_left_out(client):
    suspended = make_shop()
    make_livestream(suspended)
    suspended.status = "suspended"
    db.session.commit()
    make_livestream(
        make_shop(),
        scheduled_start=utcnow() - timedelta(days=2),
        scheduled_end=utcnow() - timedelta(days=2) + timedelta(hours=1),
    )
    _, events = fetch(client)
    assert events == {}
    response = client.get(f"/livestreams.ics?shop={suspended.slug}")
    assert response.status_code == 404
    response.close()


def test_an_empty_feed_is_still_a_valid_calendar(client):
    calendar, events = fetch(client)
    assert events == {}
    assert calendar.name == "VCALENDAR"
