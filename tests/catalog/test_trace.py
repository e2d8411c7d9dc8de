"""Trace codes (services/catalog/trace.py) and the label layout (services/catalog/labels.py)."""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import Product
from marketplace.services.catalog import labels, trace
from marketplace.services.catalog import products as catalog
from tests.factories import headers_for, make_product, make_shop, make_user

CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{8}$")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("7F1FXRHX", "7F1FXRHX"),
        ("7f1f-xrhx", "7F1FXRHX"),
        (" 7F1F XRHX ", "7F1FXRHX"),
        ("7FlF-XRHX", "7F1FXRHX"),  # l read as 1
        ("7FIF-XRHX", "7F1FXRHX"),  # I read as 1
        ("O0OO-0000", "00000000"),  # O read as 0
        ("7F1FXRH", None),
        ("7F1FXRHXX", None),
        ("7F1FXRHU", None),  # U is not in the alphabet
        ("7F1F_RHX", None),
        ("", None),
        ("٧F1FXRHX", None),  # another script's digit
    ],
)
def test_typed_codes_are_read_as_people_mean_them(typed, stored):
    assert trace.normalize_trace_code(typed) == stored


def test_codes_are_shown_in_two_halves():
    assert trace.grouped("7F1FXRHX") == "7F1F-XRHX"


def test_a_product_made_by_the_catalog_gets_a_free_code(app):
    shop = make_shop()
    product = catalog.create_product(shop, title="Chè Shan tuyết", price=120000, stock=5)
    assert CODE.match(product.trace_code)
    assert CODE.match(trace.unused_trace_code())
    taken = db.session.scalars(sa.select(Product.trace_code)).all()
    assert trace.unused_trace_code() not in taken


def test_the_database_refuses_a_code_twice(app):
    first = make_product()
    with pytest.raises(sa.exc.IntegrityError):
        make_product(trace_code=first.trace_code)
    db.session.rollback()


def test_lookup_finds_the_product_by_a_typed_code_and_hides_the_rest(app):
    product = make_product(trace_code="7F1FXRHX")
    found = trace.lookup("7f1f-xrhx")
    assert found.product.id == product.id and found.shop.id == product.shop_id
    assert found.certificate is None
    make_product(trace_code="DRAFT000", status="draft")
    for code in ("DRAFT000", "ZZZZZZZZ", "not a code"):
        with pytest.raises(NotFound) as error:
            trace.lookup(code)
        assert error.value.code == "trace_code_not_found"


# --- the label's text -------------------------------------------------------------------------


def fits_within(width: float, style: str = "bold", size: int = 36):
    font = labels.font(style, size)
    return lambda text: font.getlength(text) <= width


def test_long_titles_wrap_in_three_lines_at_most_and_end_with_an_ellipsis():
    fits = fits_within(370)
    title = "Khăn thổ cẩm Mông nhuộm chàm dệt tay từ sợi lanh trồng trên nương của bản Cỏ Chàm"
    lines = labels.wrap(title, fits, 3)
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert all(fits(line) for line in lines)
    assert " ".join(lines).rstrip("…").split()[:6] == title.split()[:6]
    assert labels.wrap("Mật ong", fits, 3) == ["Mật ong"]
    assert labels.wrap("", fits, 3) == []


def test_a_word_wider_than_the_line_is_broken_inside():
    fits = fits_within(200)
    lines = labels.wrap("M" * 40, fits, 20)
    assert "".join(lines) == "M" * 40 and len(lines) > 1
    assert all(fits(line) for line in lines)


def test_printable_text_is_composed_and_free_of_controls():
    decomposed = unicodedata.normalize("NFD", "Thổ cẩm")
    assert labels.printable(decomposed) == "Thổ cẩm"
    assert len(labels.printable(decomposed)) == len("Thổ cẩm")
    assert labels.printable("Khăn\x07 piêu\u202e\n  đỏ\ufffe") == "Khăn piêu đỏ"
    assert labels.printable(None) == ""


def test_the_place_names_the_province_when_the_shop_has_one():
    shop = SimpleNamespace(village="Cỏ Chàm", commune="Lóng Luông")
    assert labels.place_of(shop) == "Bản Cỏ Chàm, xã Lóng Luông"
    shop.province = "Sơn La"
    assert labels.place_of(shop) == "Bản Cỏ Chàm, xã Lóng Luông, Sơn La"
    assert labels.place_of(SimpleNamespace(village=None, commune="Vân Hồ")) == "Xã Vân Hồ"
    # An official 2025 name already says its unit: never "xã Xã".
    official = SimpleNamespace(village="Cỏ Chàm", commune="Xã Vân Hồ", province="Sơn La")
    assert labels.place_of(official) == "Bản Cỏ Chàm, Xã Vân Hồ, Sơn La"


def test_every_line_of_the_label_fits_its_width(app):
    shop = make_shop(name="Hợp tác xã nông nghiệp và dịch vụ tổng hợp chè Shan tuyết Tà Số")
    product = make_product(shop, title="Chè " + "Shan tuyết cổ thụ " * 10)
    label = labels.layout(product, "https://chophien.vn/t/" + product.trace_code)
    for line in label.lines:
        assert line.x + labels.font(line.style, line.size).getlength(line.text) <= labels.WIDTH
        assert line.y <= labels.HEIGHT
    assert label.lines[2].text.endswith("…")
    assert label.lines[3].text.endswith("…")  # the shop's long name


def test_a_title_with_control_characters_still_makes_well_formed_svg(client):
    owner = make_user("artisan")
    product = make_product(make_shop(owner), title="Khăn\x01\x07 \x1bđỏ\u0085")
    response = client.get(f"/api/v1/products/{product.id}/label.svg", headers=headers_for(owner))
    assert response.status_code == 200
    root = ET.fromstring(response.data)  # noqa: S314 (our own answer)
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts[0] == "Khăn đỏ"
