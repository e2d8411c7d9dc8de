"""How pages write prices, times, image sizes and text."""

from __future__ import annotations

from datetime import UTC, datetime

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
