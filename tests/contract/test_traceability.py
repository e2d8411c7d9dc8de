"""API.md v1.1 § Traceability — trace codes, the public page /t/{trace_code}, printable labels.

Labels are read back as a phone would: the PNG's QR code is decoded with zxing-cpp, and the SVG's
QR path is drawn into an image and decoded the same way.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from html import unescape
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from tests.contract.conftest import assert_error

CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{8}$")
SVG = "{http://www.w3.org/2000/svg}"
OCOP = {
    "certificate_number": "OCOP-SL-2025-017",
    "stars": 4,
    "issued_on": "2025-03-01",
    "expires_on": "2099-03-01",
    "issuer": "UBND tỉnh Sơn La",
}


def page_text(response) -> str:
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def certified(api, owner, product) -> None:
    officer = api.staff()
    applied = api.post(f"/api/v1/products/{product['id']}/ocop-applications", OCOP, owner)
    assert applied.status_code == 201, applied.get_json()
    approved = api.post(
        f"/api/v1/ocop/applications/{applied.get_json()['id']}/approve", {}, officer
    )
    assert approved.status_code == 200, approved.get_json()


def decode(image: Image.Image) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def svg_qr_image(root: ET.Element) -> Image.Image:
    """The SVG's QR path (``M x y h n v1 h-n z`` per run of dark modules) drawn 10 px a module
    with a quiet zone, as a scanner would see it printed."""
    path = root.find(f"{SVG}path")
    assert path is not None
    runs = [tuple(map(int, run)) for run in re.findall(r"M(\d+) (\d+)h(\d+)", path.get("d"))]
    side = max(x + n for x, _, n in runs)
    image = Image.new("L", ((side + 8) * 10, (side + 8) * 10), 255)
    draw = ImageDraw.Draw(image)
    for x, y, n in runs:
        draw.rectangle(((x + 4) * 10, (y + 4) * 10, (x + 4 + n) * 10 - 1, (y + 5) * 10 - 1), 0)
    return image


def label(api, who, product_id: str, **query):
    return api.get(f"/api/v1/products/{product_id}/label.svg", who, query_string=query)


# --- trace codes ----------------------------------------------------------------------------


def test_every_product_has_a_short_unique_trace_code_that_never_changes(api):
    owner, shop, product = api.seller_with_product(status="draft")
    other = api.product(owner, shop)
    code = product["trace_code"]
    assert CODE.match(code) and CODE.match(other["trace_code"])
    assert other["trace_code"] != code
    for change in (
        {"title": "Khăn mới"},
        {"status": "active"},
        {"variants": [{"options": {"màu": "chàm"}, "price": 90000, "stock": 2}]},
    ):
        response = api.patch(f"/api/v1/products/{product['id']}", change, owner)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["trace_code"] == code
    listed = api.get("/api/v1/products", query_string={"shop": shop["id"]}).get_json()["items"]
    assert {p["id"]: p["trace_code"] for p in listed} == {
        product["id"]: code,
        other["id"]: other["trace_code"],
    }


# --- the public page ------------------------------------------------------------------------


def test_the_trace_page_tells_where_a_product_comes_from(api):
    owner, shop = api.shop(village="Cỏ Chàm", ethnic_group="Mông", name="Thổ cẩm Cỏ Chàm")
    product = api.product(owner, shop, title="Khăn piêu & vòng bạc")
    certified(api, owner, product)
    response = api.get(f"/t/{product['trace_code']}")
    assert response.status_code == 200
    text = page_text(response)
    html = response.get_data(as_text=True)
    listed = datetime.fromisoformat(product["created_at"]).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    for fact in (
        "Khăn piêu & vòng bạc",
        "Thổ cẩm Cỏ Chàm",
        "Bản Cỏ Chàm, Xã Vân Hồ",
        "Người Mông",
        "4 sao",
        "Còn hiệu lực đến 01/03/2099",
        "OCOP-SL-2025-017",
        "UBND tỉnh Sơn La",
        "01/03/2025",
        f"Lên sàn Chợ Phiên {listed:%d/%m/%Y}",
        f"{product['trace_code'][:4]}-{product['trace_code'][4:]}",
    ):
        assert fact in text, fact
    assert '<html lang="vi">' in html and "<script" not in html
    assert f'href="/products/{product["id"]}"' in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_product_without_a_certificate_says_so(api):
    owner, shop, product = api.seller_with_product()
    assert "Chưa có chứng nhận OCOP" in page_text(api.get(f"/t/{product['trace_code']}"))


def test_a_code_typed_from_a_label_finds_its_page(api):
    owner, shop, product = api.seller_with_product()
    code = product["trace_code"]
    # Lower case, a dash, and the letters people read for 0 and 1.
    typed = f"{code[:4]}-{code[4:]}".lower().replace("0", "o").replace("1", "l")
    response = api.get(f"/t/{typed}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/t/{code}")
    assert api.get(f"/t/{code}").status_code == 200


@pytest.mark.parametrize("code", ["ABCDEFG", "ABCDEFGHJ", "ABCDEFG!", "UUUUUUUU", "x" * 1000])
def test_codes_that_cannot_be_are_404_pages(api, code):
    response = api.get(f"/t/{code}")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_hidden_products_have_no_trace_page_and_archived_ones_keep_theirs(api):
    officer = api.staff()
    owner, shop, product = api.seller_with_product()
    draft = api.product(owner, shop, status="draft")
    suspended = api.product(owner, shop)
    archived = api.product(owner, shop)
    moved = api.post(f"/api/v1/products/{suspended['id']}/suspend", {"reason": "Sai"}, officer)
    assert moved.status_code == 200
    assert api.delete(f"/api/v1/products/{archived['id']}", owner).status_code == 204

    def status(p) -> int:
        return api.get(f"/t/{p['trace_code']}").status_code

    assert status(product) == 200
    for hidden in (draft, suspended):
        response = api.get(f"/t/{hidden['trace_code']}", owner)
        assert response.status_code == 404 and response.mimetype == "text/html"
    # A jar bought last year still tells where it comes from; it is just no longer sold.
    text = page_text(api.get(f"/t/{archived['trace_code']}"))
    assert "ngừng bán" in text and archived["title"] in text
    moved = api.post(f"/api/v1/shops/{shop['id']}/suspend", {"reason": "Hàng giả"}, officer)
    assert moved.status_code == 200
    assert status(product) == status(archived) == 404
    assert api.post(f"/api/v1/shops/{shop['id']}/reinstate", None, officer).status_code == 200
    assert status(product) == 200


# --- labels ---------------------------------------------------------------------------------


def test_who_may_print_a_label(api):
    owner, shop, product = api.seller_with_product()
    draft = api.product(owner, shop, status="draft")
    other_artisan, _ = api.shop()
    assert_error(label(api, None, product["id"]), 401, "unauthorized")
    assert_error(label(api, api.register(), product["id"]), 403)
    assert_error(label(api, other_artisan, product["id"]), 403)
    assert_error(label(api, owner, "no-such-product"), 404)
    assert label(api, owner, product["id"]).status_code == 200
    assert label(api, owner, draft["id"]).status_code == 200
    officer = api.staff()
    assert label(api, officer, product["id"]).status_code == 200
    assert label(api, api.staff("admin"), product["id"]).status_code == 200
    # The trade office does not see drafts (the catalog's rule), so neither their labels.
    assert_error(label(api, officer, draft["id"]), 404)
    assert_error(label(api, owner, product["id"], format="pdf"), 422)


def test_the_png_label_scans_to_the_public_page(api, app_config):
    owner, shop, product = api.seller_with_product()
    response = label(api, owner, product["id"], format="png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(BytesIO(response.data))
    assert image.size == (1200, 600)
    # Without PUBLIC_BASE_URL: the address the request came to.
    assert decode(image) == [f"http://localhost/t/{product['trace_code']}"]

    app_config(PUBLIC_BASE_URL="https://chophien.vn")
    response = label(api, owner, product["id"], format="png")
    assert decode(Image.open(BytesIO(response.data))) == [
        f"https://chophien.vn/t/{product['trace_code']}"
    ]


def test_the_svg_label_is_well_formed_and_names_the_product_and_shop(api, app_config):
    app_config(PUBLIC_BASE_URL="https://chophien.vn")
    owner, shop = api.shop(name="Hợp tác xã <Suối Bàng>")
    title = 'Mật ong "hoa ban" & bạc hà <rừng>'
    product = api.product(owner, shop, title=title)
    response = label(api, owner, product["id"])
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"
    assert "private" in response.headers["Cache-Control"]
    root = ET.fromstring(response.data)  # noqa: S314 (our own answer)
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height")) == ("80mm", "40mm")
    text = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "Mật ong" in text and "Hợp tác xã <Suối Bàng>" in text
    assert title in root.find(f"{SVG}title").text
    assert f"{product['trace_code'][:4]}-{product['trace_code'][4:]}" in text
    assert root.find(f".//{SVG}script") is None
    assert decode(svg_qr_image(root)) == [f"https://chophien.vn/t/{product['trace_code']}"]


def test_the_label_endpoint_is_documented_with_both_image_types(api):
    spec = api.get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/products/{product_id}/label.svg"]["get"]
    assert {"image/svg+xml", "image/png"} <= set(operation["responses"]["200"]["content"])
    assert "format" in {p["name"] for p in operation["parameters"]}
