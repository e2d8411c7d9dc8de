"""How pages write prices, times, image sizes and text."""

from __future__ import annotations

from datetime import UTC, datetime

import flask_babel
import pytest

from marketplace.blueprints.pages import present


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(150000, "150.000 ₫"), (0, "0 ₫"), (999, "999 ₫"), (1250000, "1.250.000 ₫")],
)
def test_money_is_written_the_vietnamese_way(app, amount, shown):
    with app.app_context():
        assert present.money(amount) == shown
        assert present.money(amount, "VND") == shown


def test_times_are_vietnams():
    moment = datetime(2026, 11, 28, 18, 30, tzinfo=UTC)  # a Saturday evening in UTC
    assert present.local_time(moment) == "01:30 CN 29/11/2026"
    assert present.iso(moment) == "2026-11-29T01:30+07:00"
    assert present.local_time(None) == "" and present.local_date("2027-03-12") == "12/03/2027"


@pytest.mark.parametrize(
    ("size", "variant", "box"),
    [
        ((1200, 900), "thumb", (320, 240)),
        ((900, 1200), "medium", (720, 960)),
        ((200, 100), "medium", (200, 100)),  # never enlarged
        ((None, None), "thumb", (320, 320)),
    ],
)
def test_image_boxes_match_the_variants_made(size, variant, box):
    image = {"url": "/o.jpg", "width": size[0], "height": size[1], "variants": {variant: "/v"}}
    shown = present.image_box(image, variant)
    assert (shown["width"], shown["height"]) == box and shown["url"] == "/v"


def test_an_image_without_variants_falls_back_to_the_original():
    image = {"url": "/o.jpg", "width": 10, "height": 10, "variants": {}}
    assert present.image_box(image, "thumb")["url"] == "/o.jpg"
    assert present.image_box(None, "thumb") is None


def test_paragraphs_escape_text():
    shown = present.paragraphs("<script>x</script>\nline\n\n\nnext")
    assert str(shown) == "<p>&lt;script&gt;x&lt;/script&gt;<br>line</p><p>next</p>"


def test_links_are_only_http():
    assert present.web_link("javascript:alert(1)") is None
    assert present.web_link("https://www.facebook.com/x") == "https://www.facebook.com/x"


def test_phone_numbers():
    assert present.phone_text("+84912345678") == "0912 345 678"
    assert present.phone_text("+33612345678") == "+33 6 12 34 56 78"


def test_weekdays_platforms_statuses_and_badges_in_the_page_language(app):
    moment = datetime(2026, 11, 28, 18, 30, tzinfo=UTC)
    ocop = {
        "stars": 4,
        "status": "certified",
        "expires_on": "2028-03-12",
        "certificate_number": "1",
    }
    with app.test_request_context("/?lang=vi"):
        flask_babel.refresh()  # the language is chosen once per context
        assert present.local_time(moment) == "01:30 CN 29/11/2026"
        assert present.livestream_status("live") == "Đang live"
        assert present.platform_name("other") == "nền tảng khác"
        badge = present.ocop_badge(ocop)
        assert (badge["label"], badge["status"]) == ("OCOP 4 sao", "Còn hiệu lực đến 12/03/2028")
    with app.test_request_context("/?lang=en"):
        flask_babel.refresh()
        assert present.local_time(moment) == "01:30 Sun 29/11/2026"
        assert present.livestream_status("scheduled") == "Coming up"
        assert present.platform_name("other") == "another platform"
        assert present.platform_name("tiktok") == "TikTok"
        badge = present.ocop_badge({**ocop, "status": "expired"})
        assert (badge["label"], badge["status"]) == ("OCOP 4 stars", "Expired on 12/03/2028")
        assert present.category_name({"slug": "brocade", "name": "Thổ cẩm"}) == "Brocade"
