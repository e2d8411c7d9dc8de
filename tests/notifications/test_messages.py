"""What notifications say: both languages for every kind, and text messages that fit one SMS.

One SMS holds 160 GSM-7 characters, or only 70 UCS-2 ones, and Vietnamese diacritics need
UCS-2: text messages are folded to GSM-7's basic characters (``Đơn mới`` → ``Don moi``) and cut
to 160, the link always whole.
"""

from __future__ import annotations

import pytest

from marketplace.services.notifications import messages

# GSM 03.38's basic character set: one unit each.
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
LONG = "Hợp tác xã dệt thổ cẩm truyền thống bản Cỏ Chàm, Vân Hồ, Sơn La — Mường Tè [A] {B} ~ | ^"
LONG_URL = "https://cho-phien.son-la.gov.vn/seller/orders#order-" + "f" * 32
EVERY_PARAM = {
    "order_id": "f" * 32,
    "ref": "FFFFFFFF",
    "total": 12_345_678_900,
    "currency": "VND",
    "first_item": LONG,
    "first_quantity": 12,
    "more_items": 7,
    "buyer": LONG,
    "shop": LONG,
    "carrier": LONG,
    "tracking_number": "VTP" + "9" * 60,
    "reason": LONG,
    "title": LONG,
    "platform": "tiktok",
    "product": LONG,
    "stars": 5,
    "certificate_number": "1234/QĐ-UBND-" + "9" * 40,
    "expires_on": "2027-03-12",
    "days": 14,
    "note": LONG,
    "officer": LONG,
}
KINDS = sorted(messages.TEMPLATES, key=lambda key: (key[0], key[1] or ""))


def gsm7_units(text: str) -> int:
    assert set(text) <= GSM7_BASIC, set(text) - GSM7_BASIC
    return len(text)


@pytest.mark.parametrize("locale", messages.LOCALES)
@pytest.mark.parametrize("kind, variant", KINDS)
def test_every_text_message_fits_one_sms_with_its_link_whole(kind, variant, locale):
    params = {**EVERY_PARAM, "variant": variant}

    text = messages.sms(kind, params, locale, LONG_URL)

    assert gsm7_units(text) <= 160
    assert text.endswith(" " + LONG_URL)
    short = messages.sms(kind, {**params, "buyer": "Hoa", "shop": "Cỏ Chàm"}, locale, None)
    assert gsm7_units(short) <= 160


@pytest.mark.parametrize("locale", messages.LOCALES)
@pytest.mark.parametrize("kind, variant", KINDS)
def test_every_kind_has_a_title_and_body_in_both_languages(kind, variant, locale):
    text = messages.render(kind, {**EVERY_PARAM, "variant": variant}, locale)

    assert text.title and text.body
    assert "{" not in (text.title + text.body).replace("{B}", "")  # every placeholder filled
    subject, body = messages.email(kind, {**EVERY_PARAM, "variant": variant}, locale, LONG_URL)
    assert subject == text.title and LONG_URL in body


def test_vietnamese_is_written_with_its_diacritics_and_folded_for_sms():
    params = {
        **EVERY_PARAM,
        "shop": "Thổ cẩm Cỏ Chàm",
        "carrier": "Bưu điện",
        "tracking_number": "ĐH123",
    }

    vi = messages.render("order_shipped", params, "vi")
    sms = messages.sms("order_shipped", params, "vi", "https://cho.example.vn/orders/1")

    assert vi.title == "Đơn #FFFFFFFF đang được giao"
    assert vi.body == "Thổ cẩm Cỏ Chàm đã gửi đơn hàng của bạn qua Bưu điện, mã vận đơn ĐH123."
    assert sms == (
        "Cho Phien: don #FFFFFFFF da gui qua Buu dien, ma van don DH123. "
        "Xem: https://cho.example.vn/orders/1"
    )


def test_money_and_dates_as_each_language_writes_them():
    assert messages.money(1_250_000, "VND", "vi") == "1.250.000 ₫"
    assert messages.money(1_250_000, "VND", "en") == "1,250,000 ₫"
    assert messages.money(1_250_000, "VND", "vi", sms=True) == "1.250.000 VND"
    assert messages.day("2027-03-12", "vi") == "12/03/2027"
    assert messages.day("2027-03-12", "en") == "12 Mar 2027"


def test_an_unknown_locale_reads_vietnamese():
    assert messages.render("order_confirmed", EVERY_PARAM, "fr") == messages.render(
        "order_confirmed", EVERY_PARAM, "vi"
    )


@pytest.mark.parametrize("locale", messages.LOCALES)
def test_the_reset_code_message(locale):
    text = messages.password_reset("042917", locale)

    assert "042917" in text.body and "042917" in text.sms
    assert gsm7_units(text.sms) <= 160
    assert "15" in text.sms


def test_gsm_folding():
    assert messages.gsm_text("Đồ thổ cẩm “đẹp” — 100₫ […]") == 'Do tho cam "dep" - 100d (...)'
    assert messages.gsm_text("emoji 🎉 and 中文") == "emoji ? and ??"
